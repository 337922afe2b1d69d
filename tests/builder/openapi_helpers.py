"""What the OpenAPI import tests share: the vendors' sample documents, small documents, YAML bombs."""

from pathlib import Path

from builder import openapi


SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "openapi-samples"


def sample(name):
    return (SAMPLES / name).read_bytes()


def mapped(name):
    """Return {scheme name: Scheme} for a sample."""
    return {scheme.name: scheme for scheme in openapi.security_schemes(openapi.parse_openapi(sample(name)))}


def openapi3(schemes=None, **fields):
    return {"openapi": "3.0.3", "info": {"title": "Zylker", "version": "1"}, "paths": {},
            **({"components": {"securitySchemes": schemes}} if schemes is not None else {}), **fields}


def schemes_of(schemes, **fields):
    return {scheme.name: scheme for scheme in openapi.security_schemes(openapi3(schemes, **fields))}


BILLION_LAUGHS = "a0: &a0 [lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
MERGE_BOMB = "m0: &m0 {k: v}\n" + "".join(
    f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}], k{i}: v}}\n" for i in range(1, 10))

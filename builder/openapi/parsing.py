"""Read a document's text (JSON or YAML, at most 5 MB) into a dict, or say why it is refused."""

import json
import re

import yaml

from .. import duplicate_keys
from ..document_format import json_path
from . import safe_yaml
from .base import DocumentRefused
from .safe_yaml import MAX_DEPTH, _Refused, repeated_key_message

MAX_DOCUMENT_BYTES = 5_000_000  # "5 MB"; stays under DATA_UPLOAD_MAX_MEMORY_SIZE when the page posts it back


def parse_openapi(text_or_bytes):
    """Return the document as a dict; raise DocumentRefused when it is not one we read."""
    if isinstance(text_or_bytes, str):
        if len(text_or_bytes) > MAX_DOCUMENT_BYTES:  # checked first: encoding 50 MB costs 50 MB more
            raise DocumentRefused(too_large_message())
        try:
            if len(text_or_bytes.encode("utf-8")) > MAX_DOCUMENT_BYTES:
                raise DocumentRefused(too_large_message())
        except UnicodeEncodeError:
            raise DocumentRefused(_NOT_TEXT) from None
        text = text_or_bytes.removeprefix("\ufeff")
    else:
        if len(text_or_bytes) > MAX_DOCUMENT_BYTES:
            raise DocumentRefused(too_large_message())
        try:
            text = bytes(text_or_bytes).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DocumentRefused(_NOT_TEXT) from None
    spec = _load(text)
    problem = _shape_problem(spec)
    if problem:
        raise DocumentRefused(problem)
    _check_openapi(spec)
    return spec


_NOT_TEXT = "The document is not UTF-8 text: upload the JSON or YAML file itself."
_SURROGATE = re.compile("[\ud800-\udfff]")


def too_large_message():
    return f"The document is larger than {MAX_DOCUMENT_BYTES // 1_000_000} MB, the most the OpenAPI importer reads."


def _load(text):
    if not text.strip():
        raise DocumentRefused("The document is empty.")
    json_error = None
    if text.lstrip()[:1] in ("{", "["):
        try:
            loaded, repeated = duplicate_keys.loads(text)
        except RecursionError:
            raise DocumentRefused("The document nests too deeply.") from None
        except ValueError as error:
            json_error = error  # YAML also reads JSON-like text with comments or unquoted keys; try it
        else:
            if repeated:
                raise DocumentRefused(repeated_key_message(json_path(repeated)))
            return loaded
    loader = safe_yaml._LOADER(text)  # looked up when called, so a test can swap the loader
    try:
        return loader.get_single_data()
    except _Refused as error:
        raise DocumentRefused(str(error)) from None
    except (yaml.YAMLError, RecursionError) as error:
        if json_error is not None:
            raise DocumentRefused(f"The document is not valid JSON: {json_error}.") from None
        raise DocumentRefused(f"The document is neither JSON nor valid YAML{_where(error)}.") from None
    finally:
        loader.dispose()


def _shape_problem(value):
    """Return why a loaded document cannot be worked with safely, or None (iteratively: no recursion).

    What walks it later (the page re-encodes parts of it) must stay shallow, and text with an
    unpaired surrogate (JSON can escape one: "\\ud800") cannot be written into a page.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str) and _SURROGATE.search(item):
            return "The document holds text that is not valid Unicode (an unpaired surrogate)."
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return f"The document nests deeper than {MAX_DEPTH} levels."
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def _where(error):
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    at = f" (line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{at}: {problem})" if at and problem else (f"{at})" if at else "")


def _check_openapi(spec):
    if isinstance(spec, dict):
        version, swagger = str(spec.get("openapi", "")), str(spec.get("swagger"))
        if re.fullmatch(r"3\.\d+(\.\d+)?(-[\w.]+)?", version) or swagger == "2.0":
            return
        found = spec.get("openapi") or spec.get("swagger")
        if isinstance(found, (str, int, float)):
            raise DocumentRefused(f"The document declares version {str(found)[:20]}; only OpenAPI 3.x and "
                                  "Swagger 2.0 documents can be imported.")
    raise DocumentRefused("The document is not an OpenAPI 3.x or Swagger 2.0 document: it has no "
                          "“openapi: 3.…” or “swagger: \"2.0\"” field at the top.")

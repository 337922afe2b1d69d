"""Import from OpenAPI: names and descriptions cleaned to the builder's rules."""

import random

import pytest
from django.core.exceptions import ValidationError

from builder import openapi
from builder.validators import connector_name_validator, description_validator
from tests.builder.openapi_helpers import openapi3


@pytest.mark.parametrize("title,name", [
    ("Netlify's API (v1.2) — “beta”", "Netlifys API v1 2 - beta"),
    ("  ### ¿Qué API? ", "Qué API"),
    ("A" * 30 + " " + "B" * 30, "A" * 30),
    ("???", openapi.FALLBACK_NAME),
    (2024, "2024"),  # an unquoted YAML title is read as a number
    (None, openapi.FALLBACK_NAME),
])
def test_names_follow_the_builder_rules(title, name):
    assert openapi.connector_document_from(openapi3({"b": {"type": "http", "scheme": "basic"}},
                                                    info={"title": title}), "b")["connector"]["name"] == name


def test_descriptions_lose_markdown_and_html():
    text = ("# Title\n\nUse the **[dashboard](https://x.example.com)** to get a `key`; it's <b>free</b>!\n\n"
            "```\ncurl -H 'X: y'\n```\n- one\n- two ![logo](https://x.example.com/l.png)")
    assert openapi.clean_description(text) == "Use the dashboard to get a key, its free ! one two"


def test_random_text_always_passes_the_builder_validators():
    generator = random.Random(20240601)
    alphabet = "aZ09 _-*@/\\!:|&~+,.()<>[]{}#`'\"é漢\n\t—;?%$^=" + "".join(chr(c) for c in range(0x2000, 0x2010))
    for _ in range(300):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 400)))
        name, description = openapi.clean_name(text), openapi.clean_description(text)
        assert len(name) <= 50 and len(description) <= 255
        try:
            if name:
                connector_name_validator(name)
            description_validator(description)
        except ValidationError:
            pytest.fail(f"{text!r} cleaned to {name!r} / {description!r}")

"""The help page's rules for connector names, descriptions and link names."""

import re
import unicodedata

from django.core.validators import RegexValidator

NAME_SPECIALS = r"* _ - @ / ! : | & ~ \ +"
DESCRIPTION_SPECIALS = r", . ( ) - _ * @ / \ ! : | ~ &"
LINK_NAME_MAX = 50

connector_name_validator = RegexValidator(
    r"^\w[\w *\-@/!:|&~\\+]*\Z",
    f"Use letters, digits, spaces and only these special characters: {NAME_SPECIALS}. "
    "Start with a letter, a digit or _.",
    code="invalid_name",
)
description_validator = RegexValidator(
    r"^[\w ,.()\-*@/\\!:|~&]*\Z",
    f"Use letters, digits, spaces and only these special characters: {DESCRIPTION_SPECIALS}",
    code="invalid_description",
)
link_name_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*\Z",
    "Use lowercase letters, digits and _ only, starting with a letter.",
    code="invalid_link_name",
)


def link_name_from(name):
    """Return a link name derived from a display name: lowercase ASCII letters, digits and _."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    link = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if not link or not link[0].isalpha():
        link = f"c_{link}".rstrip("_")
    return link[:LINK_NAME_MAX].rstrip("_")


def unique_link_name(base, taken):
    """Return `base`, or `base_2`, `base_3`... the first one for which `taken(name)` is False."""
    candidate, number = base, 1
    while taken(candidate):
        number += 1
        suffix = f"_{number}"
        candidate = base[: LINK_NAME_MAX - len(suffix)] + suffix
    return candidate

"""Clean a document's names and descriptions to the builder's rules for connector text."""

import re


_NAME_CHAR = re.compile(r"[\w *\-@/!:|&~\\+]")
_DESCRIPTION_CHAR = re.compile(r"[\w ,.()\-*@/\\!:|~&]")
_DROPPED = "'\"‘’‚“”„`´"  # quotes vanish: "Netlify's" reads better as "Netlifys" than "Netlify s"
_DASHES = "‐‑‒–—―−"
_SCAN_LIMIT = 10_000      # only the start of a long description can end up in 255 characters


def strip_markdown(text):
    """Return text without Markdown: code blocks, headings, link targets, emphasis and HTML tags."""
    lines, fenced, headings = [], False, []
    for line in str(text)[:_SCAN_LIMIT].splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        elif fenced:
            continue
        elif re.match(r"#{1,6}(\s|$)", stripped):
            headings.append(stripped.lstrip("#").strip())  # a heading names a section; keep the prose
        else:
            lines.append(re.sub(r"^(>\s*)+|^([-*+]|\d+[.)])\s+", "", stripped))
    text = "\n".join(lines) if any(lines) else "\n".join(headings)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)                       # images
    text = re.sub(r"\[([^\]]*)\](\([^)]*\)|\[[^\]]*\])", r"\1", text)       # links keep their text
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", text)                    # autolinks
    text = re.sub(r"<[^>\n]{0,200}>", " ", text)                            # HTML tags
    text = re.sub(r"(\*\*|__|`)", "", text)
    return re.sub(r"(?<!\w)[*_]([^*_\n]+)[*_](?!\w)", r"\1", text)


def _text(value):
    """Return a YAML scalar as text (an unquoted title may be read as a number); '' for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else ""


def _clean(text, allowed, replacements=None):
    """Return text without Markdown, quotes dropped, other characters outside `allowed` as spaces."""
    characters = []
    for ch in strip_markdown(_text(text)):
        if ch in _DROPPED:
            continue
        ch = "-" if ch in _DASHES else (replacements or {}).get(ch, ch)
        characters.append(ch if allowed.fullmatch(ch) else " ")
    return " ".join("".join(characters).split())


def _truncate(text, limit, *, ellipsis):
    if len(text) <= limit:
        return text
    suffix = "..." if ellipsis else ""
    cut = text[: limit - len(suffix) + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[: limit - len(suffix)]
    return cut.rstrip(" ,:;-|&") + suffix


def clean_name(text):
    """Return text fit for a connector name: allowed characters, a letter/digit/_ first, at most 50."""
    return _truncate(re.sub(r"^[^\w]+", "", _clean(text, _NAME_CHAR)), 50, ellipsis=False)


def clean_parameter_name(text, limit=50):
    """Return text fit for an auth parameter's display name (a letter or digit first), at most `limit`."""
    return _truncate(re.sub(r"^[\W_]+", "", _clean(text, _NAME_CHAR)), limit, ellipsis=False)


def clean_description(text, limit=255):
    """Return text fit for a connector description: Markdown stripped, allowed characters, cut on a word."""
    cleaned = _clean(text, _DESCRIPTION_CHAR, {";": ",", "?": "."})
    return _truncate(re.sub(r" ([,.])", r"\1", cleaned), limit, ellipsis=True)


def clean_scope_name(text):
    """Return a scope's description as its display name: plain text, at most 100 characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in strip_markdown(_text(text)))
    return _truncate(" ".join(printable.split()), 100, ellipsis=True)

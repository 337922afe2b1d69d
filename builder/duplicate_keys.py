"""Find a key stated twice in one JSON object, with where it is (connector and OpenAPI documents).

Python's json module keeps the last of two equal keys; other readers keep the first or refuse
the document. A document that says two things at one place is refused, naming the place.
"""

import json


class _Repeated(dict):
    """A JSON object that stated `key` more than once."""

    key = None


def loads(text, **kwargs):
    """Return (value, parts) for JSON text: parts is the path (keys and indexes) of a repeated key,
    or None when no object repeats one."""
    repeated = []

    def pairs_to_object(pairs):
        result = dict(pairs)
        if len(result) == len(pairs):
            return result
        seen = set()
        result = _Repeated(result)
        result.key = next(key for key, _ in pairs if key in seen or seen.add(key))
        repeated.append(result)
        return result

    value = json.loads(text, object_pairs_hook=pairs_to_object, **kwargs)
    return value, (_first_repeated(value) if repeated else None)


def _first_repeated(value):
    """Return the path to a repeated key under value, the outermost first (no recursion)."""
    stack = [(value, ())]
    while stack:
        item, parts = stack.pop()
        if isinstance(item, _Repeated):
            return [*parts, item.key]
        if isinstance(item, dict):
            stack.extend(reversed([(child, (*parts, key)) for key, child in item.items()]))
        elif isinstance(item, list):
            stack.extend(reversed([(child, (*parts, index)) for index, child in enumerate(item)]))
    return None

"""A safe YAML loader that refuses alias bombs and deep nesting before it builds anything."""

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from ..document_format import json_path

MAX_DEPTH = 64        # the samples nest at most 16 deep
MAX_NODES = 400_000   # values after expanding aliases; a 5 MB document of real API holds ~300 000


class _Refused(yaml.YAMLError):
    """The text is YAML, but not a document we build: str() says why."""


class _TooComplex(_Refused):
    pass


class _RepeatedKey(_Refused):
    pass


_MERGE = "tag:yaml.org,2002:merge"


def repeated_key_message(path):
    return (f"The key at {path} appears twice in its object; state it once (readers disagree on which one "
            "counts).")


class _GuardedComposer(Composer):
    """Compose nodes while counting depth and the size aliases expand to.

    Aliases make a small text stand for a huge value ("billion laughs"), and merge keys copy
    that value for real; the expanded size of every anchored node is remembered, so an alias
    adds what it stands for, and the total is refused past MAX_NODES before anything is built.
    A key stated twice in one mapping is refused with its path (a merge key's keys may be
    overridden: that is what merging means).
    """

    def __init__(self):
        super().__init__()
        self._open = []          # the expanded size so far of each collection being composed
        self._anchor_sizes = {}
        self._path = []          # keys and indexes from the root to the node being composed

    def compose_node(self, parent, index):
        if parent is None:
            return self._compose_node(parent, index)
        part = index if isinstance(index, int) else index.value if isinstance(index, ScalarNode) else "?"
        self._path.append(part)
        try:
            return self._compose_node(parent, index)
        finally:
            self._path.pop()

    def compose_mapping_node(self, anchor):
        node = super().compose_mapping_node(anchor)
        seen = set()
        for key, _ in node.value:
            if isinstance(key, ScalarNode) and key.tag != _MERGE:
                if (key.tag, key.value) in seen:
                    raise _RepeatedKey(repeated_key_message(json_path([*self._path, key.value])))
                seen.add((key.tag, key.value))
        return node

    def _compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            if event.anchor in self.anchors and event.anchor not in self._anchor_sizes:
                raise _TooComplex("The document's YAML refers to a node from inside itself (a recursive alias).")
            node = super().compose_node(parent, index)
            self._add(self._anchor_sizes[event.anchor])
            return node
        if len(self._open) >= MAX_DEPTH:
            raise _TooComplex(f"The document nests deeper than {MAX_DEPTH} levels.")
        self._open.append(0)
        node = super().compose_node(parent, index)
        size = 1 + self._open.pop()
        if event.anchor is not None:
            self._anchor_sizes[event.anchor] = size
        self._add(size)
        return node

    def _add(self, size):
        total = size + (self._open[-1] if self._open else 0)
        if total > MAX_NODES:
            raise _TooComplex(f"The document holds more than {MAX_NODES} values once its YAML aliases are "
                              "expanded; it is refused as a possible YAML bomb.")
        if self._open:
            self._open[-1] = total


class _PythonLoader(_GuardedComposer, Reader, Scanner, Parser, SafeConstructor, Resolver):
    def __init__(self, text):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        _GuardedComposer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml
    _LOADER = _PythonLoader
else:
    class _LibyamlLoader(_GuardedComposer, CParser, SafeConstructor, Resolver):
        """libyaml scans and parses (about ten times faster); our composer builds the nodes."""

        def __init__(self, text):
            CParser.__init__(self, text)
            _GuardedComposer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _LOADER = _LibyamlLoader

"""`alternation(words)`: a pattern matching any of some literal words, factored by common prefixes.

The regex engine tries a plain alternation's branches one after another at every candidate
position; factored into a trie (`r(?:eply to|cpt to:)|after|...`) it tries one branch per distinct
first character and goes deeper only where the text follows one. The factored pattern matches
exactly the same strings; which branch matches may differ, so it serves searches asking only
whether (or where) one of the words occurs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_Trie = dict[str, "_Trie"]
_END = ""  # the key marking that a word ends at a node


def alternation(words: Iterable[str]) -> str:
    """A pattern matching exactly what `"|".join(map(re.escape, words))` matches (no words, or an
    empty one, match the empty string as that does)."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return _pattern(trie)


def _pattern(node: _Trie) -> str:
    branches = [re.escape(char) + _pattern(child) for char, child in node.items() if char != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if _END in node else body

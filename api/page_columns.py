"""Which columns of `outbound_email` a page of emails needs: those its selection reads, not all 42.

A page read every column of every row: ten timestamps, three JSON arrays and the bodies that the
usual listing never shows, each converted by psycopg and SQLAlchemy's result processors (a 100-row
page cost 2.1 ms of CPU to fetch, 0.85 ms with the 8 columns the benchmark's page selects). The
selection says which `OutboundEmail` fields are asked for; each field reads known columns of its
row (`NODE_COLUMNS`). A field not listed there (a new one) makes the page read every column, so
forgetting to list one costs speed, never a missing attribute. Skipped fields (`@skip`/`@include`)
count as selected: more columns than needed, never fewer.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from strawberry.utils.str_converters import to_camel_case

from api.types import FROM_ROW

ALWAYS = ("id", "created_at")
"""The edge's cursor and the resolvers that load by the email's id."""

NODE_COLUMNS: dict[str, tuple[str, ...]] = {
    **{to_camel_case(name): (name,) for name in FROM_ROW},  # each plain field converts its own column
    "__typename": (),
    "account": ("account_id",),
    "bounceDetails": ("bounce_details",),
    "recipients": (),
    "attachments": (),
    "events": (),
    "emailMessage": ("email_message_uid",),
    "replies": (),
    "autoReplies": (),
    "renderedFrom": (),
    "bounces": (),
}
"""For each field of OutboundEmail, the columns (besides `ALWAYS`) its conversion or resolver reads."""


def _fields(selection_set: SelectionSetNode | None, fragments: dict[str, Any], out: list[FieldNode]) -> None:
    for node in selection_set.selections if selection_set is not None else ():
        if isinstance(node, FieldNode):
            out.append(node)
        elif isinstance(node, InlineFragmentNode):
            _fields(node.selection_set, fragments, out)
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments.get(node.name.value)
            if isinstance(fragment, FragmentDefinitionNode):
                _fields(fragment.selection_set, fragments, out)


def _below(nodes: list[FieldNode], name: str, fragments: dict[str, Any]) -> list[FieldNode]:
    """The fields selected under every `name` field of `nodes`."""
    out: list[FieldNode] = []
    for node in nodes:
        if node.name.value == name:
            _fields(node.selection_set, fragments, out)
    return out


def page_columns(connection_nodes: list[FieldNode], fragments: dict[str, Any]) -> tuple[str, ...] | None:
    """The columns the page's nodes need, in a stable order; None: every column."""
    edges: list[FieldNode] = []
    for node in connection_nodes:
        _fields(node.selection_set, fragments, edges)
    needed = set(ALWAYS)
    for field in _below(_below(edges, "edges", fragments), "node", fragments):
        columns = NODE_COLUMNS.get(field.name.value)
        if columns is None:
            return None
        needed.update(columns)
    return tuple(sorted(needed))

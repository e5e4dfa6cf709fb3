"""api.db.RequestSession adds rows as SQLModel's session does, without the cascade walk.

The walk it skips (Mapper.cascade_iterator) can only reach other rows through relationships; every
table here is checked to have none, or to go the usual way. Rows added through both sessions
end up alike: pending in their session, in `new`, added once however often `add` is called.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import configure_mappers
from sqlmodel import Session, SQLModel

from api.db import RequestSession
from domain import records
from domain.lifecycle import EmailStatus


def mappers() -> list[Any]:
    configure_mappers()
    return sorted(SQLModel._sa_registry.mappers, key=lambda m: m.class_.__name__)  # type: ignore[attr-defined]


@pytest.mark.parametrize("mapper", mappers(), ids=lambda m: m.class_.__name__)
def test_a_table_without_relationships_has_nothing_for_the_walk_to_find(mapper: Any) -> None:
    row = mapper.class_manager.new_instance()
    state = inspect(row)
    walked = list(mapper.cascade_iterator("save-update", state))
    assert walked == [] or mapper.relationships, walked


def rows() -> list[SQLModel]:
    org, email_id = uuid.uuid4(), uuid.uuid4()
    return [
        records.OutboundEmail(
            id=email_id, organization_id=org, account_id=uuid.uuid4(), from_email="a@example.com", to=["b@example.com"]
        ),
        records.OutboundRecipient(organization_id=org, email_id=email_id, address="b@example.com"),
        records.OutboundEmailEvent(
            organization_id=org, email_id=email_id, kind="queued", actor="t", data={"status": EmailStatus.PENDING.value}
        ),
    ]


def added(session: Session, made: list[SQLModel]) -> list[tuple[Any, ...]]:
    for row in made:
        session.add(row)
    session.add(made[0])  # again: nothing changes
    session.add_all(made)
    return [
        (type(row).__name__, row in session, row in session.new, inspect(row).pending, inspect(row).key) for row in made
    ]


def test_rows_are_added_as_by_sqlmodels_own_session() -> None:
    ours, theirs = RequestSession(), Session()
    try:
        assert added(ours, rows()) == added(theirs, rows())
        assert len(ours.new) == len(theirs.new) == 3
    finally:
        ours.close()
        theirs.close()

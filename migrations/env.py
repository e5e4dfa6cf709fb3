"""Alembic environment: the URL comes from Mailtrail's settings, the tables from domain.records."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import DateTime

from domain.records import metadata
from domain.records.types import HistoryId, UTCDateTime
from domain.settings import get_settings
from workers.db import make_engine


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our column types as plain SQLAlchemy types so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, HistoryId):
        return "sa.Numeric(20, 0)"
    if type_ == "type" and type(obj).__module__.startswith("sqlmodel"):
        autogen_context.imports.add("import sqlmodel")
        return False
    return False


def compare_type(_ctx: Any, _col: Any, _meta_col: Any, inspected: Any, metadata_type: Any) -> bool | None:
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected, DateTime)
    return None


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(get_settings())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=render_item,
        compare_type=compare_type,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()

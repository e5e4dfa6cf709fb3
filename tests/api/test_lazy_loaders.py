"""Each request's DataLoaders (api/loaders.py): made on first use, one per request and kind; a batch's ids bound in binary."""

from __future__ import annotations

import uuid
from typing import Any

from strawberry.dataloader import DataLoader

from api.db import make_async_engine, make_sessionmaker
from api.loaders import Loaders

KINDS = (
    "account_by_id",
    "attachments_by_email_id",
    "events_by_email_id",
    "email_message_by_id",
    "related_messages_by_email_id",
    "content_by_email_id",
    "recipients_by_email_id",
    "sent_last_day_by_account_id",
)


async def test_a_requests_loader_is_made_once_and_never_shared_with_another_request(settings: Any) -> None:
    engine = make_async_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            one, two = Loaders(session, uuid.uuid4()), Loaders(session, uuid.uuid4())
            assert not set(KINDS) & set(vars(one)), "made before use"
            for kind in KINDS:
                loader = getattr(one, kind)
                assert isinstance(loader, DataLoader)
                assert getattr(one, kind) is loader
                assert getattr(two, kind) is not loader
            assert one.postgres
    finally:
        await engine.dispose()


async def test_the_ids_of_a_batch_go_to_postgresql_as_a_binary_uuid_array(settings: Any) -> None:
    import psycopg
    from psycopg.adapt import PyFormat, Transformer
    from sqlalchemy import event

    from api.loaders import BinaryIds, events_of_emails

    sent: list[Any] = []
    engine = make_async_engine(settings)
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: sent.append(args[3]))
    try:
        async with make_sessionmaker(engine)() as session:
            ids = [uuid.uuid4(), uuid.uuid4()]
            loaders = Loaders(session, uuid.uuid4())
            assert await loaders.events_by_email_id.load_many(ids) == [[], []]
            assert await loaders.recipients_by_email_id.load_many(ids) == [[], []]
    finally:
        await engine.dispose()
    batches = [parameters["ids"] for parameters in sent]
    assert [type(batch) for batch in batches] == [BinaryIds, BinaryIds] and batches[0] == ids
    dumper = Transformer(psycopg.adapters).get_dumper(batches[0], PyFormat.AUTO).upgrade(batches[0], PyFormat.AUTO)
    assert dumper.format == psycopg.pq.Format.BINARY
    assert dumper.oid == psycopg.adapters.types["uuid"].array_oid
    assert "= ANY (%(ids)s::UUID[])" in str(events_of_emails(True).compile(dialect=engine.dialect))

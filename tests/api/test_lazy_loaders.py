"""Each request's DataLoaders (api/loaders.py) are made on first use, one per request and kind."""

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

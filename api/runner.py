"""Run one domain use case in the request's transaction, then the after-commit hooks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from api.context import Context

T = TypeVar("T")
log = logging.getLogger("mailtrail.api")

AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


async def run_use_case(context: Context, use_case: Callable[[Session], T], autocommit: bool = False) -> T:
    """Commit on success; roll back and re-raise a DomainError (nothing changes on failure).

    Use cases are synchronous functions over a Session, shared with the workers; SQLAlchemy's
    `run_sync` runs them on the request's async connection without a thread hop. The commit runs
    in the same greenlet as the use case (AsyncSession.commit is the sync commit in a greenlet of
    its own: each greenlet_spawn and its wrapper cost ~15 us). With `autocommit`, a request whose
    use case writes once (api.single_write) first opens its connection in autocommit, there too.
    """
    session = context.session
    postgres = context.loaders.postgres

    def use_case_then_commit(sync_session: Session) -> T:
        if autocommit and postgres and not sync_session.in_transaction():
            sync_session.connection(execution_options=AUTOCOMMIT)
        result = use_case(sync_session)
        sync_session.commit()
        return result

    async with context.loaders.lock:
        try:
            result = await session.run_sync(use_case_then_commit)  # type: ignore[arg-type]  # sqlmodel's Session
        except BaseException:
            await session.rollback()
            raise
    hooks, context.after_commit[:] = list(context.after_commit), []
    for hook in hooks:
        # What is committed is the answer: an enqueue that fails now (the broker is down) is
        # logged and left to the sweeper, which re-enqueues PENDING emails no worker picked up.
        # Answering "error" here would make a client without an idempotency key send again.
        try:
            hook()
        except Exception as error:
            log.warning("after-commit step failed; the sweeper will pick the work up: %r", error)
    return result

"""sendEmail's new email, written by one statement outside a transaction block.

A new email without attachments or content options is read, then written: the account with its
suppression probe (and, with an idempotency key, the earlier email of that key) are plain reads,
and the email, its recipients and its events are one INSERT (domain/records/at_once.py). Under
READ COMMITTED, PostgreSQL's default and the engine's, each statement reads its own snapshot
whether or not they share a transaction, and a single statement is atomic on its own: BEGIN and
COMMIT around them bought nothing but two round trips (about 0.1 ms of the API's CPU per send, net
of switching the connection to autocommit and back, and two statements of PostgreSQL's). So such
a send runs in autocommit (api.runner.run_use_case opens its connection so), as a query's reads do
(api.loaders.Loaders.connection).

Anything that may write twice (a draft sent: a locked read, then an update; a reply; attachments;
a content stamp) keeps its transaction. Under REPEATABLE READ this would have to go.
"""

from __future__ import annotations

from domain.content.drafting import ContentStamp
from domain.sending import SendRequest


def writes_once(request: SendRequest, content: ContentStamp | None) -> bool:
    """Whether sendEmail's use case writes at most one statement for `request` (a new email)."""
    return (
        request.draft_id is None
        and request.reply_to_message_id is None
        and not request.fields.attachments
        and content is None
    )

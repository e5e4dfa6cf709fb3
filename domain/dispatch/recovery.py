"""Finding the message an earlier, uncertain attempt may have sent: by search, else by history."""

from __future__ import annotations

import logging
import uuid

from domain.dispatch.claim import Claim
from domain.dispatch.terms import MAILTRAIL_ID_HEADER, SEARCH_SKEW
from domain.gateway import HistoryExpired, MailGateway, SentMessage

log = logging.getLogger("mailtrail.dispatch")


def find_earlier_send(gateway: MailGateway, email_id: uuid.UUID, claim: Claim) -> SentMessage | None:
    """The message carrying this email's X-Mailtrail-Id sent since the doubt began, if any.

    Gmail's search index may lag a just-sent message, so what search does not find is confirmed
    through the mailbox's history (complete at once) from the cursor recorded with the doubt.
    """
    assert claim.uncertain_since is not None
    sent = gateway.find_sent_by_header(
        claim.account, MAILTRAIL_ID_HEADER, str(email_id), claim.uncertain_since - SEARCH_SKEW
    )
    if sent is None and claim.uncertain_history_id is not None:
        try:
            sent = gateway.find_sent_since(
                claim.account, MAILTRAIL_ID_HEADER, str(email_id), claim.uncertain_history_id
            )
        except HistoryExpired:  # the doubt is older than Gmail's history: search has long caught up
            sent = None
    if sent is not None:
        log.info("email %s was already in Sent (%s); recording it", email_id, sent.provider_message_id)
    return sent

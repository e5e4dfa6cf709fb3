"""SQLModel tables: what Mailtrail stores. Import from here so every table is registered."""

from sqlmodel import SQLModel

from domain.records.accounts import AccountState, MailAccount, OAuthFlow
from domain.records.messages import Direction, EmailMessage, Relation, SuppressedAddress
from domain.records.outbound import OutboundAttachment, OutboundEmail, OutboundEmailEvent
from domain.records.tenancy import ApiToken, Organization
from domain.records.types import utcnow
from domain.records.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookEndpoint,
    WebhookEndpointState,
    WebhookFanout,
    WebhookMessage,
    WebhookNotice,
)

metadata = SQLModel.metadata

__all__ = [
    "AccountState",
    "ApiToken",
    "Direction",
    "EmailMessage",
    "MailAccount",
    "OAuthFlow",
    "Organization",
    "OutboundAttachment",
    "OutboundEmail",
    "OutboundEmailEvent",
    "Relation",
    "SuppressedAddress",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookDeliveryState",
    "WebhookEndpoint",
    "WebhookEndpointState",
    "WebhookFanout",
    "WebhookMessage",
    "WebhookNotice",
    "metadata",
    "utcnow",
]

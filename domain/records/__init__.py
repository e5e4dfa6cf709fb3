"""SQLModel tables: what Mailtrail stores. Import from here so every table is registered."""

from sqlmodel import SQLModel

from domain.account_kind import AccountKind
from domain.ledger.precedence import Correlation, DeliveryState, RecipientRole
from domain.records.accounts import AccountAttemptMinute, AccountSendHour, AccountState, MailAccount, OAuthFlow
from domain.records.content import (
    ContentSettings,
    ContextEntity,
    ContextEntityVersion,
    ContextType,
    EmailTemplate,
    EmailTemplateVersion,
    OutboundEmailContent,
)
from domain.records.messages import Direction, EmailMessage, Relation
from domain.records.outbound import OutboundAttachment, OutboundEmail, OutboundEmailEvent
from domain.records.receipts import PushReceipt
from domain.records.recipients import OutboundRecipient
from domain.records.suppressions import (
    SuppressedAddress,
    SuppressionAction,
    SuppressionEvent,
    SuppressionSource,
)
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
    "AccountAttemptMinute",
    "AccountKind",
    "AccountSendHour",
    "AccountState",
    "ApiToken",
    "ContentSettings",
    "ContextEntity",
    "ContextEntityVersion",
    "ContextType",
    "Correlation",
    "DeliveryState",
    "Direction",
    "EmailMessage",
    "EmailTemplate",
    "EmailTemplateVersion",
    "MailAccount",
    "OAuthFlow",
    "Organization",
    "OutboundAttachment",
    "OutboundEmail",
    "OutboundEmailContent",
    "OutboundEmailEvent",
    "OutboundRecipient",
    "PushReceipt",
    "RecipientRole",
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
    "SuppressionAction",
    "SuppressionEvent",
    "SuppressionSource",
    "metadata",
    "utcnow",
]

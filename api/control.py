"""Control over queued sends and accounts: cancelSend, setDailySendCap, acknowledgeSenderWarning."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import strawberry

from api.errors import InvalidStateError, NotFoundError, SendInProgressError, ValidationError, member_of
from api.inputs import parse_id
from api.restrict import ensure_email_within
from api.runner import run_use_case
from api.types import Info, MailAccount, OutboundEmail
from domain import account_health
from domain.cancel import cancel_send
from domain.errors import DomainError


@strawberry.type(description="The queued email is a DRAFT again; nothing was sent.")
class SendCancelled:
    outbound_email: OutboundEmail = strawberry.field(description="The email, a DRAFT again.")


@strawberry.type(description="The account after the change.")
class MailAccountUpdated:
    mail_account: MailAccount = strawberry.field(description="The account as it is now.")


CancelSendResult = Annotated[
    SendCancelled | ValidationError | NotFoundError | InvalidStateError | SendInProgressError,
    strawberry.union("CancelSendResult", description="The email back as a DRAFT, or why it could not be taken back."),
]
AccountResult = Annotated[
    MailAccountUpdated | ValidationError | NotFoundError,
    strawberry.union("MailAccountUpdateResult", description="The account after the change, or why nothing changed."),
]


@strawberry.type
class ControlMutations:
    @strawberry.mutation(
        description=(
            "Take a PENDING email that no worker has claimed back to DRAFT (also one waiting on the quota, a "
            "retry backoff or a re-authorisation). One a worker holds, or that an earlier attempt may already "
            "have handed to Gmail, answers SendInProgressError; one not PENDING, InvalidStateError."
        )
    )
    async def cancel_send(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The PENDING email's id.")]
    ) -> CancelSendResult:
        ctx = info.context
        lease = timedelta(seconds=ctx.settings.send_lease_seconds)
        try:
            email_id = parse_id(id, "id")
            await ensure_email_within(ctx, email_id)  # a restricted token: only its contexts' emails
            row = await run_use_case(ctx, lambda s: cancel_send(s, ctx.organization_id, email_id, ctx.actor, lease))
        except DomainError as error:
            return member_of(error, CancelSendResult)  # type: ignore[no-any-return]
        return SendCancelled(outbound_email=OutboundEmail.from_row(row))

    @strawberry.mutation(
        description=(
            "How many emails the account may send in any 24 hours: at most 500 for consumer Gmail, 2,000 for "
            "Google Workspace (Gmail's own limits); 0 pauses sending. Emails over the cap wait, never fail."
        )
    )
    async def set_daily_send_cap(
        self,
        info: Info,
        account_id: Annotated[strawberry.ID, strawberry.argument(description="The mail account's id.")],
        cap: Annotated[
            int,
            strawberry.argument(
                description="Emails per rolling 24 hours: 0 to 500 (consumer Gmail) or 2,000 (Workspace)."
            ),
        ],
    ) -> AccountResult:
        ctx = info.context
        try:
            parsed = parse_id(account_id, "accountId")
            row = await run_use_case(
                ctx, lambda s: account_health.set_daily_send_cap(s, ctx.organization_id, parsed, cap, ctx.actor)
            )
        except DomainError as error:
            return member_of(error, AccountResult)  # type: ignore[no-any-return]
        return MailAccountUpdated(mail_account=MailAccount.from_row(row))

    @strawberry.mutation(description="Clear the account's sender warning once its owner has dealt with it.")
    async def acknowledge_sender_warning(
        self,
        info: Info,
        account_id: Annotated[strawberry.ID, strawberry.argument(description="The mail account's id.")],
    ) -> AccountResult:
        ctx = info.context
        try:
            parsed = parse_id(account_id, "accountId")
            row = await run_use_case(
                ctx, lambda s: account_health.acknowledge_sender_warning(s, ctx.organization_id, parsed, ctx.actor)
            )
        except DomainError as error:
            return member_of(error, AccountResult)  # type: ignore[no-any-return]
        return MailAccountUpdated(mail_account=MailAccount.from_row(row))

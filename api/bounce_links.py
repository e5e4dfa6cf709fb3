"""linkBounce / unlinkBounce: correct the correlation of a bounce by hand (audited)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import strawberry

from api.errors import InvalidStateError, NotFoundError, ValidationError, member_of
from api.inputs import parse_id
from api.runner import run_use_case
from api.types import EmailMessage, Info, OutboundEmail
from domain.errors import DomainError
from domain.ledger.effects import SoftBouncePolicy
from domain.ledger.links import link_bounce, unlink_bounce
from domain.records import EmailMessage as EmailMessageRow
from domain.records import utcnow
from domain.settings import Settings


@strawberry.type(description="The bounce is linked (correlation MANUAL), with the effects of an automatic link.")
class BounceLinked:
    outbound_email: OutboundEmail = strawberry.field(description="The email as the bounce left it.")
    bounce: EmailMessage = strawberry.field(description="The bounce message (a DSN).")


@strawberry.type(description="The bounce is no longer linked; the email was rebuilt from the evidence that remains.")
class BounceUnlinked:
    outbound_email: OutboundEmail = strawberry.field(description="The email rebuilt without the bounce.")
    bounce: EmailMessage = strawberry.field(description="The bounce message, now unlinked.")


LinkResult = Annotated[
    BounceLinked | ValidationError | NotFoundError | InvalidStateError,
    strawberry.union("LinkBounceResult", description="The email and its bounce, linked; or why they were not."),
]
UnlinkResult = Annotated[
    BounceUnlinked | ValidationError | NotFoundError | InvalidStateError,
    strawberry.union("UnlinkBounceResult", description="The email rebuilt without the bounce; or why not."),
]


def soft_bounces(settings: Settings) -> SoftBouncePolicy:
    return SoftBouncePolicy(
        suppress_after=settings.soft_bounce_suppress_after,
        window=timedelta(days=settings.soft_bounce_window_days),
        hold=timedelta(days=settings.soft_bounce_suppress_days),
    )


@strawberry.type
class BounceLinkMutations:
    @strawberry.mutation(
        description=(
            "Attach a bounce (an EmailMessage that is a DSN, e.g. from bounces(uncorrelated: true)) to the SENT "
            "email it is about. Its recipients, deliveryStatus, bounceDetails, suppression and account warning "
            "follow as for an automatic link; the correlation is MANUAL and the audit trail names you."
        )
    )
    async def link_bounce(
        self,
        info: Info,
        message_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The bounce: an EmailMessage that is a DSN (NOT_A_BOUNCE otherwise)."),
        ],
        outbound_email_id: Annotated[strawberry.ID, strawberry.argument(description="The SENT email it is about.")],
    ) -> LinkResult:
        ctx = info.context
        policy = soft_bounces(ctx.settings)
        try:
            message, email = parse_id(message_id, "messageId"), parse_id(outbound_email_id, "outboundEmailId")

            def use_case(session):  # type: ignore[no-untyped-def]
                row = link_bounce(session, ctx.organization_id, message, email, ctx.actor, utcnow(), policy)
                return row, session.get(EmailMessageRow, message)

            row, bounce = await run_use_case(ctx, use_case)
        except DomainError as error:
            return member_of(error, LinkResult)  # type: ignore[no-any-return]
        return BounceLinked(outbound_email=OutboundEmail.from_row(row), bounce=EmailMessage.from_row(bounce))

    @strawberry.mutation(
        description=(
            "Undo a wrong link: the email's recipients, deliveryStatus and bounceDetails are rebuilt from the "
            "evidence that remains, and the suppressions and sender warning this bounce caused are removed (audited)."
        )
    )
    async def unlink_bounce(
        self,
        info: Info,
        message_id: Annotated[strawberry.ID, strawberry.argument(description="The linked bounce's EmailMessage id.")],
    ) -> UnlinkResult:
        ctx = info.context
        try:
            message = parse_id(message_id, "messageId")
            bounce, row = await run_use_case(
                ctx, lambda s: unlink_bounce(s, ctx.organization_id, message, ctx.actor, utcnow())
            )
        except DomainError as error:
            return member_of(error, UnlinkResult)  # type: ignore[no-any-return]
        return BounceUnlinked(outbound_email=OutboundEmail.from_row(row), bounce=EmailMessage.from_row(bounce))

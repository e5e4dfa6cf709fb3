"""`Query.emailContext`: the entry to an entity's email story (api.entity), for its own contexts only."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from api.entity import EmailContext, email_context
from api.errors import query_error
from api.restrict import ensure_link_allowed
from api.types import Info
from domain.errors import DomainError


@strawberry.type
class EntityQuery:
    @strawberry.field(
        description=(
            "The email story of one entity of yours (contextType + contextId, e.g. an invoice): its emails, counts, "
            "bouncing recipients, first reply, last activity and merged timeline, in at most four SQL statements."
        )
    )
    async def email_context(
        self,
        info: Info,
        context_type: Annotated[str, strawberry.argument(description="The kind of entity (e.g. `invoice`).")],
        context_id: Annotated[
            uuid.UUID | None,
            strawberry.argument(description="The entity's id (a UUID); null: every entity of the type (all emails)."),
        ] = None,
    ) -> EmailContext | None:
        context = info.context
        try:
            ensure_link_allowed(context, context_type, context_id)  # a restricted token: its own contexts only
            return email_context(
                context.organization_id, context_type, context_id, context.loaders, context.settings.page_size_max
            )
        except DomainError as error:
            raise query_error(error) from None

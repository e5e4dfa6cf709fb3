"""The per-request context: who is asking, their database session and their loaders."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth import Principal
from api.loaders import Loaders
from domain.drafts import Limits
from domain.settings import Settings


@dataclass
class Context:
    session: AsyncSession
    organization_id: uuid.UUID
    actor: str
    settings: Settings
    services: Any
    """api.app.Services: the enqueue hooks and shared objects of this process."""
    principal: Principal | None = None
    """The token behind the request: its scopes and context restrictions (api/scopes.py, api/restrict.py)."""
    loaders: Loaders = field(init=False)
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.session, self.organization_id)

    async def fetch(self, statement: Any) -> list[Any]:
        """Run one read statement on the request's session (serialised with the loaders)."""
        return await self.loaders.fetch(statement)

    @property
    def limits(self) -> Limits:
        return Limits(
            max_recipients=self.settings.max_recipients,
            max_attachments_bytes=self.settings.max_attachments_bytes,
            max_message_bytes=self.settings.max_message_bytes,
        )


@dataclass
class LiveContext:
    """The context of one WebSocket connection: who it is, once `connection_init` has been checked.

    It holds no session: each update a subscription delivers opens its own, short-lived one.
    """

    settings: Settings
    services: Any
    connection_params: dict[str, Any] | None = None
    organization_id: uuid.UUID | None = None
    actor: str = ""
    token: str | None = None
    """The bearer token of connection_init, checked again while subscriptions stay open."""
    principal: Principal | None = None

    @property
    def sharing_key(self) -> Hashable | None:
        """What two connections must have in common to be sent the same rendered update (api.sharing).

        Everything about the connection that can change what a subscription's update contains
        belongs here: the organization, and the token's scopes and context restrictions (so a
        narrower token never receives bytes rendered for a wider one); None never shares.
        """
        if self.organization_id is None:
            return None
        if self.principal is None:
            return self.organization_id
        return (self.organization_id, self.principal.scopes, self.principal.contexts)

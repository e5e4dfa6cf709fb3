"""One way to read an entity's data, whichever way the app provides it.

Reading is split in two so that the API never blocks its event loop on the app's server:
`load_source` is a short database read (the type, the pushed snapshot if any, the formatting
defaults); `resolve` turns that into typed data, asking the provider only when no snapshot was
pushed. A pushed snapshot, when there is one, wins: the app sent it on purpose, most recently.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from domain.content.context import ContextTypeSpec, Formatting, ResolvedContext
from domain.content.fields import Data, parse_data
from domain.content.store import formatting_defaults, get_context_type, get_entity, spec_of
from domain.context_provider import ContextProvider, ContextProviderError, ProviderRequest
from domain.errors import DomainError, ErrorCode, NotFound
from domain.records import utcnow


@dataclass(frozen=True)
class ContextSource:
    """What the database knows about one entity, read in one short transaction."""

    spec: ContextTypeSpec
    organization_id: uuid.UUID
    context_id: uuid.UUID | None
    snapshot: Data | None
    snapshot_version: int | None
    formatting: Formatting

    @property
    def asks_provider(self) -> bool:
        """True when resolving will make an HTTP call (run it off the event loop)."""
        return self.snapshot is None and self.context_id is not None and self.spec.provider_url is not None


def load_source(
    session: Session, organization_id: uuid.UUID, context_type: str, context_id: uuid.UUID | None
) -> ContextSource:
    """The context type (NotFound for another organization's), the snapshot and the defaults."""
    spec = spec_of(get_context_type(session, organization_id, context_type))
    entity = get_entity(session, organization_id, context_type, context_id) if context_id is not None else None
    snapshot = parse_data(spec.fields, entity.data, strict=False) if entity is not None else None
    return ContextSource(
        spec,
        organization_id,
        context_id,
        snapshot,
        entity.version if entity is not None else None,
        formatting_defaults(session, organization_id),
    )


def resolve(
    source: ContextSource,
    provider: ContextProvider | None,
    *,
    sample: bool = False,
    fresh: bool = False,
    now: datetime | None = None,
) -> ResolvedContext:
    """The entity's typed data (or the type's sample data); DomainError when there is none."""
    now = now or utcnow()
    spec = source.spec
    if sample:
        return ResolvedContext(spec, source.context_id, spec.sample_data, "sample", source.formatting, now)
    if source.context_id is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "contextId is required", "contextId")
    if source.snapshot is not None:
        version = f"snapshot v{source.snapshot_version}"
        return ResolvedContext(spec, source.context_id, source.snapshot, version, source.formatting, now)
    if spec.provider_url is None:
        raise NotFound(f"{spec.name} {source.context_id}", "contextId")
    if provider is None:
        raise DomainError(ErrorCode.CONTEXT_PROVIDER_FAILED, "no context provider is configured", "contextId")
    request = ProviderRequest(spec.provider_url, source.organization_id, spec.name, source.context_id)
    try:
        raw = provider.fetch(request, fresh=fresh)
    except ContextProviderError as error:
        if error.gone:
            raise NotFound(f"{spec.name} {source.context_id}", "contextId") from None
        raise DomainError(
            ErrorCode.CONTEXT_PROVIDER_FAILED, f"the {spec.name} provider failed: {error.message}", "contextId"
        ) from None
    try:
        data = parse_data(spec.fields, raw)
    except DomainError as error:
        raise DomainError(
            ErrorCode.CONTEXT_PROVIDER_FAILED,
            f"the {spec.name} provider sent data that does not fit the type: {error.message}",
            "contextId",
        ) from None
    return ResolvedContext(spec, source.context_id, data, "provider", source.formatting, now)

"""The GraphQL schema: queries, mutations and subscriptions assembled with their abuse limits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from api.accounts import AccountMutations
from api.api_tokens import ApiTokenMutations, ApiTokenQuery
from api.bounce_links import BounceLinkMutations
from api.boundary import SCALAR_OVERRIDES, ErrorCodes, SafeStringLiterals, safe_variables
from api.client_tokens import ClientTokenMutations
from api.content import ContentQuery
from api.content_mutations import ContentMutations
from api.context import Context, LiveContext
from api.control import ControlMutations
from api.drafts import DraftMutations
from api.entity_query import EntityQuery
from api.hooks import HooksMadeOnce
from api.mailbox import MailboxQuery
from api.queries import Query
from api.scopes import require_scopes
from api.sending import SendingMutations
from api.sharing import SharingExecutor
from api.subscriptions import Subscription
from api.suppressions import SuppressionMutations, SuppressionQuery
from api.validation_cache import DocumentValidationCache
from api.webhooks import WebhookMutations, WebhookQuery
from domain.settings import Settings, get_settings

log = logging.getLogger("mailtrail.api")


class MailtrailSchema(strawberry.Schema):
    """Strawberry's schema, logging the client's mistakes as such.

    A bad query or variable is the client's business: one INFO line, no traceback. An error our
    own code raised is a bug: logged at ERROR with its traceback (the client sees it masked).
    """

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return HooksMadeOnce(execution_context=execution_context, extensions=extensions)

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            if should_mask(error):
                log.error("unexpected error in %s: %s", error.path, error.message, exc_info=error.original_error)
            else:
                log.info("client error: %s", error.message)


def should_mask(error: GraphQLError) -> bool:
    """Mask errors raised by our code (bugs); keep the client's own mistakes (syntax, validation) visible."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def subscriptions_only_over_websockets(context: ExecutionContext) -> None:
    """Queries and mutations go over HTTP: a WebSocket connection carries no database session."""
    if isinstance(context.context, LiveContext) and context.operation_type != OperationType.SUBSCRIPTION:
        raise GraphQLError(
            "only subscriptions run over WebSockets; send queries and mutations to POST /graphql",
            extensions={"code": "USE_HTTP"},
        )


def queries_without_transaction(context: ExecutionContext) -> None:
    """A query's reads run in autocommit: no BEGIN and ROLLBACK round trips (api.loaders.Loaders.connection)."""
    if isinstance(context.context, Context) and context.operation_type == OperationType.QUERY:
        context.context.loaders.reads_only = True


class BeforeExecution(SchemaExtension):
    """The checks and settings of an operation before it executes, in this order (the first refusal wins).

    One extension rather than one each: Strawberry builds each extension and a context manager per
    hook for every request, about 5 us apiece.
    """

    CHECKS: tuple[Callable[[ExecutionContext], None], ...] = (
        subscriptions_only_over_websockets,
        require_scopes,
        queries_without_transaction,
        safe_variables,
    )

    def on_execute(self) -> Iterator[None]:
        for check in self.CHECKS:
            check(self.execution_context)
        yield


class MaskUnexpectedErrors(MaskErrors):
    """Strawberry's MaskErrors, with a cheap way out for results that carry no error.

    Its check for a result with errors is an isinstance against a runtime Protocol (about 10 µs);
    paid on every subscription update it was a fifth of a broadcast's per-subscriber cost.
    Results with errors are masked exactly as before.
    """

    def _process_result(self, result: object) -> None:
        if getattr(result, "errors", None):
            super()._process_result(result)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or get_settings()
    mutation = merge_types(
        "Mutation",
        (
            DraftMutations,
            SendingMutations,
            ControlMutations,
            AccountMutations,
            SuppressionMutations,
            BounceLinkMutations,
            ContentMutations,
            WebhookMutations,
            ClientTokenMutations,
            ApiTokenMutations,
        ),
    )
    query = merge_types(
        "Query", (Query, MailboxQuery, SuppressionQuery, EntityQuery, ContentQuery, WebhookQuery, ApiTokenQuery)
    )
    # merge_types takes no description; the merged types carry their definition like any other.
    mutation.__strawberry_definition__.description = (  # type: ignore[attr-defined]
        "Changes, each answering a result union: its success type or one of the MutationError types it can "
        "return (nothing changed then). Refusals of the whole request (authentication, scope) are GraphQL errors."
    )
    query.__strawberry_definition__.description = (  # type: ignore[attr-defined]
        "Reads, scoped to the token's organization (and to its contexts for a restricted client token)."
    )
    # Extensions are built fresh per request (an instance holds that request's execution
    # context). The limiters' rule classes, though, are made once and shared, so that the
    # validation cache (keyed by the rules) hits for repeated queries; the parse and validation
    # caches themselves live at module level in Strawberry.
    limit_rules: list[type[ASTValidationRule]] = [
        SafeStringLiterals,
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    return MailtrailSchema(
        query=query,
        mutation=mutation,
        subscription=Subscription,
        scalar_overrides=SCALAR_OVERRIDES,
        execution_context_class=SharingExecutor,
        extensions=[
            ErrorCodes,
            BeforeExecution,
            lambda: AddValidationRules(limit_rules),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: DocumentValidationCache(maxsize=256),
            lambda: MaskUnexpectedErrors(should_mask_error=should_mask, error_message="Unexpected error."),
        ],
    )


schema = build_schema()

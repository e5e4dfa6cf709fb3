"""Which scope each operation needs, declared in one place, and checked once per operation.

Every root field of Query, Mutation and Subscription is listed in `REQUIRED`; a nested field is
listed in `NESTED` only where it needs more than its parent (an email's sending account). A root field with
no entry is refused to everyone (fail closed), and tests/api/test_scopes.py walks the schema so a
new field fails the suite until it is declared here.

The check runs once per operation, before execution: the fields an operation selects are read
from its parsed document (fragments followed) and turned into the set of scopes it needs, which
is cached per (document, operation name). A request then costs one dict lookup and one subset
test; resolvers pay nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.utilities import get_operation_ast
from strawberry.types import ExecutionContext

from domain.grants import Scope

READ, DRAFTS, SEND = Scope.EMAILS_READ, Scope.DRAFTS_WRITE, Scope.EMAILS_SEND

REQUIRED: dict[str, Scope | None] = {
    # Reading emails and everything synced about them.
    "Query.outboundEmail": READ,
    "Query.outboundEmails": READ,
    "Query.emailMessage": READ,
    "Query.emailMessages": READ,
    "Query.bounces": READ,
    "Subscription.outboundEmailUpdates": READ,
    "Query.emailContext": READ,
    # Composing.
    "Mutation.createDraft": DRAFTS,
    "Mutation.updateDraft": DRAFTS,
    "Mutation.deleteDraft": DRAFTS,
    "Mutation.unscheduleDraft": DRAFTS,
    # Anything that makes an email leave.
    "Mutation.scheduleDraft": SEND,
    "Mutation.sendEmail": SEND,
    "Mutation.retryEmail": SEND,
    "Mutation.cancelSend": SEND,
    # Accounts.
    "Query.mailAccounts": Scope.ACCOUNTS_READ,
    "Mutation.connectMailAccount": Scope.ACCOUNTS_MANAGE,
    "Mutation.disconnectMailAccount": Scope.ACCOUNTS_MANAGE,
    "Mutation.setDailySendCap": Scope.ACCOUNTS_MANAGE,
    "Mutation.acknowledgeSenderWarning": Scope.ACCOUNTS_MANAGE,
    # Suppression: organization-wide, so reading it is managing it.
    "Query.suppressedAddresses": Scope.SUPPRESSIONS_MANAGE,
    "Mutation.suppressAddress": Scope.SUPPRESSIONS_MANAGE,
    "Mutation.unsuppressAddress": Scope.SUPPRESSIONS_MANAGE,
    "Query.suppressions": Scope.SUPPRESSIONS_MANAGE,
    "Query.suppressionEvents": Scope.SUPPRESSIONS_MANAGE,
    # Correcting which email a bounce belongs to changes delivery truth and suppressions.
    "Mutation.linkBounce": Scope.SUPPRESSIONS_MANAGE,
    "Mutation.unlinkBounce": Scope.SUPPRESSIONS_MANAGE,
    # Composing from the app's data: what a frontend needs to write and check an email.
    "Query.contextTypes": DRAFTS,
    "Query.contextEntity": DRAFTS,
    "Query.dynamicFields": DRAFTS,
    "Query.previewEmail": DRAFTS,
    "Query.prepareEmail": DRAFTS,
    "Query.emailTemplates": DRAFTS,
    "Query.emailTemplate": DRAFTS,
    "Query.contentSettings": DRAFTS,
    # The app's data and templates themselves (server side only).
    "Mutation.registerContextType": Scope.CONTENT_MANAGE,
    "Mutation.putContextEntity": Scope.CONTENT_MANAGE,
    "Mutation.createEmailTemplate": Scope.CONTENT_MANAGE,
    "Mutation.updateEmailTemplate": Scope.CONTENT_MANAGE,
    "Mutation.deleteEmailTemplate": Scope.CONTENT_MANAGE,
    "Mutation.updateContentSettings": Scope.CONTENT_MANAGE,
    # Webhooks reach the app's backend (server side only).
    "Query.webhookEndpoints": Scope.WEBHOOKS_MANAGE,
    "Query.webhookNotices": Scope.WEBHOOKS_MANAGE,
    "Mutation.createWebhookEndpoint": Scope.WEBHOOKS_MANAGE,
    "Mutation.updateWebhookEndpoint": Scope.WEBHOOKS_MANAGE,
    "Mutation.deleteWebhookEndpoint": Scope.WEBHOOKS_MANAGE,
    "Mutation.rotateWebhookEndpointSecret": Scope.WEBHOOKS_MANAGE,
    "Mutation.redeliverWebhooks": Scope.WEBHOOKS_MANAGE,
    # Tokens (server side only: client tokens never hold these scopes).
    "Mutation.createClientToken": Scope.CLIENT_TOKENS_CREATE,
    "Query.apiTokens": Scope.TOKENS_MANAGE,
    "Mutation.createApiToken": Scope.TOKENS_MANAGE,
    "Mutation.revokeApiToken": Scope.TOKENS_MANAGE,
}
"""Root field -> the scope it needs (None: any valid token may call it)."""

NESTED: dict[str, Scope] = {
    # The sending account's state, scopes, watch and quotas are account management details:
    # reading an email gives its `fromEmail`, not the account behind it.
    "OutboundEmail.account": Scope.ACCOUNTS_READ,
}
"""`Type.field` -> a scope beyond what the root field needs."""

UNDECLARED = "__undeclared__"


@dataclass(frozen=True, slots=True)
class Needs:
    """What one operation needs: scopes, and the root fields nobody declared."""

    scopes: frozenset[Scope]
    undeclared: tuple[str, ...]
    fields: tuple[str, ...]


def selected_fields(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> set[str]:
    """Every `Type.field` the operation selects (introspection aside), following fragments."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return set()
    root = schema.get_root_type(operation.operation)
    if root is None:
        return set()
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    found: set[str] = set()

    def walk(selections: SelectionSetNode, parent: GraphQLNamedType, spread: frozenset[str]) -> None:
        for node in selections.selections:
            if isinstance(node, FieldNode):
                name = node.name.value
                if name.startswith("__"):
                    continue
                found.add(f"{parent.name}.{name}")
                if node.selection_set is not None and isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                    field = parent.fields.get(name)
                    if field is not None:
                        walk(node.selection_set, get_named_type(field.type), spread)
            elif isinstance(node, InlineFragmentNode):
                target = schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                walk(node.selection_set, target or parent, spread)
            elif isinstance(node, FragmentSpreadNode):
                fragment = fragments.get(node.name.value)
                if fragment is not None and fragment.name.value not in spread:
                    target = schema.get_type(fragment.type_condition.name.value) or parent
                    walk(fragment.selection_set, target, spread | {fragment.name.value})

    walk(operation.selection_set, root, frozenset())
    return found


def needs_of(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Needs:
    """The scopes an operation needs, from the declarations above."""
    fields = selected_fields(schema, document, operation_name)
    roots = {t.name for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t is not None}
    scopes: set[Scope] = set()
    undeclared = []
    for key in sorted(fields):
        if key.partition(".")[0] in roots:
            if key not in REQUIRED:
                undeclared.append(key)
            elif (scope := REQUIRED[key]) is not None:
                scopes.add(scope)
        elif key in NESTED:
            scopes.add(NESTED[key])
    return Needs(frozenset(scopes), tuple(undeclared), tuple(sorted(fields)))


class NeedsCache:
    """Needs per (query text, operation name), bounded like Strawberry's parser cache."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[str, str | None], Needs] = OrderedDict()

    def get(self, schema: GraphQLSchema, query: str, document: DocumentNode, operation_name: str | None) -> Needs:
        key = (query, operation_name)
        needs = self.entries.get(key)
        if needs is None:
            needs = needs_of(schema, document, operation_name)
            self.entries[key] = needs
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return needs


CACHE = NeedsCache()


def require_scopes(context: ExecutionContext) -> None:
    """Refuse, before execution, an operation whose token lacks a scope it needs (code FORBIDDEN)."""
    document = context.graphql_document
    if document is None:
        return
    needs = CACHE.get(context.schema._schema, context.query or "", document, context.operation_name)
    principal = getattr(context.context, "principal", None)
    if needs.undeclared:
        raise GraphQLError(
            f"{', '.join(needs.undeclared)} declares no scope and is refused (api/scopes.py)",
            extensions={"code": "FORBIDDEN"},
        )
    if needs.scopes:
        held = principal.scopes if principal is not None else frozenset()
        missing = needs.scopes - held
        if missing:
            names = sorted(missing)
            raise GraphQLError(
                f"this token lacks the scope {', '.join(names)} this operation needs",
                extensions={"code": "FORBIDDEN", "missingScopes": names},
            )

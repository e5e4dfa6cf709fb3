"""Strawberry's schema-extension hooks, their context-manager factories made once per class.

For every request and every lifecycle hook (operation, parsing, validation, execution),
Strawberry asks each extension whether its class defines the hook and, for a generator hook,
wraps the bound method in `contextlib.contextmanager` anew (a new function, its metadata copied
by `functools.wraps`): a dozen wrappers per request, about 15 us of the 220 us Strawberry spends
on a short mutation. The wrapper of a class's hook is the same every time, so it is made once here
and called with the extension (`factory(extension)` is what the bound method's wrapper did:
`hook(extension)`). Entering and leaving the hooks, and hooks that are plain functions, are
Strawberry's own code, unchanged; so are stream results.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

Factory = tuple[Callable[[SchemaExtension], Any], bool]
"""A class's hook wrapped once, called with the extension; whether it is asynchronous."""
STRAWBERRY = "strawberry"
"""A hook Strawberry wraps per request itself (a plain or coroutine function)."""
_FACTORIES: dict[tuple[type, str], Factory | str | None] = {}


class _MadeOnce(ExtensionContextManagerBase):
    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        key = (type(extension), self.HOOK_NAME)
        entry = _FACTORIES[key] if key in _FACTORIES else self._learn(key)
        if entry is None:
            return None
        if isinstance(entry, str):
            return super().get_hook(extension)
        factory, is_async = entry
        return WrappedHook(extension=extension, hook=partial(factory, extension), is_async=is_async)

    def _learn(self, key: tuple[type, str]) -> Factory | str | None:
        hook_fn = getattr(key[0], self.HOOK_NAME)
        entry: Factory | str | None
        if hook_fn is self.default_hook:
            entry = None
        elif inspect.isgeneratorfunction(hook_fn):
            entry = (contextlib.contextmanager(hook_fn), False)
        elif inspect.isasyncgenfunction(hook_fn):
            entry = (contextlib.asynccontextmanager(hook_fn), True)
        else:
            entry = STRAWBERRY
        _FACTORIES[key] = entry
        return entry


class _Operation(_MadeOnce, OperationContextManager):
    pass


class _Validation(_MadeOnce, ValidationContextManager):
    pass


class _Parsing(_MadeOnce, ParsingContextManager):
    pass


class _Executing(_MadeOnce, ExecutingContextManager):
    pass


class HooksMadeOnce(SchemaExtensionsRunner):
    """Strawberry's extensions runner, with each class's hook wrappers made once (module docstring)."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)

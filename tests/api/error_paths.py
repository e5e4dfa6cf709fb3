"""Which error codes a resolver's code path can raise, read from the source.

A walk over the call graph: from the resolver, every function, method or class of Mailtrail's
own packages (api, domain, workers) that the code names is read in turn, and every
`ErrorCode.X` it mentions and every `DomainError` subclass it builds counts. It over-counts
(a code named in a comparison counts) rather than under-counts, except for calls it cannot see
statically (a method on an object passed in); the tests that trigger errors cover those.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterator
from types import FunctionType, MethodType, ModuleType
from typing import Any

from domain.errors import DomainError, ErrorCode

OWN_PACKAGES = ("api.", "domain.", "workers.")
# The classification of an error into a union member names every code; it raises none itself.
NOT_A_SOURCE = {"api.errors"}


def _is_own(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.startswith(OWN_PACKAGES) and module not in NOT_A_SOURCE


def _resolve(node: ast.expr, namespace: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        if node.id in namespace:
            return namespace[node.id]
        return getattr(builtins, node.id, None)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        if owner is None:
            return None
        try:
            return inspect.getattr_static(owner, node.attr)
        except AttributeError:
            return None
    return None


def _callables_in(target: Any) -> Iterator[Any]:
    """The functions whose source a resolved name leads to."""
    if isinstance(target, staticmethod | classmethod):
        target = target.__func__
    if isinstance(target, MethodType):
        target = target.__func__
    if isinstance(target, property):
        yield from (f for f in (target.fget, target.fset) if f is not None)
        return
    if isinstance(target, FunctionType):
        yield inspect.unwrap(target)
    elif isinstance(target, type) and _is_own(target):
        yield target


@functools.cache
def _source_tree(target: Any) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(target)))
    except (OSError, TypeError, SyntaxError):
        return None


def codes_raised(entry: Callable[..., Any]) -> set[ErrorCode]:
    """Every ErrorCode the code reachable from `entry` names or raises."""
    return set(where_raised(entry))


def where_raised(entry: Callable[..., Any]) -> dict[ErrorCode, str]:
    """Each ErrorCode the code reachable from `entry` names, with one function that names it."""
    codes: dict[ErrorCode, str] = {}
    parents: dict[int, str] = {}
    seen: set[int] = set()
    pending: list[Any] = [inspect.unwrap(entry)]
    while pending:
        target = pending.pop()
        if id(target) in seen or not (_is_own(target) or target is entry):
            continue
        seen.add(id(target))
        if isinstance(target, type) and issubclass(target, DomainError) and target is not DomainError:
            via = f"{_name(target)} <- {parents.get(id(target))}"
            codes.update(dict.fromkeys(_codes_of_error_class(target) - codes.keys(), via))
        tree = _source_tree(target)
        if tree is None:
            continue
        namespace = dict(vars(sys.modules[target.__module__]))
        if isinstance(target, type):
            namespace.setdefault(target.__name__, target)
        owner = _owner_class(target)
        if owner is not None:
            namespace["self"] = owner
            namespace["cls"] = owner
        namespace.update(_local_imports(tree))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Name | ast.Attribute):
                continue
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ErrorCode":
                if node.attr in ErrorCode.__members__:
                    codes.setdefault(ErrorCode[node.attr], f"{_name(target)} <- {parents.get(id(target))}")
                continue
            resolved = _resolve(node, namespace)
            if isinstance(resolved, ModuleType):
                continue
            for found in _callables_in(resolved):
                parents.setdefault(id(found), _name(target))
                pending.append(found)
    return codes


def _local_imports(tree: ast.AST) -> dict[str, Any]:
    """Names bound by imports inside a function (`from workers.connect import disconnect_account`)."""
    bound: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(OWN_PACKAGES):
            module = importlib.import_module(node.module)
            bound.update({(a.asname or a.name): getattr(module, a.name, None) for a in node.names})
    return bound


def _owner_class(function: Any) -> type | None:
    qualname = getattr(function, "__qualname__", "")
    if "." not in qualname or "<locals>" in qualname:
        return None
    owner: Any = sys.modules[function.__module__]
    for part in qualname.split(".")[:-1]:
        owner = getattr(owner, part, None)
    return owner if isinstance(owner, type) else None


def _codes_of_error_class(error_class: type[DomainError]) -> set[ErrorCode]:
    tree = _source_tree(error_class)
    found = set()
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ErrorCode":
            found.add(ErrorCode[node.attr])
    return found


def _name(target: Any) -> str:
    return f"{target.__module__}.{target.__qualname__}"

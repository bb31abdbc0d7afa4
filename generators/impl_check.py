"""Check the hand-written handlers against the generated interfaces.

The implementation package (`implementation.package` in contractkit.yaml) is imported
dynamically, never statically. For every tag module `<package>.<module>` the subclass of the
generated `<Module>Handlers` is looked up, and each operation is checked:

- IMPL001 (severity `implementation.missing`): the method is not overridden.
- IMPL002 (error): the override's parameters (names, kinds, annotations), return annotation
  or `async`-ness differ from the generated interface.
- IMPL003 (severity `implementation.missing`): the module or the handler class is missing.
- IMPL004 (error): the generated interfaces cannot be imported (run `contractkit generate`).
- IMPL005 (error): the implementation module fails to import.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from generators.config import Config
from generators.diagnostics import Diagnostics, Severity
from generators.ir import ApiIR, Operation
from generators.targets.server_stubs import NAME as STUBS
from generators.targets.server_stubs import class_name

MARKER = "__contractkit_unimplemented__"


def stubs_package(config: Config) -> str | None:
    """Import name of the generated server package, or None when `server_stubs` is off."""
    tc = config.targets.get(STUBS)
    if tc is None or not tc.enabled:
        return None
    return str(tc.options.get("package") or tc.output_rel.strip("/").replace("/", "."))


@contextmanager
def _importable_from(root: Path, packages: list[str]) -> Iterator[None]:
    """Import `packages` from `root` (forgetting copies imported from elsewhere)."""
    for top in {p.split(".")[0] for p in packages}:
        mod = sys.modules.get(top)
        origin = getattr(mod, "__file__", None) or next(iter(getattr(mod, "__path__", [])), "")
        if mod is not None and not Path(str(origin)).resolve().is_relative_to(root):
            for name in [n for n in sys.modules if n == top or n.startswith(f"{top}.")]:
                del sys.modules[name]
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(root))


def _import(name: str) -> ModuleType | None:
    """Import `name`; None when that module itself does not exist."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(f"{exc.name}.")):
            return None
        raise


def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    try:
        return inspect.signature(fn, eval_str=True)
    except (NameError, TypeError, SyntaxError):
        return inspect.signature(fn)


def _show(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return "<none>"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def signature_problems(base: Callable[..., Any], impl: Callable[..., Any]) -> list[str]:
    """Human-readable differences between the interface method and its override."""
    problems = []
    if not inspect.iscoroutinefunction(impl):
        problems.append("must be `async def`")
    want, got = _signature(base), _signature(impl)
    w_params, g_params = list(want.parameters.values()), list(got.parameters.values())
    w_names, g_names = [p.name for p in w_params], [p.name for p in g_params]
    if w_names != g_names:
        problems.append(f"parameters are ({', '.join(g_names)}), expected ({', '.join(w_names)})")
    for w, g in zip(w_params, g_params, strict=False):
        if w.name != g.name:
            continue
        if w.kind != g.kind:
            problems.append(
                f"parameter {w.name!r} is {g.kind.description}, expected {w.kind.description}"
            )
        if w.name != "self" and w.annotation != g.annotation:
            problems.append(
                f"parameter {w.name!r} is annotated {_show(g.annotation)}, "
                f"expected {_show(w.annotation)}"
            )
    if want.return_annotation != got.return_annotation:
        problems.append(
            f"returns {_show(got.return_annotation)}, expected {_show(want.return_annotation)}"
        )
    return problems


def _handler_class(module: ModuleType, base: type) -> type | None:
    candidates = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and obj is not base and issubclass(obj, base)
    ]
    local = [c for c in candidates if c.__module__ == module.__name__] or candidates
    preferred = [c for c in local if c.__name__ == base.__name__]
    chosen = preferred or local
    return chosen[0] if chosen else None


class _Checker:
    def __init__(self, config: Config, ir: ApiIR, diags: Diagnostics) -> None:
        self.config = config
        self.ir = ir
        self.diags = diags
        self.missing = Severity(config.implementation.missing)
        self.file = ir.openapi_file

    def add(
        self, code: str, msg: str, pointer: str = "", severity: Severity = Severity.ERROR
    ) -> None:
        self.diags.add(code, msg, file=self.file, pointer=pointer, severity=severity)

    def tag(self, module_name: str, base: type, ops: list[Operation]) -> None:
        qualified = f"{self.config.implementation.package}.{module_name}"
        pointer = ops[0].location.pointer if ops else ""
        try:
            module = _import(qualified)
        except Exception as exc:  # the implementation's own import error
            self.add("IMPL005", f"cannot import {qualified}: {type(exc).__name__}: {exc}", pointer)
            return
        if module is None:
            msg = f"module {qualified} is missing ({len(ops)} operation(s) of {base.__name__})"
            self.add("IMPL003", msg, pointer, self.missing)
            return
        impl = _handler_class(module, base)
        if impl is None:
            msg = f"{qualified} defines no subclass of {base.__name__}"
            self.add("IMPL003", msg, pointer, self.missing)
            return
        for op in ops:
            self.operation(op, base, impl)

    def operation(self, op: Operation, base: type, impl: type) -> None:
        base_fn = getattr(base, op.operation_id, None)
        if base_fn is None:
            return  # the generated interface is stale; drift is reported separately
        impl_fn = getattr(impl, op.operation_id)
        where = f"{impl.__module__}.{impl.__qualname__}.{op.operation_id}"
        if getattr(impl_fn, MARKER, False):
            msg = f"{where} is not implemented ({op.method} {op.path})"
            self.add("IMPL001", msg, op.location.pointer, self.missing)
            return
        problems = signature_problems(base_fn, impl_fn)
        if problems:
            msg = f"{where} does not match the interface: {'; '.join(problems)}"
            self.add("IMPL002", msg, op.location.pointer)


def preload(config: Config) -> threading.Thread | None:
    """Import the interfaces and implementation modules in a background thread.

    Importing an implementation can take longer than rendering every target; `check` starts
    this first so both overlap (the import lock keeps it safe). Import errors are ignored
    here: `check_implementation` imports again and reports them.
    """
    package = stubs_package(config)
    if package is None:
        return None

    def work() -> None:
        with _importable_from(config.root, [package, config.implementation.package]):
            try:
                interfaces = importlib.import_module(f"{package}.server.interfaces")
                for module in getattr(interfaces, "HANDLER_CLASSES", {}):
                    _import(f"{config.implementation.package}.{module}")
            except Exception:
                pass

    thread = threading.Thread(target=work, name="contractkit-impl-preload", daemon=True)
    thread.start()
    return thread


def check_implementation(config: Config, ir: ApiIR) -> Diagnostics:
    """Diagnostics for the configured implementation package against the interfaces."""
    diags = Diagnostics()
    package = stubs_package(config)
    if package is None:
        return diags
    impl_package = config.implementation.package
    checker = _Checker(config, ir, diags)
    with _importable_from(config.root, [package, impl_package]):
        try:
            interfaces = importlib.import_module(f"{package}.server.interfaces")
        except Exception as exc:
            msg = f"cannot import {package}.server.interfaces ({exc}); run `contractkit generate`"
            checker.add("IMPL004", msg)
            return diags
        classes: dict[str, type] = getattr(interfaces, "HANDLER_CLASSES", {})
        for tag in ir.tags:
            base = classes.get(tag.module) or getattr(interfaces, class_name(tag.module), None)
            ops = [op for op in ir.operations if op.module == tag.module]
            if base is None or not ops:
                continue
            checker.tag(tag.module, base, ops)
    return diags

"""`contractkit.yaml`: the versioned project configuration, validated into diagnostics.

```yaml
version: 1
contracts: {openapi: contracts/x.openapi.yaml, asyncapi: contracts/x.asyncapi.yaml}
targets:                      # target name -> output directory (+ enabled, options)
  models: {output: generated}
templates_dir: my_templates   # optional: overrides templates/<target>/<file>.jinja
implementation: {package: server_impl.handlers, missing: warning}   # or `error`
serve: {app: "server_impl.app:create_app", host: 127.0.0.1, port: 3000}
```

Codes: CFG001 unknown key (with a "did you mean"), CFG002 missing key / wrong type,
CFG003 unknown target, CFG004 unreadable file, CFG005 unsupported version, CFG006 missing
templates_dir, CFG007 (warning) a registered target that is not configured.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generators.diagnostics import Diagnostics, Severity, pointer

CONFIG_FILE = "contractkit.yaml"
SUPPORTED_VERSIONS = (1,)
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(Exception):
    """The configuration is unusable; carries the diagnostics."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__(f"{len(diagnostics)} configuration error(s)")
        self.diagnostics = diagnostics


@dataclass(frozen=True)
class ImplementationSection:
    """The hand-written package that implements the generated handler interfaces."""

    package: str = "server_impl.handlers"
    missing: str = "warning"  # or "error"


@dataclass(frozen=True)
class ServeSection:
    """`contractkit serve`: the app (`module:factory`), its default address, and extra
    `uvicorn.Config` options (`uvicorn`, e.g. `{http: "module:ProtocolClass"}`)."""

    app: str = "server_impl.app:create_app"
    host: str = "127.0.0.1"
    port: int = 3000
    uvicorn: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetConfig:
    """A configured target, paths resolved."""

    name: str
    output: Path
    output_rel: str
    enabled: bool
    options: Mapping[str, Any]


@dataclass(frozen=True)
class Config:
    """The validated configuration; every path is absolute."""

    path: Path
    root: Path
    version: int
    openapi: Path
    asyncapi: Path
    targets: dict[str, TargetConfig]
    templates_dir: Path | None
    implementation: ImplementationSection
    serve: ServeSection
    warnings: Diagnostics = field(default_factory=Diagnostics)

    @property
    def display_path(self) -> str:
        return self.path.name


# key -> (type, required); a section is validated against one of these.
_Spec = dict[str, tuple[type | tuple[type, ...], bool]]
_TOP: _Spec = {
    "version": (int, True),
    "contracts": (dict, True),
    "targets": (dict, True),
    "templates_dir": ((str, type(None)), False),
    "implementation": (dict, False),
    "serve": (dict, False),
}
_CONTRACTS: _Spec = {"openapi": (str, True), "asyncapi": (str, True)}
_TARGET: _Spec = {"output": (str, True), "enabled": (bool, False), "options": (dict, False)}
_IMPLEMENTATION: _Spec = {"package": (str, False), "missing": (str, False)}
_SERVE: _Spec = {
    "app": (str, False),
    "host": (str, False),
    "port": (int, False),
    "uvicorn": (dict, False),
}


def suggest(word: str, candidates: Iterable[str]) -> str:
    """A ` (did you mean 'x'?)` suffix, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {dict: "mapping", str: "string", int: "integer", bool: "boolean"}
    return " or ".join(names.get(k, "null") for k in kinds)


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.diags = Diagnostics()

    def add(self, code: str, msg: str, *where: str | int) -> None:
        self.diags.add(code, msg, file=self.file, pointer=pointer(*where))

    def section(self, value: Any, spec: _Spec, *where: str | int) -> dict[str, Any]:
        """`value` checked against `spec`; problems recorded, the valid keys returned."""
        if not isinstance(value, dict):
            self.add("CFG002", "expected a mapping", *where)
            return {}
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key not in spec:
                self.add("CFG001", f"unknown key {key!r}{suggest(str(key), spec)}", *where, key)
                continue
            kind, _ = spec[key]
            wrong_bool = isinstance(item, bool) and kind is int
            if not isinstance(item, kind) or wrong_bool:
                self.add("CFG002", f"{key!r} must be a {_type_name(kind)}", *where, key)
                continue
            out[key] = item
        for key, (_, required) in spec.items():
            if required and key not in value:
                self.add("CFG002", f"missing required key {key!r}", *where, key)
        return out


def _read(path: Path, file: str) -> dict[str, Any]:
    diags = Diagnostics()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except FileNotFoundError:
        diags.add("CFG004", f"configuration file not found: {path}", file=file)
        raise ConfigError(diags) from None
    except yaml.YAMLError as exc:
        diags.add("CFG004", f"YAML parse error: {exc}", file=file)
        raise ConfigError(diags) from None
    if not isinstance(raw, dict):
        diags.add("CFG004", "the configuration root must be a mapping", file=file)
        raise ConfigError(diags)
    version = raw.get("version")
    if version not in SUPPORTED_VERSIONS or isinstance(version, bool):
        supported = ", ".join(map(str, SUPPORTED_VERSIONS))
        msg = f"unsupported configuration version {version!r} (supported: {supported})"
        diags.add("CFG005", msg, file=file, pointer="/version")
        raise ConfigError(diags)
    return raw


def load_config(
    path: Path,
    known_targets: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> Config:
    """Read and validate `path`. Raises ConfigError.

    `known_targets` maps target names to their default options (None when a target does not
    declare its options); without it target names and options are not checked.
    """
    file = path.name
    check = _Checker(file)
    top = check.section(_read(path, file), _TOP)
    contracts = check.section(top.get("contracts", {}), _CONTRACTS, "contracts")
    impl = check.section(top.get("implementation", {}), _IMPLEMENTATION, "implementation")
    serve = check.section(top.get("serve", {}), _SERVE, "serve")
    if impl.get("missing", "warning") not in ("warning", "error"):
        check.add("CFG002", "'missing' must be 'warning' or 'error'", "implementation", "missing")
    if not 0 <= serve.get("port", 3000) <= 65535:
        check.add("CFG002", "'port' must be between 0 and 65535", "serve", "port")
    root = path.resolve().parent
    targets = _targets(top.get("targets", {}), root, known_targets, check)
    templates = top.get("templates_dir")
    templates_dir = root / templates if templates else None
    if templates_dir is not None and not templates_dir.is_dir():
        check.add("CFG006", f"templates_dir {templates!r} is not a directory", "templates_dir")
    for name in known_targets or {}:
        if name not in top.get("targets", {}):
            msg = f"target {name!r} is available but not configured; it is not generated"
            check.diags.add("CFG007", msg, file=file, pointer="/targets", severity=Severity.WARNING)
    if check.diags.has_errors:
        raise ConfigError(check.diags)
    return Config(
        path=path.resolve(),
        root=root,
        version=int(top["version"]),
        openapi=root / contracts["openapi"],
        asyncapi=root / contracts["asyncapi"],
        targets=targets,
        templates_dir=templates_dir,
        implementation=ImplementationSection(**impl),
        serve=ServeSection(**serve),
        warnings=check.diags,
    )


def _targets(
    raw: dict[str, Any],
    root: Path,
    known: Mapping[str, Mapping[str, Any] | None] | None,
    check: _Checker,
) -> dict[str, TargetConfig]:
    out: dict[str, TargetConfig] = {}
    for name, value in raw.items():
        if known is not None and name not in known:
            check.add("CFG003", f"unknown target {name!r}{suggest(name, known)}", "targets", name)
            continue
        section = check.section(value, _TARGET, "targets", name)
        if "output" not in section:
            continue
        defaults = known.get(name) if known is not None else None
        options = section.get("options", {})
        if defaults is not None:
            for key in options:
                if key not in defaults:
                    msg = f"unknown option {key!r} for target {name!r}{suggest(key, defaults)}"
                    check.add("CFG001", msg, "targets", name, "options", key)
        output = section["output"]
        out[name] = TargetConfig(
            name=name,
            output=(root / output).resolve(),
            output_rel=output.rstrip("/"),
            enabled=section.get("enabled", True),
            options={**(defaults or {}), **options},
        )
    return out


def find_config(start: Path | None = None) -> Path:
    """`contractkit.yaml` in `start` (default: cwd) or the nearest parent that has one."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return here / CONFIG_FILE

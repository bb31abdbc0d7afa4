"""`contractkit.yaml`: the versioned project configuration, validated into diagnostics."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from generators.diagnostics import Diagnostics, Severity, pointer

CONFIG_FILE = "contractkit.yaml"
SUPPORTED_VERSIONS = (1,)


class ConfigError(Exception):
    """The configuration is unusable; carries the diagnostics."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__(f"{len(diagnostics)} configuration error(s)")
        self.diagnostics = diagnostics


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContractsSection(_Strict):
    """Where the two contracts live (relative to the config file)."""

    openapi: str
    asyncapi: str


class TargetSection(_Strict):
    """One render target: its output directory (relative to the config file) and options."""

    output: str
    enabled: bool = True
    options: dict[str, Any] = Field(default_factory=dict)


class ImplementationSection(_Strict):
    """The hand-written package that implements the generated handler interfaces."""

    package: str = "server_impl.handlers"
    missing: Literal["warning", "error"] = "warning"


class ServeSection(_Strict):
    """`contractkit serve`: the app factory (`module:function`) and its defaults."""

    app: str = "server_impl.app:create_app"
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=0, le=65535)


class _ConfigModel(_Strict):
    version: int
    contracts: ContractsSection
    targets: dict[str, TargetSection]
    templates_dir: str | None = None
    implementation: ImplementationSection = Field(default_factory=ImplementationSection)
    serve: ServeSection = Field(default_factory=ServeSection)


# Allowed keys per level, for "did you mean" suggestions ("*" matches any mapping key).
_KEYS: dict[tuple[str, ...], Iterable[str]] = {
    (): _ConfigModel.model_fields,
    ("contracts",): ContractsSection.model_fields,
    ("targets", "*"): TargetSection.model_fields,
    ("implementation",): ImplementationSection.model_fields,
    ("serve",): ServeSection.model_fields,
}


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


def suggest(word: str, candidates: Iterable[str]) -> str:
    """A ` (did you mean 'x'?)` suffix, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _allowed_keys(loc: tuple[str | int, ...]) -> list[str]:
    for pattern, keys in _KEYS.items():
        if len(pattern) == len(loc) and all(
            p in ("*", s) for p, s in zip(pattern, loc, strict=True)
        ):
            return list(keys)
    return []


def _pydantic_diagnostics(exc: ValidationError, file: str, diags: Diagnostics) -> None:
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = pointer(*loc)
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            hint = suggest(key, _allowed_keys(loc[:-1]))
            diags.add("CFG001", f"unknown key {key!r}{hint}", file=file, pointer=where)
        elif err["type"] == "missing":
            diags.add("CFG002", f"missing required key {loc[-1]!r}", file=file, pointer=where)
        else:
            diags.add("CFG002", f"invalid value: {err['msg']}", file=file, pointer=where)


def load_config(
    path: Path,
    known_targets: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> Config:
    """Read and validate `path`. Raises ConfigError.

    `known_targets` maps target names to their default options (None when a target does not
    declare its options); without it target names and options are not checked.
    """
    diags = Diagnostics()
    file = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    if version not in SUPPORTED_VERSIONS:
        supported = ", ".join(map(str, SUPPORTED_VERSIONS))
        msg = f"unsupported configuration version {version!r} (supported: {supported})"
        diags.add("CFG005", msg, file=file, pointer="/version")
        raise ConfigError(diags)
    try:
        model = _ConfigModel.model_validate(raw)
    except ValidationError as exc:
        _pydantic_diagnostics(exc, file, diags)
        raise ConfigError(diags) from None
    root = path.resolve().parent
    targets = _targets(model, root, known_targets, file, diags)
    known_targets = known_targets or {}
    templates_dir = (root / model.templates_dir) if model.templates_dir else None
    if templates_dir is not None and not templates_dir.is_dir():
        msg = f"templates_dir {model.templates_dir!r} is not a directory"
        diags.add("CFG006", msg, file=file, pointer="/templates_dir")
    for name in known_targets:
        if name not in model.targets:
            msg = f"target {name!r} is available but not configured; it is not generated"
            diags.add("CFG007", msg, file=file, pointer="/targets", severity=Severity.WARNING)
    if diags.has_errors:
        raise ConfigError(diags)
    return Config(
        path=path.resolve(),
        root=root,
        version=model.version,
        openapi=root / model.contracts.openapi,
        asyncapi=root / model.contracts.asyncapi,
        targets=targets,
        templates_dir=templates_dir,
        implementation=model.implementation,
        serve=model.serve,
        warnings=diags,
    )


def _targets(
    model: _ConfigModel,
    root: Path,
    known: Mapping[str, Mapping[str, Any] | None] | None,
    file: str,
    diags: Diagnostics,
) -> dict[str, TargetConfig]:
    out: dict[str, TargetConfig] = {}
    for name, section in model.targets.items():
        where = pointer("targets", name)
        if known is not None and name not in known:
            hint = suggest(name, known)
            diags.add("CFG003", f"unknown target {name!r}{hint}", file=file, pointer=where)
            continue
        defaults = known.get(name) if known is not None else None
        if defaults is not None:
            for key in section.options:
                if key not in defaults:
                    hint = suggest(key, defaults)
                    msg = f"unknown option {key!r} for target {name!r}{hint}"
                    diags.add(
                        "CFG001", msg, file=file, pointer=pointer("targets", name, "options", key)
                    )
        options = {**(defaults or {}), **section.options}
        output = (root / section.output).resolve()
        out[name] = TargetConfig(name, output, section.output.rstrip("/"), section.enabled, options)
    return out


def find_config(start: Path | None = None) -> Path:
    """`contractkit.yaml` in `start` (default: cwd) or the nearest parent that has one."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return here / CONFIG_FILE

"""Shared helpers for the WebSocket target tests (this module holds no tests).

The tests exercise the committed `generated/ws/` package; `test_ws_messages` proves it is what
the targets render now. It imports the shared OpenAPI models from `generated.models`, which
the `models` target produces; when that file is not on disk yet, the `models` target is
rendered into a temporary directory that is appended to `generated.__path__`.
"""

from __future__ import annotations

import importlib
import json
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema

from generators import pipeline
from generators.config import Config, find_config
from generators.ir import ApiIR, Direction
from generators.render import Renderer
from generators.targets import TARGETS
from generators.targets.base import Files

ROOT = Path(__file__).resolve().parents[2]
WS_DIR = ROOT / "generated" / "ws"
WS_TARGETS = ("ws_messages", "ws_strategies", "ts_messages")


@cache
def config() -> Config:
    """The project's `contractkit.yaml`."""
    return pipeline.read_config(find_config(ROOT))


@cache
def ir() -> ApiIR:
    """The IR of the project's contracts."""
    return pipeline.load_ir(config())


def render(name: str, options: dict[str, Any] | None = None) -> Files:
    """Render one registered target in memory (built-in templates, configured options)."""
    targets = config().targets
    base = dict(targets[name].options) if name in targets else {}
    return TARGETS[name].render(ir(), Renderer(), {**base, **(options or {})})


def _ensure_models() -> None:
    import generated

    try:
        importlib.import_module("generated.models")
    except ModuleNotFoundError:
        files = render("models")
        dest = Path(tempfile.mkdtemp(prefix="ws-test-models-")) / "generated"
        dest.mkdir()
        (dest / "models.py").write_text(files["models.py"], encoding="utf-8")
        generated.__path__.append(str(dest))


@cache
def messages_module() -> ModuleType:
    """`generated.ws.messages`."""
    _ensure_models()
    return importlib.import_module("generated.ws.messages")


@cache
def strategies_module() -> ModuleType:
    """`generated.ws.strategies`."""
    return importlib.import_module("generated.ws.strategies")


@cache
def validator(direction: Direction) -> jsonschema.Draft7Validator:
    """A draft-07 validator (with format checks) for the committed schema of a direction."""
    schema = json.loads((WS_DIR / f"{direction}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def examples(direction: Direction) -> list[tuple[str, str, Any]]:
    """(message key, type, example payload) for every contract example of a direction."""
    return [(m.key, m.type, ex) for m in ir().messages_from(direction) for ex in m.examples]

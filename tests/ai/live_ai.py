"""Helpers of the AI HTTP tests (this module holds no tests).

- `start_ai_server(start_server, **ai)`: a live uvicorn server (tests/conftest.py's
  `start_server`) whose AI service is configured by `extra["ai"]` (AIConfig fields + `start`).
- `Contract`: checks a response against the contract straight from contracts/ (status,
  body schema of that status, the code is one of the operation's `x-error-codes`).
- `AiClient`: a user's client for the three AI operations.
- `speech_wav(text, seconds=None)`: espeak-ng speech as a WAV payload (optionally padded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from jsonschema import Draft7Validator

from generators.build_ir import build_ir
from generators.jsonschema_util import bundle
from generators.loader import load_contracts

from .helpers import require_espeak, synthesize, wav_b64

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "contracts/meeting.openapi.yaml"
Json = dict[str, Any]
PATHS = {
    "recognize_speech": "/ai/speech/recognize",
    "detect_emotion": "/ai/emotion/detect",
    "enhance_audio": "/ai/audio/enhance",
}
#: the suite's AI settings: 1 worker, 7 waiting (8 at once never 429), short clips only,
#: timeouts far beyond any load the CI machine might be under
AI_DEFAULTS: dict[str, Any] = {
    "workers": 1,
    "queue_depth": 7,
    "max_seconds": 8.0,
    "timeout_seconds": 600.0,
    "start": "lazy",
}


def start_ai_server(start_server: Callable[..., Any], **ai: Any) -> Any:
    """A live server whose AI settings are AI_DEFAULTS overlaid with `ai`."""
    return start_server(extra={"ai": {**AI_DEFAULTS, **ai}})


class Contract:
    """Response checks derived from the contract (not from `generated/`)."""

    def __init__(self) -> None:
        ir = build_ir(load_contracts(OPENAPI, ROOT / "contracts/meeting.asyncapi.yaml"), ROOT)
        self.ir = ir
        self.operations = {op.operation_id: op for op in ir.operations}
        document = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
        self.error_codes: dict[str, set[int]] = {
            op["operationId"]: set(op.get("x-error-codes", []))
            for item in document["paths"].values()
            for op in item.values()
            if isinstance(op, dict) and "operationId" in op
        }
        self._validators: dict[tuple[str, int], Draft7Validator] = {}

    def validator(self, operation_id: str, status: int) -> Draft7Validator:
        """The draft-07 validator of the operation's `status` response body."""
        key = (operation_id, status)
        if key not in self._validators:
            response = next(
                r for r in self.operations[operation_id].responses if r.status == status
            )
            assert response.json_schema is not None, key
            self._validators[key] = Draft7Validator(
                bundle(response.json_schema, self.ir.definitions()),
                format_checker=Draft7Validator.FORMAT_CHECKER,
            )
        return self._validators[key]

    def check(self, operation_id: str, response: httpx.Response, status: int) -> Json:
        """Assert the status, the body's schema and, for errors, a documented code."""
        assert response.status_code == status, response.text[:500]
        assert response.headers["content-type"].startswith("application/json")
        body: Json = response.json()
        errors = sorted(self.validator(operation_id, status).iter_errors(body), key=str)
        assert not errors, f"{operation_id} {status}: {errors[0].message}"
        if status >= 400:
            assert body["code"] in self.error_codes[operation_id], body
            assert body["code"] // 100 == status, body
        return body


@cache
def contract() -> Contract:
    """The contract checks (built once per session)."""
    return Contract()


@dataclass
class AiClient:
    """Calls the AI operations as one user."""

    client: httpx.Client
    token: str

    def post(self, operation_id: str, body: Json, *, token: str | None = None) -> httpx.Response:
        """POST the operation's body (with `token`, default this user's; "" for none)."""
        token = self.token if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.post(PATHS[operation_id], json=body, headers=headers)

    def call(self, operation_id: str, body: Json, status: int = 200) -> Json:
        """POST and check the response against the contract; returns the body."""
        return contract().check(operation_id, self.post(operation_id, body), status)


def speech(text: str, seconds: float | None = None, rate: int = 16000) -> Any:
    """espeak-ng speech (voice en-us+klatt) as float32 samples, looped or cut to `seconds`."""
    import numpy as np

    require_espeak()
    samples = synthesize(text, "en-us+klatt", rate=rate)
    return samples if seconds is None else np.resize(samples, int(seconds * rate))


def speech_wav(text: str, seconds: float | None = None, rate: int = 16000) -> Json:
    """A WAV request payload of `speech(text, seconds, rate)`."""
    return {"audio_data": wav_b64(speech(text, seconds, rate), rate), "audio_format": "wav"}

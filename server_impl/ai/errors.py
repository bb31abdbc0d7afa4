"""Errors of the AI services, carrying the contract's business codes.

Every error raised by this package is an `AIError` (or a subclass) with the contract's
`code`, the HTTP `status` the HTTP layer should answer with, a human `message` (the
contract's Chinese text), optional `details` and, for 429, `retry_after` in seconds.
They pickle cleanly, so an error raised inside a worker process reaches the caller intact.
"""

from __future__ import annotations

from typing import Any

# contract codes (contracts/meeting.openapi.yaml, x-error-codes)
MISSING_FIELD = 40003
INVALID_PARAMETER = 40004
INVALID_AUDIO_BASE64 = 40006
EMPTY_AUDIO = 40007
AUDIO_TOO_LONG = 40008
AUDIO_FORMAT_MISMATCH = 40009
AI_PROCESSING_FAILED = 42201
AI_BUSY = 42902
AI_UNAVAILABLE = 50301
AI_TIMEOUT = 50302

#: The contract's message for each code used here.
MESSAGES: dict[int, str] = {
    MISSING_FIELD: "缺少必填字段",
    INVALID_PARAMETER: "请求参数不合法",
    INVALID_AUDIO_BASE64: "音频数据不是有效的 Base64",
    EMPTY_AUDIO: "音频数据为空",
    AUDIO_TOO_LONG: "音频时长超出限制",
    AUDIO_FORMAT_MISMATCH: "音频格式与数据不符",
    AI_PROCESSING_FAILED: "AI 处理失败",
    AI_BUSY: "AI 服务繁忙，请稍后再试",  # noqa: RUF001 (the contract's text)
    AI_UNAVAILABLE: "AI 服务不可用",
    AI_TIMEOUT: "AI 处理超时",
}

#: The HTTP status of each code (the first three digits of the code).
STATUS: dict[int, int] = {code: code // 100 for code in MESSAGES}


class AIError(Exception):
    """A failure with a contract error code; the HTTP layer renders it as `{code, message}`."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.code = code
        self.message = message if message is not None else MESSAGES.get(code, "AI 处理失败")
        self.status = status if status is not None else STATUS.get(code, code // 100)
        self.details = details
        self.retry_after = retry_after
        super().__init__(self.code, self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (AIError, (self.code, self.message, self.status, self.details, self.retry_after))

    def __str__(self) -> str:
        return f"{self.code} {self.message}" + (f" {self.details}" if self.details else "")

    def to_dict(self) -> dict[str, Any]:
        """The contract's error body: `{code, message, details?}`."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class AudioError(AIError):
    """Request audio that cannot be used (always HTTP 400)."""

    def __init__(self, code: int, message: str | None = None, **details: Any) -> None:
        super().__init__(code, message, 400, details or None)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_audio_error, (self.code, self.message, self.details))


class EngineUnavailable(AIError):
    """An engine, model or language that is not installed (HTTP 503, code 50301)."""

    def __init__(
        self, message: str | None = None, code: int = AI_UNAVAILABLE, **details: Any
    ) -> None:
        super().__init__(code, message or MESSAGES[AI_UNAVAILABLE], 503, details or None)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_engine_unavailable, (self.message, self.code, self.details))


def _rebuild_audio_error(code: int, message: str, details: dict[str, Any] | None) -> AudioError:
    return AudioError(code, message, **(details or {}))


def _rebuild_engine_unavailable(
    message: str, code: int, details: dict[str, Any] | None
) -> EngineUnavailable:
    return EngineUnavailable(message, code, **(details or {}))

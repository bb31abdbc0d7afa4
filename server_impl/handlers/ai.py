"""`AI` tag: speech recognition, emotion detection, audio enhancement (docs/ai.md).

The handlers translate the generated request models into `AIService` requests, return the
generated result models, and turn every `AIError` into the contract's `ApiError` (with
`Retry-After` when the service is saturated). Validation and decoding happen in
`AIService` before its worker pool, so invalid audio never reaches a worker.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from generated import models as m
from generated.errors import ERRORS, ApiError
from generated.models import ErrorCode
from generated.server.context import RequestContext
from generated.server.interfaces import AiHandlers as Base
from server_impl.ai import AIError, AIService, EmotionRequest, EnhanceRequest, RecognizeRequest
from server_impl.handlers.base import HandlerBase


def api_error(exc: AIError) -> ApiError:
    """The contract error for an `AIError` (its code, message and details; `Retry-After`)."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if exc.code not in ERRORS:  # never expected: every AIError code is in the contract
        return ApiError(ErrorCode.AI_PROCESSING_FAILED, details={"code": exc.code})
    return ApiError(exc.code, message=exc.message, details=exc.details, headers=headers)


async def _served(call: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """Await an `AIService` call, answering its failures in the contract's format."""
    try:
        return await call
    except AIError as exc:
        raise api_error(exc) from None


class AiHandlers(HandlerBase, Base):
    """The three AI operations on `services.ai.service`."""

    @property
    def ai(self) -> AIService:
        """The app's AI service (its pool starts lazily or in the background)."""
        return self.services.ai.service

    async def recognize_speech(
        self, ctx: RequestContext, *, body: m.SpeechRecognizeRequest
    ) -> m.SpeechRecognitionResult:
        """Transcript, confidence and word timings; `hint_phrases` selects grammar mode."""
        hints = [phrase.root for phrase in body.hint_phrases or ()] or None
        request = RecognizeRequest(
            audio_data=body.audio_data,
            audio_format=body.audio_format.value,
            sample_rate=body.sample_rate,
            language=body.language,
            hint_phrases=hints,
        )
        data = await _served(self.ai.recognize(request))
        return m.SpeechRecognitionResult.model_validate(data)

    async def detect_emotion(
        self, ctx: RequestContext, *, body: m.EmotionDetectRequest
    ) -> m.EmotionResult:
        """Emotion label, per-label scores, arousal and valence."""
        request = EmotionRequest(
            audio_data=body.audio_data,
            audio_format=body.audio_format.value,
            sample_rate=body.sample_rate,
        )
        data = await _served(self.ai.detect_emotion(request))
        return m.EmotionResult.model_validate(data)

    async def enhance_audio(
        self, ctx: RequestContext, *, body: m.AudioEnhanceRequest
    ) -> m.AudioEnhanceResult:
        """Denoised, loudness-normalized or high-passed audio in the input's format and rate."""
        request = EnhanceRequest(
            audio_data=body.audio_data,
            audio_format=body.audio_format.value,
            enhancement_type=body.enhancement_type.value,
            sample_rate=body.sample_rate,
        )
        data = await _served(self.ai.enhance(request))
        return m.AudioEnhanceResult.model_validate(data)

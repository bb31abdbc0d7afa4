"""Engine interfaces and result types (no heavy imports: safe to import anywhere)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from server_impl.ai.errors import EngineUnavailable

if TYPE_CHECKING:
    from server_impl.ai.audio import Clip

__all__ = [
    "EMOTION_LABELS",
    "ENHANCEMENT_KINDS",
    "AudioEnhancer",
    "EmotionDetector",
    "EmotionLabel",
    "EmotionResult",
    "EngineUnavailable",
    "EnhancementKind",
    "SpeechRecognizer",
    "Transcript",
    "WordSegment",
]

EnhancementKind = Literal["denoise", "normalize", "highpass"]
#: The contract's `EnhancementType` enum.
ENHANCEMENT_KINDS: tuple[EnhancementKind, ...] = ("denoise", "normalize", "highpass")

EmotionLabel = Literal["neutral", "happy", "sad", "angry"]
#: The contract's `EmotionLabel` enum.
EMOTION_LABELS: tuple[EmotionLabel, ...] = ("neutral", "happy", "sad", "angry")


@dataclass(frozen=True, slots=True)
class WordSegment:
    """One recognized word with its time span (ms from the start of the clip)."""

    word: str
    start_ms: int
    end_ms: int
    confidence: float


@dataclass(frozen=True, slots=True)
class Transcript:
    """A recognition result; `confidence` is the mean word posterior (0 when no words)."""

    text: str
    confidence: float
    language: str
    segments: list[WordSegment] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Contract field names (`transcript`, ...), without `duration_ms`."""
        return {
            "transcript": self.text,
            "confidence": self.confidence,
            "language": self.language,
            "segments": [asdict(s) for s in self.segments],
        }


@dataclass(frozen=True, slots=True)
class EmotionResult:
    """An emotion estimate: label, per-label probabilities and the dimensional view."""

    emotion: EmotionLabel
    confidence: float
    scores: dict[str, float]
    arousal: float
    valence: float
    transcript: str | None
    method: str

    def to_dict(self) -> dict[str, Any]:
        """Contract field names, without `duration_ms`."""
        return asdict(self)


@runtime_checkable
class SpeechRecognizer(Protocol):
    """Speech to text."""

    def available_languages(self) -> list[str]:
        """Canonical language codes this recognizer can decode."""
        ...

    def recognize(
        self, clip: Clip, language: str, hint_phrases: Sequence[str] | None = None
    ) -> Transcript:
        """Transcribe `clip`; `hint_phrases` switches to a grammar of those phrases."""
        ...


@runtime_checkable
class AudioEnhancer(Protocol):
    """Audio in, audio out: same rate and length."""

    def enhance(self, clip: Clip, kind: EnhancementKind) -> Clip:
        """Apply one enhancement."""
        ...


@runtime_checkable
class EmotionDetector(Protocol):
    """Speech to an emotion estimate."""

    def detect(self, clip: Clip) -> EmotionResult:
        """Estimate the speaker's emotion."""
        ...

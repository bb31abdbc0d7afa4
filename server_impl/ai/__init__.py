"""AI audio services: speech recognition, emotion detection and audio enhancement.

Offline engines (pocketsphinx, RNNoise, all-MiniLM-L6-v2) behind a bounded process pool.
Importing this package needs none of them; see docs/ai.md.
"""

from server_impl.ai.config import AIConfig
from server_impl.ai.engines.base import EMOTION_LABELS, ENHANCEMENT_KINDS
from server_impl.ai.errors import AIError, AudioError, EngineUnavailable
from server_impl.ai.service import AIService, EmotionRequest, EnhanceRequest, RecognizeRequest

__all__ = [
    "EMOTION_LABELS",
    "ENHANCEMENT_KINDS",
    "AIConfig",
    "AIError",
    "AIService",
    "AudioError",
    "EmotionRequest",
    "EngineUnavailable",
    "EnhanceRequest",
    "RecognizeRequest",
]

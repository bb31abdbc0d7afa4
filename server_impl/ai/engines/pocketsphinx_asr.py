"""Speech recognition with pocketsphinx (CMU Sphinx, offline, CPU).

Per utterance the recognizer:

1. resamples to the acoustic model's rate (16 kHz) and pads 0.3 s of silence both sides;
2. adds deterministic ±1 LSB triangular dither, so exactly-zero stretches (digital silence,
   common in synthetic or gated audio) do not produce log(0) filterbank energies;
3. resets cepstral mean normalization to the model's initial value, runs a cheap pass over
   the utterance (a one-word keyword search, ~3 % of the decode time) so the feature
   front end estimates this utterance's cepstral mean, then decodes with that mean.
   Results therefore do not depend on what a worker decoded before;
4. reads the best path with `seg()`: words with frame spans (10 ms frames) and posterior
   probabilities (lattice forward-backward), which become `WordSegment.confidence`.

The default search is the model's general n-gram language model. `hint_phrases` switches
one request to a JSGF grammar accepting exactly those phrases (command/keyword use).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from server_impl.ai.audio import Clip, resample, to_pcm16
from server_impl.ai.engines.base import Transcript, WordSegment
from server_impl.ai.engines.registry import LanguageModel, resolve_language
from server_impl.ai.errors import INVALID_PARAMETER, AudioError, EngineUnavailable

PAD_SECONDS = 0.3
_ALT_PRON = re.compile(r"\(\d+\)$")
_HINT_CLEAN = re.compile(r"[^\w' ]+", re.UNICODE)
_HINT_SEARCH = "_hints"
_CMN_SEARCH = "_cmn"
_MAX_HINTS = 200


def _is_filler(word: str) -> bool:
    return word.startswith(("<", "[", "++")) or word in ("", "<sil>")


class PocketsphinxRecognizer:
    """`SpeechRecognizer` over every discovered pocketsphinx language."""

    def __init__(self, languages: dict[str, LanguageModel]) -> None:
        self._langs = dict(languages)
        self._decoders: dict[str, Any] = {}
        self._prepass: set[str] = set()
        self._lock = threading.Lock()

    def available_languages(self) -> list[str]:
        """Canonical codes, e.g. `["en-US"]`."""
        return sorted(self._langs)

    def load(self) -> None:
        """Load the default (en-US, else first) language's decoder now."""
        if self._langs:
            self._decoder("en-US" if "en-US" in self._langs else min(self._langs))

    def _decoder(self, code: str) -> Any:
        dec = self._decoders.get(code)
        if dec is None:
            try:
                from pocketsphinx import Decoder
            except ImportError as exc:
                raise EngineUnavailable(reason=f"pocketsphinx not installed: {exc}") from None
            lm = self._langs[code]
            try:
                dec = Decoder(
                    hmm=str(lm.hmm),
                    lm=str(lm.lm),
                    dict=str(lm.dictionary),
                    samprate=lm.samprate,
                    loglevel="FATAL",
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise EngineUnavailable(reason=f"cannot load model {code}: {exc}") from None
            try:  # the CMN pre-pass search: spot any one dictionary word
                dec.add_keyphrase(_CMN_SEARCH, _first_word(lm.dictionary))
                self._prepass.add(code)
            except (RuntimeError, ValueError, OSError):
                pass
            self._decoders[code] = dec
        return dec

    def recognize(
        self, clip: Clip, language: str, hint_phrases: Sequence[str] | None = None
    ) -> Transcript:
        """Transcribe `clip` in `language` (general LM, or a grammar of `hint_phrases`)."""
        code = resolve_language(language, self._langs)
        model = self._langs[code]
        with self._lock:  # a Decoder is not re-entrant
            dec = self._decoder(code)
            audio = resample(clip, model.samprate).samples
            pad = int(PAD_SECONDS * model.samprate)
            pcm = _dithered_pcm(np.pad(audio, (pad, pad)))
            default_search = dec.current_search()
            if hint_phrases:
                dec.add_jsgf_string(_HINT_SEARCH, _grammar(dec, hint_phrases))
                dec.activate_search(_HINT_SEARCH)
            try:
                dec.set_cmn(str(dec.config["cmninit"]))
                if code in self._prepass:
                    dec.activate_search(_CMN_SEARCH)
                    dec.start_utt()
                    dec.process_raw(pcm, full_utt=True)
                    dec.end_utt()
                    dec.activate_search(_HINT_SEARCH if hint_phrases else default_search)
                dec.start_utt()
                dec.process_raw(pcm, full_utt=True)
                dec.end_utt()
                segments = self._segments(dec, clip.duration_ms, 1000 * pad / model.samprate)
            finally:
                if hint_phrases:
                    dec.activate_search(default_search)
                    dec.remove_search(_HINT_SEARCH)
        text = " ".join(s.word for s in segments)
        conf = float(np.mean([s.confidence for s in segments])) if segments else 0.0
        return Transcript(text, round(conf, 4), code, segments)

    @staticmethod
    def _segments(dec: Any, duration_ms: int, pad_ms: float) -> list[WordSegment]:
        if dec.hyp() is None:
            return []
        frame_ms = 1000.0 / float(dec.config["frate"])
        out: list[WordSegment] = []
        for seg in dec.seg():
            if _is_filler(seg.word):
                continue
            start = round(seg.start_frame * frame_ms - pad_ms)
            end = round((seg.end_frame + 1) * frame_ms - pad_ms)
            start = min(max(0, start), duration_ms)
            end = min(max(start, end), duration_ms)
            prob = min(1.0, max(0.0, float(seg.prob)))
            out.append(WordSegment(_ALT_PRON.sub("", seg.word), start, end, round(prob, 4)))
        return out


def _first_word(dictionary: Path) -> str:
    """The first entry of a pronunciation dictionary (skipping alternates like `a(2)`)."""
    with dictionary.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            word = line.split(maxsplit=1)[0] if line.strip() else ""
            if word and not _ALT_PRON.search(word) and word.isalpha():
                return word
    raise ValueError(f"empty dictionary {dictionary}")


def _dithered_pcm(samples: np.ndarray) -> bytes:
    """s16le bytes with deterministic triangular (TPDF) dither of ±1 LSB."""
    rng = np.random.default_rng(0x5EED)
    tpdf = rng.random(len(samples)) - rng.random(len(samples))
    ints = to_pcm16(samples).astype(np.int32) + np.rint(tpdf).astype(np.int32)
    return np.clip(ints, -32768, 32767).astype("<i2").tobytes()


def _grammar(dec: Any, phrases: Sequence[str]) -> str:
    """A JSGF grammar of the phrases whose words are all in the dictionary (40004 if none)."""
    kept: list[str] = []
    for phrase in list(phrases)[:_MAX_HINTS]:
        words = _HINT_CLEAN.sub(" ", str(phrase).lower()).split()
        if words and all(dec.lookup_word(w) is not None for w in words):
            kept.append(" ".join(words))
    if not kept:
        raise AudioError(
            INVALID_PARAMETER, field="hint_phrases", reason="no phrase with only known words"
        )
    alternatives = " | ".join(sorted(set(kept)))
    return f"#JSGF V1.0;\ngrammar hints;\npublic <hint> = {alternatives};\n"

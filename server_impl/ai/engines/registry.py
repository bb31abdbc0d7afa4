"""Language-model discovery and the engine registry.

Language models (pocketsphinx) come from two places:

- the bundled `en-US` model inside the pocketsphinx wheel (aliases `en`, `en-us`);
- `model_dir/<lang>/` for every directory whose name is a language tag, holding an
  acoustic-model directory (any sub-directory with an `mdef` file), a language model
  (`*.lm.bin`, `*.lm`, `*.lm.dmp` or `*.arpa`) and a dictionary (`*.dict` or `*.dic`).
  An optional `model.json` overrides what is found:
  `{"hmm": "...", "lm": "...", "dict": "...", "aliases": ["zh"], "samprate": 16000}`.
  A model-dir language replaces a bundled one with the same code.

Discovery only lists files: it imports nothing heavy and is cheap enough to run in the
request path. Engines are built lazily, once, by `EngineRegistry`.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from server_impl.ai.config import AIConfig
from server_impl.ai.errors import EngineUnavailable

if TYPE_CHECKING:
    from server_impl.ai.engines.emotion import ProsodyTextEmotionDetector
    from server_impl.ai.engines.pocketsphinx_asr import PocketsphinxRecognizer
    from server_impl.ai.engines.rnnoise_enhancer import Enhancer

log = logging.getLogger(__name__)

_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_LM_SUFFIXES = (".lm.bin", ".lm", ".lm.dmp", ".arpa")
_DICT_SUFFIXES = (".dict", ".dic")


@dataclass(frozen=True, slots=True)
class LanguageModel:
    """Files of one pocketsphinx language: acoustic model dir, language model, dictionary."""

    code: str
    hmm: Path
    lm: Path
    dictionary: Path
    aliases: tuple[str, ...] = ()
    samprate: int = 16000
    source: str = "bundled"


def bundled_model_root() -> Path | None:
    """`pocketsphinx/model` inside the installed wheel (found without importing it)."""
    spec = importlib.util.find_spec("pocketsphinx")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent / "model"
    return root if root.is_dir() else None


def _bundled_languages() -> dict[str, LanguageModel]:
    root = bundled_model_root()
    if root is None:
        return {}
    en = root / "en-us"
    hmm, lm, dic = en / "en-us", en / "en-us.lm.bin", en / "cmudict-en-us.dict"
    if not (hmm.is_dir() and lm.is_file() and dic.is_file()):
        return {}
    return {"en-US": LanguageModel("en-US", hmm, lm, dic, ("en", "en-us"), 16000, "bundled")}


def _first(paths: list[Path], suffixes: tuple[str, ...]) -> Path | None:
    for suffix in suffixes:
        for p in sorted(paths):
            if p.is_file() and p.name.lower().endswith(suffix):
                return p
    return None


def _language_from_dir(folder: Path) -> LanguageModel | None:
    """A `LanguageModel` from `model_dir/<lang>/`, or None when incomplete."""
    overrides: dict[str, object] = {}
    manifest = folder / "model.json"
    if manifest.is_file():
        try:
            overrides = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("ignoring %s: %s", manifest, exc)
    files = list(folder.iterdir())

    def pick(key: str, found: Path | None) -> Path | None:
        value = overrides.get(key)
        return (folder / str(value)) if value else found

    hmm = pick("hmm", next((d for d in sorted(files) if (d / "mdef").is_file()), None))
    lm = pick("lm", _first(files, _LM_SUFFIXES))
    dic = pick("dict", _first(files, _DICT_SUFFIXES))
    if hmm is None or lm is None or dic is None:
        log.warning("model dir %s lacks an acoustic model, .lm or .dict: skipped", folder)
        return None
    raw_aliases = overrides.get("aliases", [])
    aliases = tuple(str(a) for a in raw_aliases) if isinstance(raw_aliases, list) else ()
    raw_rate = overrides.get("samprate", 16000)
    rate = int(raw_rate) if isinstance(raw_rate, int | str) else 16000
    return LanguageModel(folder.name, hmm, lm, dic, aliases, rate, "model_dir")


def discover_languages(model_dir: Path | None) -> dict[str, LanguageModel]:
    """Every usable language: bundled ones, then `model_dir/<lang>/` (which win)."""
    langs = _bundled_languages()
    if model_dir is not None and model_dir.is_dir():
        for folder in sorted(model_dir.iterdir()):
            if folder.is_dir() and _LANG_TAG.match(folder.name):
                found = _language_from_dir(folder)
                if found is not None:
                    langs = {k: v for k, v in langs.items() if k.lower() != found.code.lower()}
                    langs[found.code] = found
    return langs


def alias_table(langs: dict[str, LanguageModel]) -> dict[str, str]:
    """Lower-cased code or alias -> canonical code (primary subtag when unambiguous)."""
    table: dict[str, str] = {}
    primaries: dict[str, list[str]] = {}
    for code, lm in langs.items():
        table[code.lower()] = code
        for alias in lm.aliases:
            table.setdefault(alias.lower(), code)
        primaries.setdefault(code.split("-")[0].lower(), []).append(code)
    for primary, codes in primaries.items():
        if len(codes) == 1:
            table.setdefault(primary, codes[0])
    return table


def resolve_language(requested: str | None, langs: dict[str, LanguageModel]) -> str:
    """The canonical code for `requested` (default en-US), or `EngineUnavailable` (50301)."""
    wanted = (requested or "en-US").strip()
    code = alias_table(langs).get(wanted.lower())
    if code is None:
        available = sorted(langs)
        raise EngineUnavailable(
            f"AI 服务不可用: 不支持的识别语言 {wanted} (可用: {', '.join(available) or '-'})",
            language=wanted,
            available_languages=available,
        )
    return code


class EngineRegistry:
    """Builds each engine once from an `AIConfig` (call inside a worker process)."""

    def __init__(self, config: AIConfig) -> None:
        self.config = config
        self.languages = discover_languages(config.model_dir)
        self._asr: PocketsphinxRecognizer | None = None
        self._enhancer: Enhancer | None = None
        self._emotion: ProsodyTextEmotionDetector | None = None

    def asr(self) -> PocketsphinxRecognizer:
        """The speech recognizer (all discovered languages; decoders load on first use)."""
        if self._asr is None:
            from server_impl.ai.engines.pocketsphinx_asr import PocketsphinxRecognizer

            self._asr = PocketsphinxRecognizer(self.languages)
        return self._asr

    def enhancer(self) -> Enhancer:
        """Denoise (RNNoise), loudness normalization and high-pass filtering."""
        if self._enhancer is None:
            from server_impl.ai.engines.rnnoise_enhancer import Enhancer

            self._enhancer = Enhancer()
        return self._enhancer

    def emotion(self) -> ProsodyTextEmotionDetector:
        """Prosody + (when installed and enabled) transcript-embedding emotion detector."""
        if self._emotion is None:
            from server_impl.ai.engines.emotion import ProsodyTextEmotionDetector

            self._emotion = ProsodyTextEmotionDetector(
                recognizer=self.asr(), use_text=self.config.emotion_text
            )
        return self._emotion

    def warm_up(self) -> None:
        """Load every engine now (engine load errors surface later, per request)."""
        for build in (self.asr, self.enhancer, self.emotion):
            try:
                engine = build()
                load = getattr(engine, "load", None)
                if callable(load):
                    load()
            except Exception:  # an engine that cannot load answers 50301 when used
                log.exception("AI engine failed to load during warm-up")

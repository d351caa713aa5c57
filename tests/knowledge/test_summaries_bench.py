"""bench/summaries.py: ROUGE computed by hand-checkable rules, and a run on a tiny QMSum file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.bench import load_bench

bench = load_bench("summaries")


def test_rouge_by_hand() -> None:
    candidate, reference = "The cat sat on the mat.", "the cat is on the mat"
    # unigrams: the x2, cat, on, mat shared (5 of 6 each side); bigrams: 3 of 5; LCS: 5 words
    assert bench.rouge_n(candidate, reference, 1) == pytest.approx(5 / 6)
    assert bench.rouge_n(candidate, reference, 2) == pytest.approx(3 / 5)
    assert bench.rouge_l(candidate, reference) == pytest.approx(5 / 6)
    assert bench.rouge_n("", reference, 1) == 0.0
    assert bench.rouge_l("completely different words", reference) == 0.0


def meeting(summary_query: str | None) -> dict[str, object]:
    turns = [
        ("Project Manager", "Welcome everyone, today we decide the remote control design."),
        ("Industrial Designer", "I propose a curved case made of rubber {vocalsound} for grip."),
        ("Marketing", "Our survey says young users want a trendy remote with few buttons."),
        ("User Interface", "Speech recognition would let users find the remote by calling it."),
        ("Project Manager", "We agree on the curved rubber case and a small number of buttons."),
        ("Marketing", "The budget is twelve euros fifty per unit, so speech may be too costly."),
    ]
    queries = [{"query": summary_query, "answer": "The team chose a curved rubber remote with "
                "few buttons; speech recognition may be too costly for the budget."}]  # fmt: skip
    return {
        "meeting_transcripts": [{"speaker": s, "content": c} for s, c in turns],
        "general_query_list": queries if summary_query else [],
        "specific_query_list": [],
        "topic_list": [],
    }


def test_a_run_scores_the_meetings_that_have_a_whole_meeting_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "tiny.jsonl"
    rows = [
        meeting("Summarize the whole meeting."),
        meeting(None),
        meeting("Summarize the meeting"),
    ]
    data.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    result = bench.main(["--data", str(data), "--centrality", "tfidf"])
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last_line) == result
    assert result["meetings"] == 2
    assert 0 < result["rouge1"] <= 1 and 0 <= result["rouge2"] <= result["rouge1"]
    assert {"lead_rouge1", "rougeL", "summary_words", "reference_words"} <= set(result)


def test_markup_that_is_not_speech_is_removed() -> None:
    call = bench.meeting_turns(meeting("Summarize the whole meeting."))
    assert "{vocalsound}" not in call.turns[1].text and "rubber for grip" in call.turns[1].text

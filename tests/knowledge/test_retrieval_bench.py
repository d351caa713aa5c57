"""bench/retrieval.py end to end on a tiny QMSum-format file: the real index, a JSON last line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FILLER = [
    ("Alice", "Okay, let's get started."), ("Bob", "Sure."), ("Alice", "Mm-hmm, yeah."),
    ("Carol", "I think that's fine."), ("Bob", "Right, okay."),
]  # fmt: skip


def meeting(topics: list[tuple[str, list[str]]]) -> dict[str, object]:
    """Turns: filler, then each topic's sentences, then filler; a query per topic."""
    turns: list[dict[str, str]] = []
    queries = []
    for query, sentences in topics:
        turns += [{"speaker": s, "content": t} for s, t in FILLER]
        first = len(turns)
        turns += [{"speaker": ["Alice", "Bob", "Carol"][i % 3], "content": text}
                  for i, text in enumerate(sentences)]  # fmt: skip
        queries.append({"query": query, "answer": "",
                        "relevant_text_span": [[str(first), str(len(turns) - 1)]]})  # fmt: skip
    turns += [{"speaker": s, "content": t} for s, t in FILLER]
    return {"topic_list": [], "general_query_list": [], "specific_query_list": queries,
            "meeting_transcripts": turns}  # fmt: skip


def test_the_benchmark_reports_hit_at_5_for_the_index_and_both_baselines(tmp_path: Path) -> None:
    data = tmp_path / "tiny.jsonl"
    rows = [
        meeting([
            ("What was said about the battery?",
             ["The battery lasts two days {disfmarker} on one charge.",
              "We could use a rechargeable battery with a dock."]),
            ("What did the group decide about the colour?",
             ["Let's make the case yellow, it stands out.", "Yellow it is, with a grey base."]),
        ]),
        meeting([
            ("How will the recordings be transcribed?",
             ["The recordings go to the transcription service every Friday.",
              "They send back transcripts within a week."]),
            ("What about the consent forms?",
             ["Every speaker signs a consent form before the first recording.",
              "We will revise the consent form for the new sites."]),
        ]),
    ]  # fmt: skip
    data.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "retrieval.py"), "--data", str(data)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["queries"] == 4 and result["meetings"] == 2
    assert result["passages"] > 4
    for key in ("hit_at_5", "bm25_hit_at_5", "dense_hit_at_5"):
        assert 0.0 <= result[key] <= 1.0
    # Each query's answer is said in so many words in its meeting: the index finds all four.
    assert result["hit_at_5"] == 1.0
    assert result["confidence_answerable"]["p50"] > result["confidence_unanswerable"]["p50"]
    assert any(line.startswith("BM25 alone") for line in lines)


def test_a_file_that_is_not_qmsum_is_refused_naming_the_line(tmp_path: Path) -> None:
    data = tmp_path / "broken.jsonl"
    data.write_text('{"meeting_transcripts": []}\n{"oops": 1}\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "retrieval.py"), "--data", str(data)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode != 0
    assert f"{data}:2: not a QMSum meeting" in done.stderr

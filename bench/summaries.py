"""ROUGE of the call summaries on QMSum: our extractive summary vs "Summarize the whole meeting".

Every meeting whose general queries ask to summarise the whole meeting ("Summarize the whole
meeting.", "Summarize the meeting") is summarised by the product's own code path
(``knowledge.analysis.summarise`` over the meeting's turns, insights included, sentence vectors
from MiniLM as ``analyse_call`` uses them), and the summary
is scored against that query's reference answer with ROUGE-1, ROUGE-2 and ROUGE-L F1.

ROUGE is implemented here (no download): lower-cased alphanumeric tokens, no stemming, no stop
word removal; ROUGE-N counts clipped n-gram overlaps; ROUGE-L is the longest common subsequence
over the whole text (rouge-score's "rougeL", not the per-sentence "rougeLsum"). Scores are
averaged over meetings (macro). For context the same run scores a baseline: the meeting's first
sentences, as many words as our summary has ("lead").

QMSum marks what is not speech ({disfmarker}, {vocalsound}, [Laughter.]); that is removed. The
turns have no times, so they are spread at 150 words a minute (times only order the summary).

Prints one JSON object on its last line:
  {rouge1, rouge2, rougeL, lead_rouge1, lead_rouge2, lead_rougeL, meetings, summary_words,
   reference_words, seconds, ...}

    python bench/summaries.py --data ../shared/bench/qmsum/val.jsonl [--centrality tfidf]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from knowledge.analysis import summarise  # noqa: E402
from knowledge.insights import extract_insights, sentences_of  # noqa: E402
from knowledge.settings import InsightSettings  # noqa: E402
from knowledge.turns import CallTurns, Turn  # noqa: E402

_MARKUP = re.compile(r"\{[a-z]+\}|\[[A-Za-z .]+\.\]")
_TOKEN = re.compile(r"[a-z0-9]+")
_SUMMARY_QUERY = re.compile(r"\bsummari[sz]e\b.*\bmeeting\b", re.IGNORECASE)
WORDS_PER_SECOND = 2.5
_TODAY = date(2024, 1, 1)  # due dates are not scored


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def _f1(overlap: float, candidate: int, reference: int) -> float:
    if overlap == 0 or candidate == 0 or reference == 0:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def rouge_n(candidate: str, reference: str, n: int) -> float:
    ours, theirs = _ngrams(tokens(candidate), n), _ngrams(tokens(reference), n)
    overlap = sum((ours & theirs).values())
    return _f1(overlap, sum(ours.values()), sum(theirs.values()))


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, reference: str) -> float:
    ours, theirs = tokens(candidate), tokens(reference)
    return _f1(_lcs(ours, theirs), len(ours), len(theirs))


def scores(candidate: str, reference: str) -> dict[str, float]:
    return {
        "rouge1": rouge_n(candidate, reference, 1),
        "rouge2": rouge_n(candidate, reference, 2),
        "rougeL": rouge_l(candidate, reference),
    }


def meeting_turns(meeting: dict[str, Any]) -> CallTurns:
    turns, clock = [], 0.0
    for position, turn in enumerate(meeting["meeting_transcripts"]):
        text = " ".join(_MARKUP.sub(" ", str(turn.get("content", ""))).split())
        text = re.sub(r"\s+([.,?!'])", r"\1", text)  # "that 's great ." -> "that's great."
        seconds = max(0.5, len(text.split()) / WORDS_PER_SECOND)
        turns.append(Turn(position, str(turn.get("speaker", "")), False, clock, clock + seconds,
                          text))  # fmt: skip
        clock += seconds
    return CallTurns(turns, sides_known=False, duration=clock)


def summary_text(call: CallTurns, embed: Any = None) -> str:
    insights = extract_insights(call, InsightSettings(), said_on=lambda _: _TODAY,
                                owner_name="")  # fmt: skip
    summary = summarise(call, insights, embed=embed)
    return " ".join(item["quote"] for item in summary["summary"])


def lead_text(call: CallTurns, words: int) -> str:
    picked: list[str] = []
    for sentence in sentences_of(call.turns):
        if len(" ".join(picked).split()) >= words:
            break
        picked.append(sentence.text)
    return " ".join(picked)


def summary_reference(meeting: dict[str, Any]) -> str | None:
    for query in meeting.get("general_query_list", []):
        if _SUMMARY_QUERY.search(str(query.get("query", ""))):
            return str(query["answer"])
    return None


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="QMSum jsonl")
    parser.add_argument(
        "--centrality",
        choices=("minilm", "tfidf"),
        default="minilm",
        help="sentence vectors for centrality (the product uses MiniLM)",
    )
    parser.add_argument("--limit", type=int, default=0, help="at most this many meetings")
    args = parser.parse_args(argv)
    embed: Any = None  # TF-IDF
    if args.centrality == "minilm":
        from knowledge.embeddings import embed as minilm

        embed = minilm
    began = time.perf_counter()
    ours: list[dict[str, float]] = []
    lead: list[dict[str, float]] = []
    words: list[tuple[int, int]] = []
    for line in args.data.read_text(encoding="utf-8").splitlines():
        meeting = json.loads(line)
        reference = summary_reference(meeting)
        if reference is None:
            continue
        call = meeting_turns(meeting)
        text = summary_text(call, embed)
        ours.append(scores(text, reference))
        lead.append(scores(lead_text(call, len(text.split())), reference))
        words.append((len(text.split()), len(reference.split())))
        print(f"meeting {len(ours)}: R1 {ours[-1]['rouge1']:.3f} R2 {ours[-1]['rouge2']:.3f} "
              f"RL {ours[-1]['rougeL']:.3f} ({words[-1][0]} words; reference {words[-1][1]})",
              file=sys.stderr)  # fmt: skip
        if args.limit and len(ours) >= args.limit:
            break
    if not ours:
        raise SystemExit(f"{args.data}: no meeting has a 'summarize the whole meeting' query")

    def mean(rows: list[dict[str, float]], key: str) -> float:
        return round(sum(row[key] for row in rows) / len(rows), 4)

    result: dict[str, Any] = {key: mean(ours, key) for key in ("rouge1", "rouge2", "rougeL")}
    result |= {f"lead_{key}": mean(lead, key) for key in ("rouge1", "rouge2", "rougeL")}
    result |= {
        "meetings": len(ours),
        "summary_words": round(sum(w for w, _ in words) / len(words), 1),
        "reference_words": round(sum(r for _, r in words) / len(words), 1),
        "centrality": args.centrality,
        "tokens": "lowercase alphanumeric, no stemming",
        "seconds": round(time.perf_counter() - began, 1),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()

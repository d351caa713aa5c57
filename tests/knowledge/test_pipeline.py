"""Files in, calls out: real recordings made with espeak-ng are transcribed offline with the
shipped Whisper model, stored, analysed and indexed; bad files get a reason and do not stop the
good ones; deleting a call takes it out of the database and the index."""

from __future__ import annotations

import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

import knowledge.models  # noqa: F401
from knowledge.answers import answer_question, summarize
from knowledge.index import CallIndex
from knowledge.models import Call, CallAnalysis, CallParticipant, CallSegment
from knowledge.pipeline import IngestResult, delete_call, ingest_paths
from knowledge.settings import KnowledgeSettings, knowledge_settings
from sales import data
from sales.models import User
from tests.support.speech import SpokenTurn, espeak_available, synthesize_call

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed")

STARTED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
CALL = [
    (0, "Hello, thanks for taking the time today. I would like to walk you through our pricing "
        "for the sales team."),
    (1, "Honestly, the budget is a problem for us this year, and my manager has to approve it."),
    (0, "I understand. We offer a discount for larger teams, and the first month is free."),
    (1, "That sounds reasonable. Can you send me a written quote by Friday?"),
]  # fmt: skip


@dataclass
class World:
    engine: Engine
    settings: KnowledgeSettings
    index: CallIndex
    folder: Path

    def ingest(self, *paths: Path, **options: Any) -> list[IngestResult]:
        options.setdefault("owner_email", "sam@acme.example")
        return ingest_paths(sessionmaker(self.engine), list(paths), settings=self.settings,
                            index=self.index, **options)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("pipeline")
    url = f"sqlite:///{folder / 'calls.db'}"
    engine = create_engine(url)
    data.metadata.create_all(engine)
    data.import_records(engine, "users", [{"email": "sam@acme.example", "name": "Sam Patel"}],
                        "org")
    data.import_records(engine, "accounts", [{"name": "Globex", "domain": "globex.example"}],
                        "org")
    data.import_records(engine, "contacts", [
        {"email": "dana@globex.example", "first_name": "Dana", "last_name": "Scully",
         "account": "Globex"}], "org")  # fmt: skip
    settings = knowledge_settings({}, folder, url)
    yield World(engine, settings, CallIndex(settings), folder)
    engine.dispose()


@pytest.fixture(scope="module")
def stereo_call(world: World) -> tuple[Path, list[SpokenTurn]]:
    path = world.folder / "globex-pricing.wav"
    return path, synthesize_call(CALL, path, stereo=True)


def test_a_stereo_recording_becomes_a_call_that_answers_questions(
    world: World, stereo_call: tuple[Path, list[SpokenTurn]]
) -> None:
    path, spoken = stereo_call
    reported: list[tuple[float, float]] = []

    @contextmanager
    def progress(label: str) -> Iterator[Callable[[float, float], None]]:
        assert label == "Transcribing globex-pricing.wav"
        yield lambda done, total: reported.append((done, total))

    [result] = world.ingest(path, participants=["dana@globex.example"], started_at=STARTED,
                            progress=progress)
    assert result.error is None and result.created
    # The bar moves forward to the end: both channels, each the length of the call.
    assert [done for done, _ in reported] == sorted(done for done, _ in reported)
    assert reported[-1][0] == reported[-1][1] == pytest.approx(2 * (spoken[-1].end + 0.5), 0.01)
    with Session(world.engine) as session:
        call = session.get_one(Call, result.call_id)
        assert (call.source_kind, call.account.name if call.account else None) == ("audio",
                                                                                  "Globex")
        assert call.duration_seconds == pytest.approx(spoken[-1].end + 0.5, abs=0.1)
        assert call.started_at == STARTED
        # One speaker per channel: the rep's side is the owner, the other the customer.
        assert [s.speaker for s in call.segments] == ["Sam Patel", "Dana Scully"] * 2
        assert [s.participant.email for s in call.segments if s.participant] == [
            "sam@acme.example", "dana@globex.example"] * 2  # fmt: skip
        said = " ".join(s.text for s in call.segments).lower()
        for words in ("pricing", "budget is a problem", "manager", "discount", "quote"):
            assert words in said
        for segment, turn in zip(call.segments, spoken, strict=True):  # when it was said
            assert segment.start == pytest.approx(turn.start, abs=1.0)
            assert segment.end == pytest.approx(turn.end, abs=1.0)
        assert call.analysis is not None  # analysed once, at ingest
        sam = session.scalars(select(User)).one()
        answer = answer_question(session, user=sam, question="what did Dana say about budget?",
                                 settings=world.settings, now=NOW, index=world.index)
        assert answer.found
        assert "budget is a problem" in answer.text.lower()
        assert any(c.speaker == "Dana Scully" for c in answer.citations)


def test_a_recording_answers_insight_questions_and_is_summarized(
    world: World, stereo_call: tuple[Path, list[SpokenTurn]]
) -> None:
    """What was heard becomes the insights: objections, the quote asked for by Friday."""
    path, _ = stereo_call
    [result] = world.ingest(path, participants=["dana@globex.example"], started_at=STARTED)
    with Session(world.engine) as session:
        sam = session.scalars(select(User)).one()

        def ask(question: str) -> str:
            answer = answer_question(session, user=sam, question=question,
                                     settings=world.settings, now=NOW, index=world.index)
            assert answer.found and {c.call_id for c in answer.citations} == {result.call_id}
            return answer.text

        objections = ask("what objections came up on my last call?")
        assert "budget (1 mention)" in objections and "authority (1 mention)" in objections
        assert "\u2014 Dana Scully (Globex), 00:" in objections
        # "Can you send me a written quote by Friday?", said on Monday March 2: Sam owes it.
        assert "Sam Patel, due Fri, Mar 6:" in ask("what are the next steps on my last call?")
        summary = summarize(session, user=sam, settings=world.settings, now=NOW)
        assert summary.text.index("Customer impression:") < summary.text.index("Next steps:")
        assert "(Dana Scully (Globex), 00:" in summary.text


def test_a_mono_recording_has_no_speaker_separation(world: World) -> None:
    path = world.folder / "mono.wav"
    synthesize_call(CALL[:2], path, stereo=False)
    [with_customer] = world.ingest(path, participants=["dana@globex.example"])
    solo_path = world.folder / "pitch.wav"
    synthesize_call(CALL[2:3] * 2, solo_path, stereo=False)
    [solo] = world.ingest(solo_path, title="Pitch practice")
    with Session(world.engine) as session:
        speakers = {s.speaker for s in session.get_one(Call, with_customer.call_id).segments}
        assert speakers == {"Speaker"}
        # The owner alone: every word is theirs.
        pitch = session.get_one(Call, solo.call_id)
        assert {s.speaker for s in pitch.segments} == {"Sam Patel"}
        assert pitch.title == "Pitch practice"


def test_bad_files_get_reasons_and_the_good_ones_still_go_in(
    world: World, tmp_path: Path
) -> None:
    good = tmp_path / "notes.txt"
    good.write_text("Sam Patel: Hello Dana.\nDana Scully: Hi, Sam.\n", encoding="utf-8")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200)))
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    silent = write_wav(tmp_path / "silent.wav", np.zeros(16000 * 15))
    noise = write_wav(tmp_path / "hiss.flac.wav",
                      np.random.default_rng(1).normal(0, 0.01, 16000 * 12))
    short = tmp_path / "short.wav"
    synthesize_call([(0, "Hello there.")], short)
    slides = tmp_path / "slides.pdf"
    slides.write_bytes(b"%PDF-1.4")
    results = world.ingest(corrupt, empty, good, silent, noise, short, slides)
    reasons = {result.path.name: result.error for result in results}
    assert reasons["notes.txt"] is None
    assert reasons["corrupt.wav"].startswith("cannot decode the audio")  # type: ignore[union-attr]
    assert reasons["empty.mp3"] == "empty file"
    assert reasons["silent.wav"] == "silent: no sound in the recording"
    assert reasons["hiss.flac.wav"] == "no speech found in the recording"
    assert reasons["short.wav"].startswith("too short for a call")  # type: ignore[union-attr]
    assert reasons["slides.pdf"].startswith("unsupported file type .pdf")  # type: ignore[union-attr]
    assert all("\n" not in (reason or "") for reason in reasons.values())
    [notes] = [result for result in results if result.error is None]
    with Session(world.engine) as session:
        assert session.get_one(Call, notes.call_id).title == "notes"


def test_the_index_follows_ingest_and_delete(world: World, tmp_path: Path) -> None:
    path = tmp_path / "renewal.txt"
    path.write_text("Sam Patel: Your renewal is due in April.\n"
                    "Dana Scully: We want to add ten more seats at renewal.\n", encoding="utf-8")
    [result] = world.ingest(path, participants=["dana@globex.example"])
    [again] = world.ingest(path)
    assert again.call_id == result.call_id and not again.created
    call_id = result.call_id
    assert call_id is not None
    assert world.index.count(call_id) > 0
    with Session(world.engine) as session:
        assert delete_call(session, call_id, world.settings, world.index)
        assert not delete_call(session, call_id, world.settings, world.index)
    assert world.index.count(call_id) == 0
    with Session(world.engine) as session:
        for table in (CallSegment, CallParticipant):
            count = select(func.count()).select_from(table).where(table.call_id == call_id)
            assert session.scalar(count) == 0
        assert session.get(CallAnalysis, call_id) is None


def write_wav(path: Path, samples: np.ndarray) -> Path:  # type: ignore[type-arg]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path

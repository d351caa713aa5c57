"""A call's analysis on realistic transcripts: stats, insights, summary; stored, made once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

import knowledge.analysis as analysis
from knowledge.analysis import VERSION, analyse_call
from knowledge.models import Call, CallAnalysis, CallSegment
from knowledge.settings import knowledge_settings
from knowledge.talk_stats import INTERJECTION_SECONDS, longest_stretch, talk_stats
from knowledge.turns import CallTurns, Turn
from sales.models import Base
from tests.knowledge.calls_support import add_call, make_org

SETTINGS = knowledge_settings(
    {
        "insights": {
            "competitors": ["Gong", "Chorus", "Outreach"],
            "products": ["Call Explorer"],
            "trackers": {"Security": ["SOC 2", "security review", "questionnaire"]},
            "aliases": {"Call Explorer": ["explorer"]},
        }
    },
    Path("."),
)
# Monday Nov 18 2024, 09:00 in Los Angeles, where Sam works.
MONDAY_MORNING = datetime(2024, 11, 18, 17, 0, tzinfo=UTC)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        make_org(session)
        yield session
    engine.dispose()


@pytest.fixture
def globex(session: Session) -> Call:
    return add_call(session, "globex_discovery.vtt", owner="sam@acme.example",
                    title="Globex discovery call", started_at=MONDAY_MORNING,
                    account="Globex")  # fmt: skip


def turn(position: int, speaker: str, internal: bool, start: float, end: float) -> Turn:
    return Turn(position, speaker, internal, start, end, "words")


def test_talk_ratio_is_our_sides_share_of_all_talk(session: Session, globex: Call) -> None:
    stats = analyse_call(session, globex, SETTINGS).stats
    ours = sum(s.end - s.start for s in globex.segments if s.speaker == "Sam Patel")
    theirs = sum(s.end - s.start for s in globex.segments if s.speaker == "Ana Ruiz")
    assert stats["talk_ratio"]["talk"] == round(100 * ours / (ours + theirs))
    assert stats["talk_ratio"]["text"] == f"{stats['talk_ratio']['talk']}/" + str(
        100 - stats["talk_ratio"]["talk"]
    )
    assert stats["talk_seconds"]["Ana Ruiz"] == pytest.approx(theirs, abs=0.1)


def test_a_customer_story_survives_brief_interjections(session: Session, globex: Call) -> None:
    story = analyse_call(session, globex, SETTINGS).stats["longest_customer_story"]
    inside = [s for s in globex.segments
              if story["first_position"] <= s.position <= story["last_position"]]  # fmt: skip
    reps = [s for s in inside if s.speaker == "Sam Patel"]
    assert story["speaker"] == "Ana Ruiz"
    assert reps, "the story runs past the rep's 'Mm-hm.'"
    assert all(s.end - s.start <= INTERJECTION_SECONDS for s in reps)
    after = next(s for s in globex.segments if s.position == story["last_position"] + 1)
    assert after.speaker == "Sam Patel" and after.end - after.start > INTERJECTION_SECONDS


def test_stretch_rules_on_hand_made_turns() -> None:
    turns = [
        turn(0, "Rep", True, 0, 10),
        turn(1, "Ana", False, 10, 40),
        turn(2, "Rep", True, 40, 43),  # "right, right": an interjection
        turn(3, "Ben", False, 43, 60),  # Ana's colleague carries on the story
        turn(4, "Rep", True, 60, 90),  # a long pitch ends it
        turn(5, "Ana", False, 90, 95),
    ]
    story = longest_stretch(turns, lambda t: not t.internal, same_speaker=False)
    assert story is not None
    assert (story.first.position, story.last.position, story.seconds) == (1, 3, 50)
    assert story.speaker == "Ana"  # who talked most in it
    stats = talk_stats(CallTurns(turns, True, 95), question_count=0)
    assert stats["longest_monologue"]["speaker"] == "Rep"
    assert stats["longest_monologue"]["seconds"] == 30
    assert stats["talk_ratio"]["text"] == "45/55"  # 43 s of ours in 95 s of talk


def test_unknown_sides_give_no_ratio() -> None:
    turns = [turn(0, "Speaker 1", False, 0, 10), turn(1, "Speaker 2", False, 10, 20)]
    stats = talk_stats(CallTurns(turns, False, 20), question_count=0)
    assert stats["talk_ratio"] is None and stats["sides_known"] is False


def test_insights_are_pinned_to_who_said_what_when(session: Session, globex: Call) -> None:
    insights = analyse_call(session, globex, SETTINGS).insights
    gong = insights["competitors"]
    assert [(i["term"], i["speaker"], i["company"]) for i in gong] == [
        ("Gong", "Ana Ruiz", "Globex")
    ]
    segment = next(s for s in globex.segments if s.position == gong[0]["position"])
    assert gong[0]["quote"] in segment.text
    assert segment.start <= gong[0]["start"] <= segment.end
    assert {(i["category"], i["speaker"]) for i in insights["objections"]} == {
        ("budget", "Ana Ruiz"),
        ("authority", "Ana Ruiz"),
    }
    assert insights["moments"]["competitors"] == {"Gong": 1}
    assert insights["moments"]["products"] == {"Call Explorer": 1}  # "call explorer", any case


def test_next_steps_have_owner_and_due_date(session: Session, globex: Call) -> None:
    steps = analyse_call(session, globex, SETTINGS).insights["next_steps"]
    by_quote = {step["quote"]: step for step in steps}
    quote = next(q for q in by_quote if q.startswith("I'll send the revised quote"))
    assert by_quote[quote]["owner"] == "Sam Patel"
    assert by_quote[quote]["due"] == "2024-11-22"  # "by Friday", said on Monday the 18th
    hank = next(step for step in steps if step["owner"] == "Hank")
    assert hank["due"] is None  # nothing said about when: no date is guessed
    meeting = next(step for step in steps if "next Tuesday" in step["quote"])
    assert (meeting["owner"], meeting["due"]) == ("both sides", "2024-11-26")


def test_pricing_mentions_carry_the_amounts(session: Session, globex: Call) -> None:
    pricing = analyse_call(session, globex, SETTINGS).insights["pricing"]
    amounts = [amount for item in pricing for amount in item["amounts"]]
    assert "forty five dollars per seat per month" in amounts
    assert "fifteen percent discount" in amounts


def test_custom_trackers_count_each_keyword(session: Session) -> None:
    call = add_call(session, "initech_review.vtt", owner="jane@acme.example",
                    title="Initech pilot review", started_at=MONDAY_MORNING)  # fmt: skip
    insights = analyse_call(session, call, SETTINGS).insights
    counts = insights["moments"]["trackers"]["Security"]
    said = " ".join(s.text for s in call.segments).lower()
    assert counts["SOC 2"] == len([s for s in _sentences(call) if "soc 2" in s.lower()])
    assert counts["security review"] >= 3 and "questionnaire" not in said


def test_the_summary_has_three_sections_from_the_call(session: Session, globex: Call) -> None:
    summary = analyse_call(session, globex, SETTINGS).summary
    impression = summary["customer_impression"]
    assert impression["label"] == "positive"
    assert impression["evidence"][0]["speaker"] == "Ana Ruiz"
    picked = summary["summary"]
    assert 5 <= len(picked) <= 8
    assert [item["start"] for item in picked] == sorted(item["start"] for item in picked)
    transcript = " ".join(s.text for s in globex.segments)
    assert all(item["quote"] in transcript for item in picked)
    # What matters in a sales call is in it: the budget objection and the approval.
    assert any("budget" in item["quote"] for item in picked)
    steps = summary["next_steps"]
    assert any(step["due"] == "2024-11-22" for step in steps)
    assert not {s["quote"] for s in steps} & {i["quote"] for i in picked}  # no repeats


def test_analysis_is_computed_once(
    session: Session, globex: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = analyse_call(session, globex, SETTINGS)
    session.commit()

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("recomputed")

    monkeypatch.setattr(analysis, "compute_analysis", fail)
    again = analyse_call(session, globex, SETTINGS)
    assert again is first and again.version == VERSION
    assert session.scalar(select(func.count()).select_from(CallAnalysis)) == 1


def test_an_analysis_of_another_version_is_recomputed(session: Session, globex: Call) -> None:
    stored = analyse_call(session, globex, SETTINGS)
    stored.version = "rules-0"
    stored.insights = {}
    session.flush()
    fresh = analyse_call(session, globex, SETTINGS)
    assert fresh.version == VERSION and fresh.insights["competitors"]


def test_a_call_without_segments_is_analysed_empty(session: Session) -> None:
    call = add_call(session, "globex_intro.txt", owner="sam@acme.example", title="Intro",
                    started_at=MONDAY_MORNING)  # fmt: skip
    for segment in list(call.segments):
        session.delete(segment)
    session.flush()
    session.expire(call)
    stored = analyse_call(session, call, SETTINGS)
    assert stored.summary["summary"] == [] and stored.stats["talk_ratio"] is None
    assert session.scalar(select(func.count()).select_from(CallSegment)) == 0


def _sentences(call: Call) -> list[str]:
    from knowledge.text import split_sentences

    return [s for segment in call.segments for s in split_sentences(segment.text)]

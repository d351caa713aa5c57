"""The rules behind insights, one sentence at a time: objections, next steps, due dates, periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from knowledge.due_dates import read_due_date
from knowledge.insights import is_question
from knowledge.next_steps import commitment_in
from knowledge.objections import objections_in
from knowledge.periods import read_period
from knowledge.question_kinds import classify
from knowledge.settings import knowledge_settings
from knowledge.text import split_sentences

MONDAY = date(2024, 11, 18)


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("I need to run this by my VP first.", "authority"),  # spec AT14
        ("Not this quarter, maybe Q3.", "timing"),  # spec AT14
        ("Honestly that's a bit steep for us.", "budget"),
        ("We don't have the budget this year.", "budget"),
        ("Our CFO has to sign off on anything over fifty thousand.", "authority"),
        ("We already have Gong for that.", "need"),
        ("We're happy with our current setup.", "need"),
        ("Let's hold off until after the renewal.", "timing"),
        ("We can't do it, it's too expensive.", "budget"),  # the "can't" is another clause
    ],
)
def test_an_objection_is_classified(sentence: str, category: str) -> None:
    assert [found for found, _ in objections_in(sentence)] == [category]


@pytest.mark.parametrize(
    "sentence",
    [
        "It's not too expensive.",
        "I don't think budget is tight.",
        "Price is not a concern.",
        "Budget is not the issue here.",
        "No need to apologize.",
        "Our CFO has been great.",
        "We're planning to roll it out to everyone next year.",
    ],
)
def test_a_negated_or_harmless_sentence_is_no_objection(sentence: str) -> None:
    assert objections_in(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "owner_kind", "named"),
    [
        ("I'll send the revised quote by Friday.", "speaker", None),
        ("We will set up the pilot next week.", "speaker", None),
        ("Can you send me a quote by Friday?", "other_side", None),  # spec AT13
        ("Send me a short business case and I'll take it to our CEO.", "other_side", None),
        ("Let's meet next Tuesday with Hank.", "both", None),
        ("And Hank will send you the legal terms before the demo.", "named", "Hank"),
    ],
)
def test_a_commitment_has_an_owner(sentence: str, owner_kind: str, named: str | None) -> None:
    commitment = commitment_in(sentence)
    assert commitment is not None
    assert (commitment.owner_kind, commitment.named) == (owner_kind, named)


@pytest.mark.parametrize(
    "sentence",
    [
        "I won't be able to send it this week.",
        "Could you walk me through your current process?",  # a discovery question, not a task
        "I'm glad we could get this on the calendar.",
        "Reps can just ask the bot in Slack.",
    ],
)
def test_no_commitment(sentence: str) -> None:
    assert commitment_in(sentence) is None


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("I'll send it by Friday", date(2024, 11, 22)),
        ("let's meet next Tuesday", date(2024, 11, 26)),  # the following calendar week
        ("this Tuesday works", date(2024, 11, 19)),
        ("on Monday", date(2024, 11, 25)),  # said on a Monday: a week on
        ("I'll call you tomorrow", date(2024, 11, 19)),
        ("within two weeks", date(2024, 12, 2)),
        ("by the end of the week", date(2024, 11, 22)),
        ("by the end of the month", date(2024, 11, 30)),
        ("on November 20th", date(2024, 11, 20)),
        ("by Nov 1", date(2025, 11, 1)),  # already past this year
        ("by the 25th", date(2024, 11, 25)),
        ("the 5th works", date(2024, 12, 5)),
        ("send it today", date(2024, 11, 18)),
    ],
)
def test_due_dates_are_read_relative_to_the_day_said(phrase: str, due: date) -> None:
    found = read_due_date(phrase, MONDAY)
    assert found is not None and found.day == due


def test_no_due_date_is_guessed() -> None:
    assert read_due_date("I'll send the deck soon", MONDAY) is None
    assert read_due_date("we had 3 days of training", MONDAY) is None


def test_questions_need_a_question_mark_unless_there_is_no_punctuation() -> None:
    assert is_question("How many seats do you need?")
    assert not is_question("Right?")  # a tag, not a question
    assert not is_question("How many seats do you need")
    assert is_question("how many seats do you need", punctuated=False)
    assert not is_question("we need forty seats", punctuated=False)


def test_sentences_keep_abbreviations_and_amounts_whole() -> None:
    text = "We met Dr. Lee on Monday. It costs $45.50 per seat! Does that work? Yes."
    assert split_sentences(text) == [
        "We met Dr. Lee on Monday.",
        "It costs $45.50 per seat!",
        "Does that work?",
        "Yes.",
    ]


THURSDAY_EVENING_UTC = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)  # Thu 19:00 in Los Angeles
_LA = ZoneInfo("America/Los_Angeles")
_tiny = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("question", "first", "last"),
    [
        ("did anyone mention Gong this week?", "2024-11-18", "2024-11-21"),
        ("calls last week", "2024-11-11", "2024-11-17"),
        ("which competitors came up this month?", "2024-11-01", "2024-11-21"),
        ("what happened on Nov 18", "2024-11-18", "2024-11-18"),
        ("calls since Monday", "2024-11-18", "2024-11-21"),
        ("calls between Nov 1 and Nov 15", "2024-11-01", "2024-11-15"),
        ("in the last 3 days", "2024-11-19", "2024-11-21"),
        ("in October", "2024-10-01", "2024-10-31"),
        ("on Tuesday", "2024-11-19", "2024-11-19"),
        ("yesterday", "2024-11-20", "2024-11-20"),
    ],
)
def test_a_period_is_read_in_the_askers_time_zone(question: str, first: str, last: str) -> None:
    period = read_period(question, THURSDAY_EVENING_UTC, "America/Los_Angeles")
    assert period is not None
    local_start = period.start.astimezone(_LA)
    local_end = period.end.astimezone(_LA)
    assert local_start.date().isoformat() == first and local_start.hour == 0
    # The period ends at the end of its last day, or now when that is earlier.
    assert (local_end - _tiny).date().isoformat() == last


def test_no_period_when_none_is_named() -> None:
    assert read_period("what did they say about pricing on my last call?", THURSDAY_EVENING_UTC,
                       "UTC") is None  # fmt: skip


SETTINGS = knowledge_settings(
    {"insights": {"competitors": ["Gong"], "products": ["Call Explorer"],
                  "trackers": {"Security": ["SOC 2"]}, "aliases": {"Gong": ["gong.io"]}}},
    Path("."),
).insights  # fmt: skip


@pytest.mark.parametrize(
    ("question", "kind", "terms"),
    [
        ("did anyone mention Gong this week?", "competitors", ("Gong",)),
        ("did anyone bring up gong.io?", "competitors", ("Gong",)),  # an alias
        ("which competitors came up on my team's calls this month?", "competitors", ()),
        ("what objections came up with Globex?", "objections", ()),
        ("what did they say about pricing on my last call?", "pricing", ()),
        ("what are the next steps from my last call?", "next_steps", ()),
        ("did SOC 2 come up?", "trackers", ("SOC 2",)),
        ("what was my talk ratio?", "stats", ()),
        ("did anyone mention the migration plan?", "mention", ("migration plan",)),
        ("any blockers on my call with Initech?", "search", ()),
        ("what did Ana say about security?", "search", ()),  # a tracker's name alone
    ],
)
def test_question_kinds(question: str, kind: str, terms: tuple[str, ...]) -> None:
    found = classify(question, SETTINGS)
    assert (found.kind, found.terms) == (kind, terms)


def test_an_objection_question_may_name_a_category() -> None:
    assert classify("any budget objections?", SETTINGS).category == "budget"
    assert classify("any pushback on timing?", SETTINGS).category == "timing"

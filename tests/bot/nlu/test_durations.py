import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlu.durations import extract_durations

MINUTE, HOUR, DAY, WEEK = 60, 3600, 86_400, 604_800


@pytest.mark.parametrize(
    ("text", "seconds", "unit", "amount", "span"),
    [
        ("book 30 minutes with jane", 30 * MINUTE, "minute", 30, "30 minutes"),
        ("half an hour is enough", 30 * MINUTE, "hour", 0.5, "half an hour"),
        ("an hour and a half", 90 * MINUTE, "hour", 1.5, "an hour and a half"),
        ("two and a half hours", 150 * MINUTE, "hour", 2.5, "two and a half hours"),
        ("pause it for 2 weeks", 2 * WEEK, "week", 2, "2 weeks"),
        ("90 mins", 90 * MINUTE, "minute", 90, "90 mins"),
        ("a 45-minute demo", 45 * MINUTE, "minute", 45, "45-minute"),
        ("1 hour and 30 minutes", 90 * MINUTE, "minute", 90, "1 hour and 30 minutes"),
        ("2 hours, 15 minutes", 135 * MINUTE, "minute", 135, "2 hours, 15 minutes"),
        ("a couple of days", 2 * DAY, "day", 2, "a couple of days"),
        ("twenty five minutes", 25 * MINUTE, "minute", 25, "twenty five minutes"),
        ("a quarter of an hour", 15 * MINUTE, "hour", 0.25, "a quarter of an hour"),
        ("a 2h workshop", 2 * HOUR, "hour", 2, "2h"),
        ("30 seconds", 30, "second", 30, "30 seconds"),
        ("a month", 30 * DAY, "month", 1, "a month"),
    ],
)
def test_duration_value_unit_and_span(text, seconds, unit, amount, span):
    [duration] = extract_durations(text)
    assert duration["entity"] == "duration"
    assert duration["value"] == seconds
    assert isinstance(duration["value"], int)
    assert duration["additional_info"] == {"unit": unit, "amount": amount}
    assert text[duration["start"] : duration["end"]] == span


@pytest.mark.parametrize(
    "text",
    [
        "in two weeks",  # a point in time
        "within 3 days",
        "over the next 2 weeks",
        "3 days ago",
        "two weeks from now",
        "are you 16 years old",  # an age
        "twice a day",  # rates
        "5 emails a day",
        "give me a second",
        "the second call",
        "top 10 accounts",
    ],
)
def test_not_a_duration(text):
    assert extract_durations(text) == []


def test_for_two_weeks_is_a_duration():
    [duration] = extract_durations("snooze it for two weeks")
    assert duration["value"] == 2 * WEEK


@given(st.integers(min_value=1, max_value=500), st.sampled_from(["minutes", "hours", "days"]))
def test_any_count_of_a_unit_is_that_many_units(count, unit):
    [duration] = extract_durations(f"about {count} {unit} please")
    per = {"minutes": MINUTE, "hours": HOUR, "days": DAY}[unit]
    assert duration["value"] == count * per
    assert duration["additional_info"]["amount"] == count

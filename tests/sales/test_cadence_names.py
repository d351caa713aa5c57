"""Names said in chat are matched word by word, so one person is never taken for another."""

from __future__ import annotations

import pytest

from sales.cadence_targets import NAME_CUTOFF, name_score


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("Dana", "Dana Ortiz"),
        ("ortiz", "Dana Ortiz"),
        ("Cy Yung", "Cy Young"),  # a typo in a longer word
        ("Priya Sha", "Priya Shah"),  # a short word cut off
        ("dana ortiz", "Dana  Ortiz"),
    ],
)
def test_a_name_said_loosely_still_matches(said: str, name: str) -> None:
    assert name_score(said, name) >= NAME_CUTOFF


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("Ana", "Dana Ortiz"),  # a piece of another name is not that name
        ("Tim Baker", "Tom Baker"),  # another first name
        ("Al", "Alan Price"),  # two letters start too many names
        ("", "Dana Ortiz"),
    ],
)
def test_another_persons_name_does_not_match(said: str, name: str) -> None:
    assert name_score(said, name) < NAME_CUTOFF

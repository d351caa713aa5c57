"""Record names in messages: loose, misspelt and ambiguous mentions of records that exist."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

import pytest

from bot.nlu.records import RecordNameExtractor, merge_record_entities, training_vocabulary
from bot.nlu.training_data import parse_examples

NAMES: dict[str, list[Any]] = {
    "account": [
        {"name": "Globex Corporation", "id": 1, "aliases": ["globex.example"]},
        {"name": "Initech", "id": 2},
        {"name": "Outbound Labs", "id": 3},
    ],
    "contact": [
        {"name": "Jane Smith", "id": 10, "aliases": ["jane@globex.example"]},
        {"name": "Jane Doe", "id": 11, "aliases": ["jdoe@initech.example"]},
        {"name": "José Álvarez", "id": 12},
    ],
    "user": [{"name": "Will Turner", "id": 20}, {"name": "May Chen", "id": 21}],
    "cadence": [{"name": "Q4 Outbound", "id": 30}, {"name": "Q3 Outbound 30", "id": 31}],
    "list": ["Dreamforce webinar"],  # a plugin may give bare names
}
# What the project's examples say: ordinary words, never names.
EXAMPLES = parse_examples(
    """
    - book a meeting with [Jane](person) next week
    - how is the deal going
    - enroll the list into a cadence
    - what did they say about outbound
    """,
    "any",
)


@pytest.fixture(scope="module")
def extractor() -> RecordNameExtractor:
    return RecordNameExtractor(NAMES, training_vocabulary(EXAMPLES))


def found(extractor: RecordNameExtractor, text: str) -> list[tuple[str, str, str]]:
    """(kind, canonical name, the words of the message) of each record name found."""
    return [
        (entity["entity"], entity["value"], text[entity["start"] : entity["end"]])
        for entity in extractor.extract(text)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Filler around a partial name: the span is the name's words only.
        ("how is the Globex deal going", [("account", "Globex Corporation", "Globex")]),
        ("GLOBEX CORPORATION renewal", [("account", "Globex Corporation", "GLOBEX CORPORATION")]),
        ("what did initec say", [("account", "Initech", "initec")]),  # one typo
        ("email jose alvarez", [("contact", "José Álvarez", "jose alvarez")]),  # accents
        ("enroll them into q4 outbound", [("cadence", "Q4 Outbound", "q4 outbound")]),
        ("add them to the dreamforce list", [("list", "Dreamforce webinar", "dreamforce")]),
        ("send it to jane@globex.example", [("contact", "Jane Smith", "jane@globex.example")]),
        ("the globex.example domain", [("account", "Globex Corporation", "globex.example")]),
    ],
)
def test_names_written_loosely_are_found(extractor, text, expected):
    assert found(extractor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "will you book a meeting",  # "Will Turner" is a user, but "will" is a common word
        "Will you book a meeting",  # capitalised only because it starts the sentence
        "May I ask something",
        "book with may tomorrow",  # no capital: the word, not the name
        "a deal with Neal",  # four letters: too short for a typo match
        "what did they say about outbound",  # a word of the examples: no capital, no name
        "book 30 minutes",  # numbers are not names ("Q3 Outbound 30")
        "mail bob@globex.example",  # someone else's address does not name the account
        "hello there",
        "",
    ],
)
def test_common_words_are_not_names(extractor, text):
    assert found(extractor, text) == []


def test_a_capital_in_mid_sentence_is_a_cue_for_a_name_made_of_common_words(extractor):
    assert found(extractor, "ask Will about it") == [("user", "Will Turner", "Will")]
    assert found(extractor, "book with May tomorrow") == [("user", "May Chen", "May")]


def test_a_name_matching_two_records_equally_lists_both_candidates(extractor):
    [entity] = extractor.extract("book with jane")
    assert entity["entity"] == "contact"
    candidates = entity["additional_info"]["candidates"]
    assert sorted((c["value"], c["id"]) for c in candidates) == [
        ("Jane Doe", 11), ("Jane Smith", 10),
    ]
    assert entity["value"] == candidates[0]["value"]


def test_a_full_name_is_not_ambiguous_and_carries_its_id_and_score(extractor):
    [entity] = extractor.extract("book with Jane Smith")
    assert entity["value"] == "Jane Smith"
    assert entity["extractor"] == "RecordNameExtractor"
    assert entity["additional_info"] == {"score": 1.0, "id": 10}


def test_an_exact_name_scores_above_a_partial_one_and_a_typo(extractor):
    def score(text: str) -> float:
        [entity] = extractor.extract(text)
        return float(entity["additional_info"]["score"])

    assert score("initech") == 1.0
    assert score("globex corporation") == 1.0
    assert 0 < score("initec") < 1.0
    assert 0 < score("globex") < 1.0


def test_a_longer_name_of_another_kind_hides_a_name_inside_it(extractor):
    # "Outbound Labs" is an account, but here "outbound" is part of the cadence's name.
    assert found(extractor, "how is Q4 Outbound doing") == [
        ("cadence", "Q4 Outbound", "Q4 Outbound"),
    ]


def test_without_names_nothing_is_found():
    assert RecordNameExtractor({}).extract("how is the Globex deal going") == []


def test_the_training_vocabulary_leaves_out_annotated_values():
    vocabulary = training_vocabulary(EXAMPLES)
    assert {"book", "meeting", "deal", "outbound"} <= vocabulary
    assert "jane" not in vocabulary


# -- merging with the NLU's entities --------------------------------------------------------------


def entity(kind: str, start: int, end: int, extractor: str = "x") -> dict[str, Any]:
    return {"entity": kind, "value": kind, "start": start, "end": end, "extractor": extractor}


def test_a_record_name_beats_a_guess_of_its_own_kind_even_a_longer_one():
    learned = entity("account", 0, 11, "LearnedEntityExtractor")  # "Globex deal"
    record = entity("account", 0, 6, "RecordNameExtractor")  # "Globex"
    assert merge_record_entities([learned], [record]) == [record]


def test_a_longer_entity_of_another_kind_wins_and_equal_spans_keep_both():
    time_entity = entity("time", 0, 2)  # "q4" as a quarter
    cadence = entity("cadence", 0, 11)  # "q4 outbound"
    assert merge_record_entities([time_entity], [cadence]) == [cadence]
    email = entity("email", 5, 24)
    contact = entity("contact", 5, 24)
    assert merge_record_entities([email], [contact]) == [email, contact]
    url = entity("url", 0, 30)
    account = entity("account", 8, 14)  # a name inside a link is not a mention
    assert merge_record_entities([url], [account]) == [url]


# -- scale ----------------------------------------------------------------------------------------


def synthetic_names(count: int) -> dict[str, list[Any]]:
    rng = random.Random(7)
    syllables = ["ka", "lo", "mi", "ter", "ex", "glo", "bex", "ini", "tech", "ac", "me", "zo",
                 "ran", "vel", "dor", "pix", "qua", "sol", "tri", "nex"]

    def word(parts: int) -> str:
        return "".join(rng.choice(syllables) for _ in range(parts)).title()

    firsts = [word(2) for _ in range(300)] + ["Jane", "Sam", "Maria"]
    lasts = [word(3) for _ in range(800)]
    suffixes = ["", " Inc", " Corporation", " Labs", " Group"]
    third = count // 3
    return {
        "account": [{"name": word(3) + rng.choice(suffixes), "id": i} for i in range(third)],
        "contact": [{"name": f"{rng.choice(firsts)} {rng.choice(lasts)}", "id": i,
                     "aliases": [f"c{i}@x.example"]} for i in range(third)],
        "lead": [{"name": f"{rng.choice(firsts)} {rng.choice(lasts)}", "id": i}
                 for i in range(count - 2 * third)],
    }


def test_ten_thousand_names_parse_in_well_under_a_millisecond():
    names = synthetic_names(10_000)
    extractor = RecordNameExtractor(names)
    contact = names["contact"][5]["name"]
    messages = [
        "book 30 minutes with jane next week",
        "what did globex say about pricing on the last call",
        "enroll the dreamforce leads into q4 outbound for sam",
        "what's due today?",
        f"send the deck to {contact}",
        "which competitors came up on my team's calls this month?",
    ]
    assert ("contact", contact, contact) in found(extractor, f"send the deck to {contact}")
    durations = []
    for _ in range(30):
        for message in messages:
            started = time.perf_counter()
            extractor.extract(message)
            durations.append(time.perf_counter() - started)
    assert statistics.median(durations) < 0.001

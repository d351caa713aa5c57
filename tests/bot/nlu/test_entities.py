import pytest

from bot.nlu.entities import (
    extract_amounts,
    extract_emails,
    extract_numbers,
    extract_phones,
    extract_rules,
    extract_urls,
    merge_entities,
)
from bot.nlu.lookup import LookupExtractor
from bot.nlu.training_data import parse_examples


def values(entities):
    return [entity["value"] for entity in entities]


def test_email_spans_and_values():
    text = "write to Jane.Doe+sales@acme.co.uk, or ops@acme.example."
    found = extract_emails(text)
    assert values(found) == ["Jane.Doe+sales@acme.co.uk", "ops@acme.example"]
    assert text[found[0]["start"] : found[0]["end"]] == "Jane.Doe+sales@acme.co.uk"
    assert found[0]["entity"] == "email"
    assert extract_emails("no address @ here") == []


def test_urls_with_and_without_scheme_drop_trailing_punctuation():
    text = "see https://acme.com/pricing?plan=pro. Or www.acme.io, or docs.acme.dev/start)"
    assert values(extract_urls(text)) == [
        "https://acme.com/pricing?plan=pro",
        "www.acme.io",
        "docs.acme.dev/start",
    ]
    assert extract_urls("the end. Then more") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call +44 20 7946 0958 today", "+442079460958"),
        ("call +44 (0)20 7946 0958 today", "+442079460958"),
        ("call 0044 20 7946 0958", "+442079460958"),
        ("call +1 (555) 123-4567", "+15551234567"),
        ("call (555) 123-4567", "+15551234567"),
        ("call 555-123-4567", "+15551234567"),
        ("call 555.123.4567", "+15551234567"),
        ("call 1 555 123 4567", "+15551234567"),
        ("call 5551234567", "+15551234567"),
        ("call 15551234567", "+15551234567"),
    ],
)
def test_phone_formats_normalise_to_e164(text, value):
    [phone] = extract_phones(text)
    assert phone["value"] == value
    assert phone["additional_info"]["e164"] is True
    assert phone["additional_info"]["raw"] == text[phone["start"] : phone["end"]]


def test_a_number_without_a_known_country_keeps_its_digits():
    [phone] = extract_phones("ring 0123456789")
    assert phone["value"] == "0123456789"
    assert phone["additional_info"]["e164"] is False


@pytest.mark.parametrize("text", ["call 555-123-4567 x204", "call 555-123-4567, ext. 204"])
def test_phone_extension_is_kept_apart(text):
    [phone] = extract_phones(text)
    assert phone["value"] == "+15551234567"
    assert phone["additional_info"]["extension"] == "204"
    assert text[phone["end"] - 3 : phone["end"]] == "204"


def test_short_numbers_and_dates_are_not_phones():
    assert extract_phones("we have 12 seats and 2024-03-20 is the day") == []


def test_numbers_digits_and_words():
    text = "3 seats, 1,500 users, 2.5 hours, twenty-five or forty two, twelve, -4"
    assert values(extract_numbers(text)) == [3, 1500, 2.5, 25, 42, 12, -4]
    assert isinstance(values(extract_numbers("7"))[0], int)


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("twenty five reps", 25, "twenty five"),
        ("one hundred and ten leads", 110, "one hundred and ten"),
        ("two thousand five hundred contacts", 2500, "two thousand five hundred"),
        ("a dozen accounts", 12, "a dozen"),
        ("a hundred people", 100, "a hundred"),
        ("2.5k contacts", 2500, "2.5k"),
        ("5K emails", 5000, "5K"),
        ("1.2 million users", 1_200_000, "1.2 million"),
        ("1,200 seats", 1200, "1,200"),
    ],
)
def test_number_forms(text, value, span):
    [number] = extract_numbers(text)
    assert number["value"] == value
    assert text[number["start"] : number["end"]] == span


@pytest.mark.parametrize(
    "text", ["the 5th call", "at 3pm", "Q4 outbound", "at 10:30", "v2", "a meeting",
             "the second call", "2h"],
)
def test_ordinals_times_and_names_hold_no_number(text):
    assert extract_numbers(text) == []


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("a budget of $5k", 5000.0, "USD"),
        ("about 5,000 USD", 5000.0, "USD"),
        ("5,000 dollars", 5000.0, "USD"),
        ("€200 a month", 200.0, "EUR"),
        ("€20", 20.0, "EUR"),
        ("20 EUR", 20.0, "EUR"),
        ("USD 1.2m", 1_200_000.0, "USD"),
        ("300 dollars", 300.0, "USD"),
        ("£1.5 million", 1_500_000.0, "GBP"),
        ("$ 99.99", 99.99, "USD"),
        ("40k eur", 40_000.0, "EUR"),
        ("$2.5M ARR", 2_500_000.0, "USD"),
        ("five thousand dollars", 5000.0, "USD"),
        ("twenty euros", 20.0, "EUR"),
        ("a 2.5m deal", 2_500_000.0, None),
        ("3bn in pipeline", 3_000_000_000.0, None),
    ],
)
def test_money(text, amount, currency):
    [money] = extract_amounts(text)
    assert money["entity"] == "amount_of_money"
    assert money["value"] == {"amount": pytest.approx(amount), "currency": currency}


@pytest.mark.parametrize("text", ["we have 500 seats", "5k contacts", "top 10 accounts"])
def test_plain_numbers_are_not_money(text):
    assert extract_amounts(text) == []


def test_merge_keeps_the_whole_thing_not_its_fragments():
    text = "budget $5k, call 555-123-4567"
    merged = merge_entities(extract_rules(text))
    assert [(e["entity"], text[e["start"] : e["end"]]) for e in merged] == [
        ("amount_of_money", "$5k"),
        ("phone", "555-123-4567"),
    ]


def test_merge_prefers_earlier_groups_on_equal_spans():
    first = {"entity": "guests", "value": "3", "start": 0, "end": 1}
    second = {"entity": "number", "value": 3, "start": 0, "end": 1}
    assert merge_entities([first], [second]) == [first]


def test_lookup_from_annotations_matches_case_insensitively_on_word_boundaries():
    examples = parse_examples(
        "- show me [Acme Corp](account)\n"
        '- what about [NYC]{"entity": "city", "value": "New York"}\n'
        '- fly from [Boston]{"entity": "city", "role": "departure"}',
        "ask",
    )
    lookup = LookupExtractor.from_examples(examples)
    text = "ACME corp and nyc, not acme corporation; also new york and boston"
    found = lookup.extract(text)
    assert [(text[e["start"] : e["end"]], e["entity"], e["value"]) for e in found] == [
        ("ACME corp", "account", "Acme Corp"),
        ("nyc", "city", "New York"),
        ("new york", "city", "New York"),
        ("boston", "city", "Boston"),
    ]
    assert found[-1]["role"] == "departure"
    assert "role" not in found[0]


def test_lookup_prefers_the_longest_known_name():
    lookup = LookupExtractor.from_values("account", ["Acme", "Acme Labs"])
    [found] = lookup.extract("renew acme labs")
    assert found["value"] == "Acme Labs"


def test_lookup_from_values_with_synonyms_and_merge():
    accounts = LookupExtractor.from_values("account", {"globex": "Globex Corporation"})
    people = LookupExtractor.from_values("person", ["Jane"])
    both = accounts.merged(people)
    assert values(both.extract("jane at globex")) == ["Jane", "Globex Corporation"]
    assert LookupExtractor({}).extract("anything") == []

import pytest

from bot.nlu.training_data import EntitySpan, TrainingDataError, TrainingExample, parse_examples


def test_plain_examples_skip_blank_lines():
    block = "- hello\n\n   \n- good morning  \n"
    assert parse_examples(block, "greet") == [
        TrainingExample("hello", "greet"),
        TrainingExample("good morning", "greet"),
    ]


def test_short_annotation_gives_plain_text_and_span():
    [example] = parse_examples("- book a call with [Jane](person) please", "book")
    assert example.text == "book a call with Jane please"
    assert example.entities == (EntitySpan("person", "Jane", 17, 21),)
    span = example.entities[0]
    assert example.text[span.start : span.end] == "Jane"


def test_json_annotation_with_synonym_value():
    [example] = parse_examples('- fly to [NYC]{"entity": "city", "value": "New York"}', "fly")
    assert example.text == "fly to NYC"
    assert example.entities == (EntitySpan("city", "New York", 7, 10),)


def test_old_colon_synonym_form():
    [example] = parse_examples("- fly to [NYC](city:New York)", "fly")
    assert example.entities == (EntitySpan("city", "New York", 7, 10),)


def test_roles_groups_and_several_annotations_on_one_line():
    block = (
        '- from [Berlin]{"entity": "city", "role": "departure", "group": "1"} '
        'to [Paris]{"entity": "city", "role": "destination"}'
    )
    [example] = parse_examples(block, "fly")
    assert example.text == "from Berlin to Paris"
    assert example.entities == (
        EntitySpan("city", "Berlin", 5, 11, role="departure", group="1"),
        EntitySpan("city", "Paris", 15, 20, role="destination"),
    )


def test_list_annotation_puts_two_entities_on_one_span():
    [example] = parse_examples('- call [Acme][{"entity": "account"}, {"entity": "org"}]', "call")
    assert example.text == "call Acme"
    assert [span.entity for span in example.entities] == ["account", "org"]
    assert all((span.start, span.end) == (5, 9) for span in example.entities)


def test_json_value_with_brackets_inside_a_string():
    [example] = parse_examples('- [x]{"entity": "e", "value": "a ) } ] b"} y', "i")
    assert example.text == "x y"
    assert example.entities[0].value == "a ) } ] b"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("- book with [Jane(person)", "unclosed '['"),
        ("- book with [Jane](person", "unclosed '('"),
        ("- book with [Jane] now", "[Jane] needs (entity)"),
        ("- book with Jane](person)", "no matching '['"),
        ('- book with [Jane]{"entity": person}', "not valid JSON"),
        ('- book with [Jane]{"value": "J"}', 'needs an "entity"'),
        ("- book with [Jane]()", "empty entity name"),
        ("book with Jane", "starting with '- '"),
    ],
)
def test_errors_name_the_example_and_the_problem(line, problem):
    with pytest.raises(TrainingDataError) as raised:
        parse_examples(f"- fine\n{line}", "book", source="flows/meetings.yml")
    message = str(raised.value)
    assert problem in message
    assert "flows/meetings.yml" in message
    assert "intent 'book'" in message
    assert "line 2" in message
    assert line.lstrip("- ") in message

"""Passages over a call's turns: at most four consecutive turns, overlapping, long turns cut."""

from __future__ import annotations

import pytest

from knowledge.chunks import Turn, chunk_turns


def turns(count: int, words: int = 5) -> list[Turn]:
    speakers = ["Sam Patel", "Ana Ruiz (Globex)"]
    return [
        Turn(i, speakers[i % 2], 10.0 * i, 10.0 * i + 8,
             " ".join(f"w{i}x{j}" for j in range(words)))
        for i in range(count)
    ]


def test_a_passage_holds_at_most_four_consecutive_turns_and_windows_overlap() -> None:
    chunks = chunk_turns(turns(10), window=4, stride=2)
    spans = [(c.first_position, c.last_position) for c in chunks]
    assert spans == [(0, 3), (2, 5), (4, 7), (6, 9)]
    # Every turn is in some passage, and each boundary between turns is inside one.
    covered = {p for a, b in spans for p in range(a, b + 1)}
    assert covered == set(range(10))
    assert all(any(a <= i and i + 1 <= b for a, b in spans) for i in range(9))


def test_stride_one_starts_a_passage_at_every_turn_without_tail_copies() -> None:
    spans = [(c.first_position, c.last_position) for c in chunk_turns(turns(6), stride=1)]
    assert spans == [(0, 3), (1, 4), (2, 5)]


def test_passage_text_names_the_speakers_and_carries_times_and_positions() -> None:
    chunk = chunk_turns(turns(4), window=4, stride=2)[0]
    lines = chunk.text.split("\n")
    assert lines[0] == "Sam Patel: w0x0 w0x1 w0x2 w0x3 w0x4"
    assert lines[1].startswith("Ana Ruiz (Globex): w1x0")
    assert chunk.speakers == ("Sam Patel", "Ana Ruiz (Globex)")
    assert (chunk.start, chunk.end) == (0.0, 38.0)
    assert (chunk.first_position, chunk.last_position) == (0, 3)
    # What is embedded is what was said, without the names repeated on every line.
    assert chunk.spoken.startswith("w0x0 w0x1") and "Sam Patel" not in chunk.spoken
    assert len(chunk.spoken.split()) == 4 * 5


def test_a_long_turn_is_cut_at_sentence_ends_into_passages_within_the_word_limit() -> None:
    sentences = [f"Sentence {i} says " + " ".join(["pricing"] * 20) + "." for i in range(12)]
    long_turn = Turn(1, "Ana Ruiz (Globex)", 5.0, 95.0, " ".join(sentences))
    chunks = chunk_turns([turns(1)[0], long_turn, Turn(2, "Sam Patel", 96, 99, "Thanks.")],
                         max_words=60)  # fmt: skip
    assert all(len(c.text.replace(":", " ").split()) <= 60 + 2 * 4 for c in chunks)
    # Nothing said is lost, nothing is repeated out of order, and cuts fall after a full stop.
    pieces = [c for c in chunks if c.first_position == c.last_position == 1]
    assert len(pieces) >= 4
    assert all(c.text.rstrip().endswith(".") for c in pieces)
    said = " ".join(c.text.split(": ", 1)[1] for c in pieces)
    assert said == " ".join(sentences)[: len(said)]
    assert len({c.key for c in chunks}) == len(chunks)


def test_a_turn_without_full_stops_is_still_cut_by_words() -> None:
    run_on = Turn(0, "Ana", 0, 60, " ".join(f"w{i}" for i in range(250)))
    chunks = chunk_turns([run_on], max_words=100)
    assert [len(c.text.split()) - 1 for c in chunks] == [100, 100, 50]


def test_empty_turns_are_skipped_and_no_turns_give_no_passages() -> None:
    blank = [Turn(0, "Ana", 0, 1, "  "), *turns(3)[1:]]
    assert [c.first_position for c in chunk_turns(blank)] == [1]
    assert chunk_turns([]) == []


@pytest.mark.parametrize("window,stride", [(0, 1), (4, 5), (4, 0)])
def test_impossible_windows_are_refused(window: int, stride: int) -> None:
    with pytest.raises(ValueError, match="window"):
        chunk_turns(turns(3), window=window, stride=stride)


def test_a_skipped_empty_turn_still_counts_towards_the_four() -> None:
    with_gap = [*turns(2), Turn(2, "Ana", 20, 21, ""), *turns(6)[3:]]
    chunks = chunk_turns(with_gap, window=4, stride=2)
    assert all(c.last_position - c.first_position <= 3 for c in chunks)
    assert {p for c in chunks for p in range(c.first_position, c.last_position + 1)} >= {
        0, 1, 3, 4, 5}

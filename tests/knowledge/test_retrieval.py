"""Hybrid ranking without a store: rank fusion, distinct passages, and an absolute confidence;
the question's topic and the speakers it names."""

from __future__ import annotations

import math

from knowledge.retrieval import Candidate, rank, topic_of, without_speakers

PASSAGES = [
    Candidate(1, 0, 3, "Sam: Thanks for joining. Ana: Happy to be here, busy quarter."),
    Candidate(1, 2, 5, "Ana: We are also evaluating Gong for our reps. Sam: Understood."),
    Candidate(1, 4, 7, "Ana: Honestly the price feels steep. Our budget is mostly spent."),
    Candidate(1, 8, 11, "Sam: Our list price is forty five dollars per seat per month."),
    Candidate(2, 0, 3, "Bill: The SOC 2 report is what our security team needs first."),
]


def test_a_passage_both_retrievers_like_comes_first() -> None:
    cosines = [0.05, 0.20, 0.62, 0.45, 0.10]  # by meaning, the "steep price" passage is closest
    ranked = rank("what did they say about the price?", PASSAGES, cosines, k=3)
    assert PASSAGES[ranked[0].index].text.startswith("Ana: Honestly the price")
    assert ranked[0].fused >= ranked[1].fused >= ranked[2].fused


def test_a_rare_word_is_found_even_when_the_dense_retriever_missed_it() -> None:
    cosines = [0.30, math.nan, 0.31, 0.29, 0.28]  # the Gong passage was not among the dense hits
    ranked = rank("did anyone mention Gong?", PASSAGES, cosines, k=5)
    assert any(PASSAGES[r.index].text.find("Gong") >= 0 for r in ranked[:2])


def test_passages_returned_never_share_a_turn_of_the_same_call() -> None:
    cosines = [0.5, 0.5, 0.5, 0.5, 0.5]
    ranked = rank("price budget Gong SOC", PASSAGES, cosines, k=5)
    chosen = [PASSAGES[r.index] for r in ranked]
    for i, a in enumerate(chosen):
        for b in chosen[i + 1 :]:
            assert a.call_id != b.call_id or a.last_position < b.first_position or (
                b.last_position < a.first_position
            )
    # Passage 0-3 and 2-5 overlap, so at most one of them is returned.
    assert not {0, 1} <= {r.index for r in ranked}


def test_confidence_is_high_for_an_answer_and_low_for_an_unrelated_question() -> None:
    answer = rank("what is the list price per seat?", PASSAGES, [0.1, 0.1, 0.4, 0.7, 0.1], k=1)
    unrelated = rank("what is the capital of Peru?", PASSAGES, [0.05, 0.02, 0.0, 0.03, 0.04], k=1)
    assert answer[0].confidence > 0.7
    assert unrelated[0].confidence < 0.1
    assert 0.0 <= unrelated[0].confidence <= answer[0].confidence <= 1.0


def test_nothing_to_rank_gives_nothing() -> None:
    assert rank("price", [], [], k=5) == []


def test_a_question_phrased_like_small_talk_still_finds_its_topic() -> None:
    chatter = Candidate(1, 0, 3, "Sam: So what do you think? Ana: I think so, yes. Sam: Good.")
    answer = Candidate(1, 10, 13, "Ana: The fee going up next year worries our finance team.")
    others = [Candidate(1, 20 + 5 * i, 23 + 5 * i, f"Sam: Item {i}.") for i in range(4)]
    asked = "what did they think about the renewal costs?"
    # As asked, the question is a little closer to the chatter than to the answer; its topic
    # alone ("renewal costs") is closest to the answer and farthest from the chatter.
    cosines = [0.45, 0.44, 0.3, 0.3, 0.3, 0.3]
    topic = [0.05, 0.7, 0.2, 0.2, 0.2, 0.2]
    as_asked = rank(asked, [chatter, answer, *others], cosines, k=2)
    with_topic = rank(asked, [chatter, answer, *others], cosines, topic_cosines=topic, k=2)
    assert [r.index for r in as_asked] == [0, 1]
    assert [r.index for r in with_topic] == [1, 0]


def test_the_topic_of_a_question_leaves_out_how_it_is_asked() -> None:
    assert topic_of("What did they think about the touch screen?") == "touch screen"
    assert topic_of("Summarize the discussion about pricing tiers.") == "pricing tiers"
    assert topic_of("what was discussed?") == ""


def test_passages_returned_are_different_moments_of_the_call() -> None:
    passages = [
        Candidate(1, 0, 3, "Ana: Pricing is over our budget this year."),
        Candidate(1, 4, 7, "Ana: Pricing again, as I said, yes."),
        Candidate(1, 30, 33, "Bill: On pricing, the discount would have to be larger."),
    ]
    ranked = rank("pricing budget", passages, [0.6, 0.59, 0.4], k=2)
    # The second window of the same exchange repeats it; the later moment is news.
    assert [passages[r.index].first_position for r in ranked] == [0, 30]
    # A call too short for that still gives as many distinct passages as it has.
    assert len(rank("pricing budget", passages[:2], [0.6, 0.59], k=2)) == 2


def test_a_named_speaker_is_left_out_of_the_embedded_question_whole() -> None:
    assert without_speakers("What did Huw Irranca-Davies think about hourly rates?",
                            ["Huw Irranca-Davies AM"]) == "What did they think about hourly rates?"
    assert without_speakers("what did ana say about the budget?",
                            ["Ana Ruiz (Globex)"]) == "what did they say about the budget?"
    asked = "Why did the Industrial Designer disagree with Marketing?"
    named = ["Industrial Designer", "Marketing"]
    assert without_speakers(asked, named) == "Why did they disagree with they?"

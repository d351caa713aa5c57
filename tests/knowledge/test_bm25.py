"""BM25 and its tokenizer: the words that matter match across their forms; fillers do not."""

from __future__ import annotations

from knowledge.bm25 import BM25, query_terms, stem, tokenize


def test_tokenizer_drops_fillers_and_stop_words_and_joins_word_forms() -> None:
    tokens = tokenize("Um, yeah, so the PRICING is... uh, they priced it per seat; prices vary.")
    assert "um" not in tokens and "the" not in tokens and "yeah" not in tokens
    assert tokens.count(stem("pricing")) == 3
    assert stem("seats") == stem("seat")
    assert stem("planning") == stem("plans") == stem("planned") == "plan"
    assert stem("companies") == stem("company")
    assert tokenize("Globex's budget, don't") == ["globex", "budget"]


def test_question_words_are_not_searched_for() -> None:
    assert query_terms("What did they say about pricing on the call?") == [stem("pricing")]
    assert query_terms("Did anyone mention Gong?") == ["gong"]
    # A question made only of such words still searches for something.
    assert query_terms("What was discussed?") != []


def test_the_passage_with_the_rare_word_ranks_first() -> None:
    documents = [
        "we talked about the budget and the timeline for the budget",
        "the budget is fine and the timeline is fine",
        "they are also evaluating Gong for the budget",
        "weather was nice, the weekend was long",
    ]
    bm25 = BM25([tokenize(doc) for doc in documents])
    scores = bm25.scores(query_terms("did they mention Gong or the budget?"))
    assert max(range(4), key=scores.__getitem__) == 2
    assert scores[3] == 0.0
    assert all(score > 0 for score in scores[:3])


def test_length_normalisation_follows_b() -> None:
    short = "security review"
    long = "security review " + " ".join(f"filler{i}" for i in range(40))
    docs = [tokenize(short), tokenize(long), tokenize("other things entirely")]
    normalised = BM25(docs, b=1.0).scores(tokenize("security"))
    plain = BM25(docs, b=0.0).scores(tokenize("security"))
    assert normalised[0] > normalised[1]
    assert plain[0] == plain[1]


def test_repeats_saturate_with_k1() -> None:
    docs = [["gong"], ["gong"] * 10, ["chorus"]]
    gentle = BM25(docs, k1=0.5).scores(["gong"])
    steep = BM25(docs, k1=3.0).scores(["gong"])
    assert gentle[1] / gentle[0] < steep[1] / steep[0]


def test_coverage_is_the_weighted_share_of_question_terms_present() -> None:
    bm25 = BM25([tokenize("the price per seat"), tokenize("the weather today"),
                 tokenize("seat count")])  # fmt: skip
    terms = query_terms("what about the price per seat?")
    assert bm25.coverage(terms, 0) == 1.0
    assert bm25.coverage(terms, 1) == 0.0
    assert 0.0 < bm25.coverage(terms, 2) < 1.0
    # A term no passage has still counts as missing.
    assert bm25.coverage([*terms, "kubernet"], 0) < 1.0
    assert BM25([]).scores(["anything"]) == []

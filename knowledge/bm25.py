"""Okapi BM25 over short passages, with a tokenizer made for spoken English.

Small on purpose: passages of a few calls are scored at query time, so there is no inverted
index to persist; the statistics are computed over the passages the caller is allowed to see,
which also keeps one rep's calls from shaping the scores of another's.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words plus the fillers of speech ("um", "yeah"), which are frequent in every
# transcript and so carry no information about what a passage is about.
STOP_WORDS = _word_set(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each few for from further had hadn has hasn have haven having he her here
    hers herself him himself his how i if in into is isn it its itself just let me more most
    mustn my myself no nor not now of off on once only or other ought our ours ourselves out
    over own same shan she should shouldn so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was wasn we
    were weren what when where which while who whom why will with won would wouldn you your
    yours yourself yourselves ll re ve d s t m o y
    um uh uhm erm er hmm mm mhm mmm ah oh eh huh yeah yep yes ok okay alright right well
    gonna wanna kinda sorta actually basically really like know mean think guess sort kind
    """
)

# Words that describe asking about a conversation rather than its content: "what did they
# say about pricing" is a question about "pricing". Dropped from queries only, because in a
# passage "said" or "discuss" are ordinary (if weak) words.
QUERY_WORDS = _word_set(
    """
    say said says saying tell told talk talked talking discuss discussed discussing discussion
    discussions mention mentioned mentioning mentions speak spoke spoken summarize summarise
    summary summarized summarised anyone anybody someone somebody everyone group team meeting
    meetings call calls conversation thought thoughts opinion opinions view views perspective
    come came topic topics point points regarding concerning
    """
)

_WORD = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?")
_VOWEL = re.compile(r"[aeiouy]")


def stem(word: str) -> str:
    """A light suffix stripper: enough to make "prices", "priced" and "pricing" one term.

    Not Porter: only the inflections that matter for matching a question to speech, and
    never a stem shorter than three letters, so short words are left alone.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in (("ies", "y"), ("ied", "y"), ("sses", "ss")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWEL.search(base):
            return _undouble(base)
    return word.removesuffix("e") if len(word) > 4 else word


def _undouble(base: str) -> str:
    # "planning" -> "plann" -> "plan", "priced" -> "pric" (as "pricing" -> "pric")
    if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
        return base[:-1]
    return base.removesuffix("e")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content words of ``text``; stop words and fillers dropped."""
    tokens = []
    for match in _WORD.finditer(text.lower().replace("\u2019", "'")):
        word = match.group().split("'")[0]
        if word and word not in STOP_WORDS:
            tokens.append(stem(word))
    return tokens


QUERY_STEMS = frozenset(stem(word) for word in QUERY_WORDS)


def query_terms(query: str) -> list[str]:
    """The terms of a question that name what is asked about (no "what did they say")."""
    terms = [t for t in tokenize(query) if t not in QUERY_STEMS]
    # A question made only of such words ("what was discussed?") still has to match something.
    return terms or tokenize(query)


class BM25:
    """Okapi BM25 over tokenized documents; ``k1`` saturates repeats, ``b`` normalises length."""

    def __init__(self, documents: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75):
        self.k1 = k1
        self.b = b
        self._counts = [Counter(doc) for doc in documents]
        self._lengths = [len(doc) for doc in documents]
        self._average = (sum(self._lengths) / len(documents)) if documents else 0.0
        frequencies: Counter[str] = Counter()
        for counts in self._counts:
            frequencies.update(counts.keys())
        total = len(documents)
        # The "+1" form of the IDF: never negative, so a term in most passages still counts.
        self.idf = {
            term: math.log(1.0 + (total - df + 0.5) / (df + 0.5))
            for term, df in frequencies.items()
        }

    def __len__(self) -> int:
        return len(self._counts)

    def scores(self, query: Iterable[str]) -> list[float]:
        """One score per document, in document order (0.0 where no query term occurs)."""
        terms = [t for t in dict.fromkeys(query) if t in self.idf]
        results = []
        for counts, length in zip(self._counts, self._lengths, strict=True):
            norm = self.k1 * (1.0 - self.b + self.b * length / (self._average or 1.0))
            score = 0.0
            for term in terms:
                tf = counts.get(term, 0)
                if tf:
                    score += self.idf[term] * tf * (self.k1 + 1.0) / (tf + norm)
            results.append(score)
        return results

    def coverage(self, query: Sequence[str], index: int) -> float:
        """The IDF-weighted share of the query's terms that document ``index`` contains.

        Unlike a BM25 score this is comparable across queries and collections (0..1), so it
        can say "this passage is about what was asked" on an absolute scale.
        """
        terms = list(dict.fromkeys(query))
        if not terms:
            return 0.0
        weights = {t: self.idf.get(t, self._unseen_idf()) for t in terms}
        present = sum(w for t, w in weights.items() if self._counts[index].get(t))
        return present / sum(weights.values())

    def _unseen_idf(self) -> float:
        # A query term no passage contains is as rare as possible: missing it costs the most.
        return math.log(1.0 + (len(self._counts) + 0.5) / 0.5)

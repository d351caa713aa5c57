"""Text normalisation for the bag-of-n-grams classifier.

Lower case, apostrophes dropped ("what's" and "whats" are one word), other punctuation made a
space, and every number made ``0`` so that "book 3 seats" and "book 12 seats" look alike.
"""

from __future__ import annotations

import re

_APOSTROPHES = re.compile("['`\u2019]")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    text = _APOSTROPHES.sub("", text.lower())
    text = _NUMBER.sub(" 0 ", text)
    return _NOT_WORD.sub(" ", text).strip()

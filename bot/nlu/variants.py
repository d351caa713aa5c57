"""More training sentences from annotated examples: each one again with other entity values.

A flow author writes "pause [Tom Baker](lead) in [Cold Calls](cadence)" and "resume [Tom
Baker](lead) in [Cold Calls](cadence)": the same names in both intents. With a dozen examples an
intent, a sentence encoder weighs the names as much as the verb, and a message about a person
leans towards the intent whose examples named that person. Taught the same sentences with the
names swapped for other values of the same entity ("pause [Priya Shah](lead) in [Q4
Outbound](cadence)"), the classifier learns that the names say nothing about the intent.
Cross-validated on the starter flows (`salesbot train --report`, three seeds) top-1 accuracy
went from 0.865 to 0.896 with two variants an example (0.902 with four).

Only the examples a classifier is trained on are varied, with values taken from those same
examples: a held-out fold (calibration, the report) never sees a variant of its own sentences.
Large projects (``MAX_TOTAL`` examples or more) already have the variety and are left as written.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from bot.nlu.classifier import ClassifierTrainer, IntentClassifier
from bot.nlu.training_data import TrainingExample

DEFAULT_COPIES = 2  # nlu.entity_variants; 0 turns variants off
# The MiniLM classifier's "large project" size: variants never push a project past it.
MAX_TOTAL = 2000
SEED = 0


def entity_variants(
    examples: Sequence[TrainingExample], copies: int, seed: int = SEED
) -> list[tuple[str, str]]:
    """``copies`` new (text, intent) pairs per annotated example, each entity value replaced by
    another value of that entity from ``examples`` (seeded; no pair repeats an example)."""
    values: dict[str, set[str]] = defaultdict(set)
    for example in examples:
        for span in example.entities:
            values[span.entity].add(example.text[span.start : span.end])
    choices = {entity: sorted(found) for entity, found in values.items()}
    known = {(example.text, example.intent) for example in examples}
    rng = random.Random(seed)
    variants: list[tuple[str, str]] = []
    for example in examples:
        spans = sorted(example.entities, key=lambda span: span.start, reverse=True)
        if not spans or all(len(choices[span.entity]) < 2 for span in spans):
            continue
        made: set[str] = set()
        for _ in range(copies):
            text = example.text
            for span in spans:  # from the end, so earlier offsets stay right
                text = text[: span.start] + rng.choice(choices[span.entity]) + text[span.end :]
            if text not in made and (text, example.intent) not in known:
                made.add(text)
                variants.append((text, example.intent))
    return variants


def with_entity_variants(
    trainer: ClassifierTrainer, examples: Sequence[TrainingExample], copies: int
) -> ClassifierTrainer:
    """``trainer``, teaching the entity variants of whichever of ``examples`` it is given."""
    if copies <= 0 or len(examples) >= MAX_TOTAL:
        return trainer
    annotated = {(example.text, example.intent): example for example in examples
                 if example.entities}  # fmt: skip

    def train(
        texts: Sequence[str], labels: Sequence[str], options: Mapping[str, Any]
    ) -> IntentClassifier:
        given = [annotated[pair] for pair in zip(texts, labels, strict=True) if pair in annotated]
        seed = int(options.get("seed", SEED))
        extra = entity_variants(given, copies, seed)
        random.Random(seed).shuffle(extra)  # when capped, every intent keeps some
        extra = extra[: max(MAX_TOTAL - 1 - len(texts), 0)]
        return trainer([*texts, *(text for text, _ in extra)],
                       [*labels, *(intent for _, intent in extra)], options)  # fmt: skip

    return train


import pytest

from bot.nlu.model import NluModel, fit_nlu
from bot.nlu.training_data import TrainingExample, parse_examples

FLOWS_NLU = {
    "greet": """
        - hello
        - hi
        - hey there
        - good morning
        - good afternoon
        - hi bot
        - hello there
        - hey
        - howdy
        - greetings
    """,
    "goodbye": """
        - bye
        - goodbye
        - see you later
        - talk to you later
        - bye bye
        - see you
        - good night
        - catch you later
        - farewell
        - i'm leaving now
    """,
    "help": """
        - help
        - i need help
        - what can you do
        - can you help me
        - how does this work
        - what are your features
        - help me please
        - i'm stuck
        - show me what you can do
        - what do you do
    """,
    "book_meeting": """
        - book a meeting
        - schedule a call with [Jane](person)
        - set up a meeting tomorrow
        - i want to book a demo
        - can we schedule a meeting
        - arrange a call for friday
        - put a meeting on my calendar
        - book time with the sales team
        - schedule a demo next week
        - set up a call with [Acme Corp]{"entity": "account", "value": "Acme Corporation"}
    """,
    "cancel": """
        - cancel
        - cancel that
        - never mind
        - stop
        - forget it
        - cancel the meeting
        - i don't want to do this anymore
        - abort
        - nevermind, stop
        - please cancel
    """,
}


def toy_examples() -> list[TrainingExample]:
    return [
        example
        for intent, block in FLOWS_NLU.items()
        for example in parse_examples(block, intent)
    ]


@pytest.fixture(scope="session")
def toy_model() -> NluModel:
    return fit_nlu(toy_examples(), {})

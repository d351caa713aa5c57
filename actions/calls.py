"""Calls by chat: summarize a call, answer questions about calls, list calls.

Thin adapters: the whole message goes to knowledge.answers, which reads which calls it means
inside what the asking user may see, and the answer is said as it comes back. The calls an
answer was about go in the ``call_id`` slot, so a follow-up question stays on them.

Calls are for known users only: an anonymous web visitor (or an email the sales database does
not know) is turned away before anything is read. Anything unexpected is logged and answered
with an apology.
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.conversation import acting_user_email
from actions.database import database_url, sales_session
from bot.config import load_config
from knowledge.answers import answer_question, list_calls, summarize
from knowledge.citations import Answer
from knowledge.llm import ChatModel, LlmUnavailable, chat_model
from knowledge.settings import KnowledgeSettings, knowledge_settings
from sales.handoffs import find_user
from sales.models import User

log = logging.getLogger(__name__)

SIGN_IN = (
    "Call notes are for our sales team, so I can only answer that for a signed-in rep or "
    "manager. Please sign in (in Slack or Teams) and ask me again."
)
APOLOGY = "Sorry, something went wrong on my side while reading the calls. Please try again."
Events = list[dict[str, Any]]


@lru_cache(maxsize=8)
def _settings(url: str) -> KnowledgeSettings:
    config = load_config(os.environ.get("SALESBOT_CONFIG", "config.yml"))
    return knowledge_settings(config.raw, config.root, url)


@lru_cache(maxsize=8)
def _index(url: str) -> Any:
    from knowledge.index import CallIndex  # loads Chroma and MiniLM: only when asked

    return CallIndex(_settings(url))


@lru_cache(maxsize=1)
def _llm(url: str) -> ChatModel | None:
    settings = _settings(url).llm
    return chat_model(settings) if settings is not None else None


def knowledge_ready() -> None:
    """Build the configured LLM now: a missing provider package is an error at startup."""
    _llm(database_url())


try:  # at import, which is when the assistant starts and loads its actions
    knowledge_ready()
except LlmUnavailable:
    raise
except Exception:  # no config here (a test, a tool): checked again at the first question
    log.debug("calls: configuration not checked at import", exc_info=True)


class CallsAction(Action, ABC):
    """An action on the calls the conversation's user may see."""

    remembers = True  # keep the call answered about in the call_id slot, for follow-ups

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        try:
            with sales_session() as session:
                user = find_user(session, acting_user_email(tracker))
                if user is None:
                    dispatcher.utter_message(text=SIGN_IN)
                    return []
                answer = self.answer(session, user, str(tracker.latest_message.get("text")
                                                        or ""), tracker)  # fmt: skip
        except Exception:  # a failure must leave the user with an answer, not silence
            log.exception("%s failed for conversation %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(text=APOLOGY)
            return []
        dispatcher.utter_message(text=answer.text)
        if not self.remembers:
            return []
        # One call: a follow-up stays on it. Several or none: a follow-up must say which.
        return [SlotSet("call_id", answer.call_ids[0] if len(answer.call_ids) == 1 else None)]

    @abstractmethod
    def answer(self, session: Session, user: User, text: str, tracker: Tracker) -> Answer:
        """The answer to the user's message."""


def _follow_up(tracker: Tracker) -> tuple[int, ...]:
    value = tracker.get_slot("call_id")
    try:
        return (int(value),) if value is not None else ()
    except (TypeError, ValueError):
        return ()


class ActionSummarizeCall(CallsAction):
    def name(self) -> str:
        return "action_summarize_call"

    def answer(self, session: Session, user: User, text: str, tracker: Tracker) -> Answer:
        url = database_url()
        return summarize(session, user=user, question=text, settings=_settings(url),
                         now=datetime.now(UTC), llm=_llm(url))  # fmt: skip


class ActionAnswerCallQuestion(CallsAction):
    def name(self) -> str:
        return "action_answer_call_question"

    def answer(self, session: Session, user: User, text: str, tracker: Tracker) -> Answer:
        url = database_url()
        return answer_question(
            session, user=user, question=text, settings=_settings(url), now=datetime.now(UTC),
            index=_index(url), llm=_llm(url), follow_up=_follow_up(tracker),
        )  # fmt: skip


class ActionListCalls(CallsAction):
    remembers = False

    def name(self) -> str:
        return "action_list_calls"

    def answer(self, session: Session, user: User, text: str, tracker: Tracker) -> Answer:
        return list_calls(session, user=user, question=text,
                          settings=_settings(database_url()), now=datetime.now(UTC))  # fmt: skip

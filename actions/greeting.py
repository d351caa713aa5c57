"""Greets by time of day, and by name when the channel tells who is talking; says what it can
do for whoever is asking (a website visitor cannot use the sales team's skills)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import acting_user_email, local_now
from actions.database import sales_session
from sales.handoffs import find_user


def part_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    return "evening"


def known_user(tracker: Tracker) -> tuple[str, str] | None:
    """The (name, time zone) of the user the channel says is talking, if we know them."""
    email = acting_user_email(tracker)
    if not email:
        return None
    with sales_session() as session:
        user = find_user(session, email)
        return (user.name, user.timezone) if user is not None else None


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        known = known_user(tracker)
        first_name = known[0].split()[0] if known and known[0] else None
        timezone = known[1] if known else "UTC"
        greeting = f"Good {part_of_day(local_now(tracker, timezone).hour)}"
        name = f", {first_name}" if first_name else ""
        dispatcher.utter_message(
            text=f"{greeting}{name}! I'm salesbot. Ask me what I can do, or just tell me "
            "what you need.",
            buttons=[{"title": "What can you do?", "payload": "/help"}],
        )
        return []


class ActionHelp(Action):
    """``utter_help`` for a member of the sales team, ``utter_help_visitor`` for anyone else:
    listing call notes and cadences to a website visitor only leads to "please sign in"."""

    def name(self) -> str:
        return "action_help"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        known = known_user(tracker) is not None
        dispatcher.utter_message(response="utter_help" if known else "utter_help_visitor")
        return []

"""Custom actions used by tests/bot/test_actions.py, written as a project would write them."""
# rasa_sdk ships no type information, so its Action is Any to mypy.
# mypy: disallow-subclassing-any=False

from __future__ import annotations

import asyncio
import datetime
import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection

Events = list[dict[str, Any]]


class ActionGreetUser(Action):
    def name(self) -> str:
        return "action_greet_user"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> Events:
        name = tracker.get_slot("user_name") or "there"
        dispatcher.utter_message(text=f"Hello, {name}!")
        return [SlotSet("greeted", True)]


class ActionCountDeals(Action):
    def name(self) -> str:
        return "action_count_deals"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> Events:
        await asyncio.sleep(0.01)
        account = tracker.get_slot("account")
        dispatcher.utter_message(text=f"{account} has 3 open deals.")
        return [SlotSet("open_deals", 3)]


class ActionDescribeConversation(Action):
    """Echoes what it was given, to show the tracker and domain arrive intact."""

    def name(self) -> str:
        return "action_describe_conversation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> Events:
        frame = tracker.stack[-1]["flow_id"] if tracker.stack else "no flow"
        text = tracker.latest_message.get("text")
        dispatcher.utter_message(
            text=f"{tracker.sender_id} said '{text}' during {frame}; "
            f"{len(tracker.events)} events; channel {tracker.get_latest_input_channel()}; "
            f"domain has {len(domain.get('responses', {}))} responses"
        )
        return []


class ActionWithButtons(Action):
    def name(self) -> str:
        return "action_with_buttons"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> Events:
        dispatcher.utter_message(
            text="When suits you?",
            buttons=[{"title": "9:00", "payload": "/choose_time"}],
            response="utter_x",
        )
        return []


class ActionFails(Action):
    def name(self) -> str:
        return "action_fails"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> Events:
        raise RuntimeError("the CRM is down")


class ActionRejects(Action):
    def name(self) -> str:
        return "action_rejects"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> Events:
        raise ActionExecutionRejection(self.name(), "no account is selected")


class ActionBadSlotValue(Action):
    def name(self) -> str:
        return "action_bad_slot_value"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> Events:
        return [SlotSet("meeting_at", datetime.datetime(2030, 1, 1, 9, 0))]


class ActionSlow(Action):
    """Async, so on the action server it does not block other requests while it sleeps."""

    finished = False

    def name(self) -> str:
        return "action_slow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> Events:
        await asyncio.sleep(1.0)
        ActionSlow.finished = True
        return []


class ActionSlowSync(Action):
    def name(self) -> str:
        return "action_slow_sync"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> Events:
        time.sleep(1.0)
        return []

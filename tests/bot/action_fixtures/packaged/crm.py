# rasa_sdk ships no type information, so its Action is Any to mypy.
# mypy: disallow-subclassing-any=False
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionLogCall(Action):
    def name(self) -> str:
        return "action_log_call"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="Call logged.")
        return [SlotSet("call_logged", True)]

"""Stores a visitor's request to talk to a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.database import sales_session
from sales.handoffs import record_handoff_request


class ActionRequestHandoff(Action):
    def name(self) -> str:
        return "action_request_handoff"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        email = str(tracker.get_slot("handoff_email") or "")
        message = str(tracker.get_slot("handoff_message") or "")
        with sales_session() as session:
            request = record_handoff_request(
                session,
                email=email,
                message=message,
                channel=tracker.get_latest_input_channel() or "unknown",
                conversation_id=tracker.sender_id,
            )
            reference = request.id
        dispatcher.utter_message(
            text=f"Thanks! I've passed your message to our sales team (request #{reference}). "
            f"Someone will get back to you at {email.lower()} within one business day."
        )
        return [SlotSet("handoff_message", None)]

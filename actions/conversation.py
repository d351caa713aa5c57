"""What actions read off a conversation: who is talking, and from which time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasa_sdk import Tracker


def acting_user_email(tracker: Tracker) -> str | None:
    metadata = tracker.latest_message.get("metadata") or {}
    email = metadata.get("user")
    return str(email) if email else None


def local_now(tracker: Tracker, fallback_timezone: str = "UTC") -> datetime:
    metadata = tracker.latest_message.get("metadata") or {}
    try:
        zone = ZoneInfo(str(metadata.get("timezone") or fallback_timezone))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone)

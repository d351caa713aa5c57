"""The Rasa REST webhook contract, shared by every channel that speaks it (rest, webchat).

In: ``{"sender": str, "message": str, "metadata"?: {...}, "message_id"?: str}``.
Out: ``[{"recipient_id", "text"?, "buttons"?, "image"?, "custom"?}, ...]``.
Every way a request can be wrong is a :class:`WebhookError` whose message names the field.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any
from zoneinfo import available_timezones

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.agent import UserMessage
from bot.responses import BotMessage

log = logging.getLogger(__name__)

# Far above the engine's own (polite) 4 KB message limit, low enough that a hostile body is
# refused before it is buffered and parsed.
MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 255  # the tracker store's sender_id column


class WebhookError(Exception):
    """A request the webhook refuses, with the HTTP status and a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.message}, self.status)


async def read_json(request: Request, limit: int = MAX_BODY_BYTES) -> Any:
    """The request's JSON body; a body over ``limit`` bytes is refused unread (413)."""
    too_large = WebhookError(413, f"request body too large (limit {limit} bytes)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():  # a chunked body declares no length: count it
        body.extend(chunk)
        if len(body) > limit:
            raise too_large
    try:
        return json.loads(body)
    except RecursionError as error:
        raise WebhookError(400, "malformed JSON: nested too deeply") from error
    except ValueError as error:
        raise WebhookError(400, f"malformed JSON: {error}") from error


def parse_message(body: Any, channel: str, trust_user: bool) -> UserMessage:
    """The engine's message for a webhook body.

    ``trust_user``: the channel authenticated the caller, so ``metadata.user`` may name the
    acting user. Otherwise that field is dropped: an anonymous caller never picks an identity.
    """
    if not isinstance(body, dict):
        raise WebhookError(400, "expected a JSON object with 'sender' and 'message'")
    sender = _required_text(body, "sender")
    if len(sender) > MAX_SENDER_CHARS:
        raise WebhookError(400, f"'sender' is longer than {MAX_SENDER_CHARS} characters")
    text = _required_text(body, "message")
    metadata = body.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise WebhookError(400, "'metadata' must be a JSON object")
    metadata = dict(metadata)
    user = _acting_user(metadata, trust_user)
    return UserMessage(
        text=text, sender_id=sender, channel=channel, metadata=metadata, user=user,
        timezone=_timezone(metadata.get("timezone")),
        message_id=_message_id(body.get("message_id", metadata.get("message_id"))),
    )


def replies_json(replies: list[BotMessage], recipient_id: str) -> JSONResponse:
    return JSONResponse([reply.to_rest(recipient_id) for reply in replies])


def _required_text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if value is None:
        raise WebhookError(400, f"missing '{field}'")
    if not isinstance(value, str):
        raise WebhookError(400, f"'{field}' must be a string")
    if not value.strip():
        raise WebhookError(400, f"'{field}' is blank")
    return value


def _acting_user(metadata: dict[str, Any], trust_user: bool) -> str | None:
    user = metadata.pop("user", None)
    if user is None:
        return None
    if not trust_user:
        log.debug("ignored metadata.user from an unauthenticated caller")
        return None
    if not isinstance(user, str) or "@" not in user:
        raise WebhookError(400, "'metadata.user' must be the acting user's email address")
    return user.strip()


def _timezone(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value in _known_zones():
        return value
    raise WebhookError(400, f"'metadata.timezone': {value!r} is not an IANA time zone "
                            "(e.g. 'Europe/Berlin')")


@functools.cache
def _known_zones() -> frozenset[str]:
    # A set, not ZoneInfo(value): that also opens odd files such as "localtime" or a folder.
    return frozenset(available_timezones())


def _message_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise WebhookError(400, "'message_id' must be a string")
    return str(value)

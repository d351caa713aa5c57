"""Rasa's REST channel: ``POST /webhooks/rest/webhook`` answers with the bot's replies.

With ``channels.rest.token`` set, callers must send ``Authorization: Bearer <token>``; only
then is the caller a trusted backend whose ``metadata.user`` names the acting user.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.agent import Agent
from bot.server import ChannelError, handle_turn
from connectors.rest.payload import WebhookError, parse_message, read_json, replies_json

CHANNEL = "rest"
SETTINGS = ("token",)


def routes(agent: Agent, settings: dict[str, Any]) -> list[BaseRoute]:
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        # A misspelt "token" would silently leave the webhook open: refuse to start instead.
        raise ChannelError(f"config.yml channels.{CHANNEL}: unknown setting(s) "
                           f"{', '.join(unknown)} (known: {', '.join(SETTINGS)})")
    token = str(settings.get("token") or "")

    async def status(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def webhook(request: Request) -> Response:
        if token and not bearer_matches(request, token):
            return JSONResponse({"error": "missing or wrong bearer token"}, 401,
                                headers={"WWW-Authenticate": "Bearer"})
        try:
            message = parse_message(await read_json(request), CHANNEL, trust_user=bool(token))
        except WebhookError as error:
            return error.response()
        replies = await handle_turn(request, agent, message)
        return replies_json(replies, message.sender_id)

    return [
        Route(f"/webhooks/{CHANNEL}/", status, methods=["GET"]),
        Route(f"/webhooks/{CHANNEL}/webhook", webhook, methods=["POST"]),
    ]


def bearer_matches(request: Request, token: str) -> bool:
    scheme, _, provided = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Constant-time, so the response time does not leak how much of a guess was right.
    return hmac.compare_digest(provided.strip().encode(), token.encode())

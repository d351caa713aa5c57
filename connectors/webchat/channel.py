"""Web chat: the demo page, the embeddable widget and the webhook it talks to.

Embed on any site with::

    <script src="https://bot.example.com/webchat/widget.js"
            data-server="https://bot.example.com"></script>

The webhook speaks the REST contract but is anonymous: a web visitor never chooses who they
are, so ``metadata.user`` is ignored. It allows cross-origin calls from ``allowed_origins``
(a list or a comma-separated string; ``"*"`` by default) because the widget lives on other sites.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, request_response

from bot.agent import Agent
from bot.server import ChannelError, handle_turn
from connectors.rest.payload import WebhookError, parse_message, read_json, replies_json

CHANNEL = "webchat"
SETTINGS = ("allowed_origins",)
ASSETS = Path(__file__).parent
MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
               ".css": "text/css; charset=utf-8"}


def routes(agent: Agent, settings: dict[str, Any]) -> list[BaseRoute]:
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise ChannelError(f"config.yml channels.{CHANNEL}: unknown setting(s) "
                           f"{', '.join(unknown)} (known: {', '.join(SETTINGS)})")
    origins = allowed_origins(settings.get("allowed_origins", "*"))

    async def status(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def webhook(request: Request) -> Response:
        try:
            message = parse_message(await read_json(request), CHANNEL, trust_user=False)
        except WebhookError as error:
            return error.response()
        replies = await handle_turn(request, agent, message)
        return replies_json(replies, message.sender_id)

    # CORS on the webhook alone: the rest of the server stays same-origin.
    cross_origin_webhook = CORSMiddleware(
        request_response(webhook), allow_origins=origins, allow_methods=["POST"],
        allow_headers=["Content-Type"], max_age=3600,
    )
    return [
        asset_route("/", "index.html"),
        asset_route("/webchat/widget.js", "widget.js"),
        asset_route("/webchat/widget.css", "widget.css"),
        Route(f"/webhooks/{CHANNEL}/", status, methods=["GET"]),
        Route(f"/webhooks/{CHANNEL}/webhook", cross_origin_webhook, methods=["POST", "OPTIONS"]),
    ]


def allowed_origins(value: Any) -> list[str]:
    if isinstance(value, str):
        origins = [origin.strip() for origin in value.split(",")]
    elif isinstance(value, list) and all(isinstance(origin, str) for origin in value):
        origins = [origin.strip() for origin in value]
    else:
        raise ChannelError(f"config.yml channels.{CHANNEL}.allowed_origins: expected a list of "
                           "origins such as https://www.example.com, or \"*\"")
    return [origin.rstrip("/") for origin in origins if origin]


def asset_route(path: str, filename: str) -> Route:
    """A static file read once at startup: a missing asset fails the start, not a visitor."""
    asset = ASSETS / filename
    content = asset.read_bytes()
    media_type = MEDIA_TYPES[asset.suffix]

    async def serve(_: Request) -> Response:
        # Short caching: a deploy's new widget reaches sites that embed it within minutes.
        return Response(content, media_type=media_type,
                        headers={"Cache-Control": "public, max-age=300"})

    return Route(path, serve, methods=["GET", "HEAD"])

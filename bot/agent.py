"""One turn of a conversation: message -> NLU -> commands -> flow executor -> replies.

The agent is what every connector calls. It is thread-safe: turns of one conversation are
serialized (in arrival order, also across processes) by the tracker store's lock, and turns
of different conversations run side by side.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine

from bot.actions import ActionError, ActionRunner, action_runner_from_config, rasa_tracker_state
from bot.config import Config
from bot.db import make_engine
from bot.dialogue.command_generator import FALLBACK_INTENT, CommandGenerator, GeneratorSettings
from bot.dialogue.commands import commands_as_dicts
from bot.dialogue.executor import FlowExecutor
from bot.dialogue.flows import Domain
from bot.dialogue.loader import load_domain
from bot.dialogue.payloads import PayloadError, parse_payload
from bot.nlu.model import NluModel, load_or_train
from bot.nlu.record_names import record_names_for
from bot.nlu.records import merge_record_entities, training_vocabulary
from bot.responses import BotMessage, ResponseRenderer
from bot.tracker import (
    BOT,
    MESSAGE_REJECTED,
    SESSION_STARTED,
    USER,
    ConversationKey,
    DialogueState,
    Event,
    Tracker,
)
from bot.tracker_store import SQLTrackerStore
from bot.user_zones import UserZones

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 4096
TOO_LONG_TEXT = (
    "Sorry, that message is too long for me ({size} bytes; the limit is {limit}). "
    "Could you send it in shorter parts?"
)
# Platform retries come within minutes; a conversation remembers this many of its latest ids.
REMEMBERED_MESSAGE_IDS = 200
HANDLED_IDS = "handled_message_ids"  # key in the state's metadata


@dataclass
class UserMessage:
    text: str
    sender_id: str
    channel: str = "rest"
    metadata: dict[str, Any] = field(default_factory=dict)
    user: str | None = None  # the acting user's email, when the channel vouches for it
    timezone: str | None = None
    message_id: str | None = None

    @property
    def key(self) -> ConversationKey:
        return ConversationKey(self.sender_id, self.channel)


class Agent:
    def __init__(
        self,
        config: Config,
        domain: Domain,
        nlu: NluModel,
        store: SQLTrackerStore,
        action_runner: ActionRunner | None,
    ) -> None:
        self.config = config
        self.domain = domain
        self.nlu = nlu
        self.store = store
        self.action_runner = action_runner
        self.rasa_domain = domain.to_rasa_dict()
        self.generator = CommandGenerator(domain, GeneratorSettings.from_config(config.nlu))
        self.renderer = ResponseRenderer(domain.responses)
        self.executor = FlowExecutor(domain, self.renderer, self.run_custom_action)
        self.default_timezone = str(config.nlu.get("timezone", "UTC"))
        self.user_zones = UserZones.from_plugins(config.data_modules, store.engine)
        # Names of the records in this agent's database (not trained: they change with imports).
        self.records = record_names_for(
            config.data_modules, store.engine, config.nlu,
            common_words=training_vocabulary(domain.training_examples()),
        )

    @classmethod
    def load(
        cls,
        config: Config,
        engine: Engine | None = None,
        action_runner: ActionRunner | None = None,
        retrain: bool = False,
    ) -> Agent:
        domain = load_domain(config.flows)
        nlu, _ = load_or_train(
            domain.training_examples(), config.nlu, config.data_dir / "models", force=retrain
        )
        store = SQLTrackerStore(engine or make_engine(config.database_url))
        runner = action_runner if action_runner is not None else action_runner_from_config(config)
        nlu.warm_up()  # the first date parse costs ~150 ms: pay it before the first user does
        agent = cls(config, domain, nlu, store, runner)
        if agent.records is not None:
            agent.records.current()  # read the record names now, not in the first user's turn
        return agent

    # -- a turn ------------------------------------------------------------------------------

    def handle(self, message: UserMessage) -> list[BotMessage]:
        size = len(message.text.encode("utf-8"))
        if size > MAX_MESSAGE_BYTES:
            return self.reject_too_long(message.key, size)
        with self.store.lock(message.key):
            tracker = Tracker(message.key, self.store.load(message.key))
            if self.already_handled(tracker.state, message.message_id):
                # A platform retry (Slack resends when we are slow): answer as before, and
                # neither run the turn again nor store anything, so nothing happens twice.
                log.info("%s: message %s was handled before; replaying its replies",
                         message.key, message.message_id)
                return self.stored_replies(message.key, str(message.message_id))
            now = time.time()
            self.start_session_if_due(tracker, now)
            timezone = self.valid_timezone(message.timezone or message.metadata.get("timezone")
                                           or self.user_zones.of(message.user))
            parse = self.parse(message.text, timezone)
            state = tracker.state
            commands = self.generator.commands_for(parse, state, timezone)
            metadata = {**message.metadata, "user": message.user, "timezone": timezone}
            state.latest_message = {**parse, "metadata": metadata}
            if message.user:
                state.metadata["user"] = message.user
            tracker.add(
                USER,
                text=message.text,
                parse_data=parse,
                input_channel=message.channel,
                message_id=message.message_id,
                metadata=metadata,
                commands=commands_as_dicts(commands),
            )
            log.debug("%s: %s -> %s", message.key, parse["intent"], commands)
            self.executor.apply(tracker, commands)
            replies = self.executor.advance(tracker)
            state.last_active_at = now
            self.remember_handled(state, message.message_id)
            self.store.save(message.key, state, tracker.new_events)
        return replies

    @staticmethod
    def already_handled(state: DialogueState, message_id: str | None) -> bool:
        return message_id is not None and message_id in state.metadata.get(HANDLED_IDS, [])

    @staticmethod
    def remember_handled(state: DialogueState, message_id: str | None) -> None:
        """Keep the latest ids in the state snapshot: a retry is found without reading history."""
        if message_id is None:
            return
        handled = [*state.metadata.get(HANDLED_IDS, []), message_id]
        state.metadata[HANDLED_IDS] = handled[-REMEMBERED_MESSAGE_IDS:]

    def stored_replies(self, key: ConversationKey, message_id: str) -> list[BotMessage]:
        """What the bot answered to ``message_id``: the bot events stored after that message."""
        replies: list[BotMessage] = []
        found = False
        for event in self.store.events(key):
            kind = event.get("event")
            if kind == USER:
                if found:
                    break
                found = event.get("message_id") == message_id
            elif found and kind == BOT:
                replies.append(BotMessage.from_event(event))
        return replies

    def valid_timezone(self, timezone: Any) -> str:
        """The user's zone, or the configured default when it is missing or not a real zone."""
        if timezone:
            try:
                ZoneInfo(str(timezone))
                return str(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("unknown time zone %r; using %s", timezone, self.default_timezone)
        return self.default_timezone

    def parse(self, text: str, timezone: str) -> dict[str, Any]:
        try:
            payload = parse_payload(text)
        except PayloadError as error:
            log.info("unreadable payload: %s", error)
            payload = None
        if payload is not None:
            return payload
        parse = self.nlu.parse(text, timezone=timezone)
        parse.setdefault("intent", {"name": FALLBACK_INTENT, "confidence": 0.0})
        if self.records is not None:
            records = self.records.extract(text)
            parse["entities"] = merge_record_entities(parse.get("entities") or [], records)
        return parse

    def start_session_if_due(self, tracker: Tracker, now: float) -> None:
        """A new conversation, or one idle past the expiry, starts afresh (history is kept)."""
        state = tracker.state
        idle = now - state.last_active_at
        expired = state.session_started_at and idle > self.config.session_expiration_minutes * 60
        if state.session_started_at and not expired:
            return
        fresh = DialogueState(
            slots=self.domain.initial_slots(),
            session_started_at=now,
            last_active_at=now,
            metadata=dict(state.metadata),
        )
        tracker.state = fresh
        tracker.add(SESSION_STARTED)

    def reject_too_long(self, key: ConversationKey, size: int) -> list[BotMessage]:
        """Refuse politely; store that it happened and how big it was, never the text."""
        reply = BotMessage(text=TOO_LONG_TEXT.format(size=size, limit=MAX_MESSAGE_BYTES))
        with self.store.lock(key):
            tracker = Tracker(key, self.store.load(key))
            tracker.add(MESSAGE_REJECTED, reason="too_long", size=size)
            self.store.save(key, tracker.state, tracker.new_events)
        return [reply]

    # -- actions -----------------------------------------------------------------------------

    def run_custom_action(
        self, name: str, tracker: Tracker
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if self.action_runner is None:
            raise ActionError(name, "no actions.module or actions.url is configured")
        since = tracker.state.session_started_at or None
        history: list[Event] = self.store.events(tracker.key, since=since)
        state = rasa_tracker_state(tracker, history + tracker.new_events)
        result = self.action_runner.run(name, state, self.rasa_domain)
        return result.events, result.responses

    def history(self, key: ConversationKey) -> list[Event]:
        return self.store.events(key)

"""The SQL tracker store: each conversation's state snapshot, its event log, and its turn lock.

Tables are Core ``Table``s on the module-level ``metadata`` so migrations can include them.

The lock is a ticket queue in the database, after Rasa's ticket lock: a turn takes a numbered
ticket (the row's autoincrement id is its place in line), commits, and goes ahead once its ticket
is the lowest live one of its conversation. No transaction stays open while the turn runs, so a
slow action holds nothing but its ticket row. A crashed holder's ticket expires after
``lock_lifetime`` seconds and is then skipped and later deleted.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from bot.tracker import ConversationKey, DialogueState, Event

logger = logging.getLogger(__name__)

metadata = MetaData()

# SQLite only autoincrements an INTEGER PRIMARY KEY, not a BIGINT one.
_BigId = BigInteger().with_variant(Integer, "sqlite")

conversations_table = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sender_id", String(255), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("state", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("sender_id", "channel", name="uq_conversations_sender_channel"),
)

events_table = Table(
    "conversation_events",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("conversation_id", Integer, ForeignKey("conversations.id"), nullable=False),
    Column("type_name", String(64), nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_conversation_events_conversation_id_id", "conversation_id", "id"),
)

tickets_table = Table(
    "conversation_tickets",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    # f"{channel}:{sender_id}": 64 + 1 + 255 fits.
    Column("key", String(330), nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_conversation_tickets_key", "key"),
)

# Namespace for PostgreSQL advisory locks, so ours cannot collide with another application's.
_PG_LOCK_NAMESPACE = 0x5A1E5
_MAX_POLL_INTERVAL = 0.05


class ConversationLockTimeout(Exception):
    """A turn waited longer than its timeout for the previous turn of its conversation."""

    def __init__(self, key: ConversationKey, timeout: float) -> None:
        super().__init__(
            f"conversation {key} is still busy with an earlier message after waiting "
            f"{timeout:g} s for its turn"
        )
        self.key = key
        self.timeout = timeout


@dataclass
class _Ticket:
    """One place in a conversation's line: the row id, and when others will stop honouring it."""

    id: int
    expires_at: float


@dataclass
class _LocalWaiters:
    """Threads of this process waiting on one conversation: woken at once on a local release."""

    condition: threading.Condition = field(default_factory=threading.Condition)
    releases: int = 0  # bumped on every release, so a waiter can tell it missed a wake-up
    users: int = 0


class SQLTrackerStore:
    """Conversation state and events in SQL, plus a turn lock safe across processes."""

    def __init__(
        self, engine: Engine, lock_lifetime: float = 60.0, poll_interval: float = 0.005
    ) -> None:
        self._engine = engine
        self._lock_lifetime = lock_lifetime
        self._poll_interval = poll_interval
        self._local: dict[str, _LocalWaiters] = {}
        self._local_guard = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The database the conversations live in (the assistant's one database)."""
        return self._engine

    # -- state and events ---------------------------------------------------------------

    def load(self, key: ConversationKey) -> DialogueState:
        """The saved state of ``key``, or a fresh one for a conversation never saved."""
        stmt = select(conversations_table.c.state).where(*_matches(key))
        with self._engine.connect() as conn:
            raw = conn.execute(stmt).scalar_one_or_none()
        if raw is None:
            return DialogueState()
        return DialogueState.from_dict(json.loads(raw))

    def save(self, key: ConversationKey, state: DialogueState, new_events: Sequence[Event]) -> None:
        """Store the state snapshot and append ``new_events``, in one transaction."""
        state_json = json.dumps(state.to_dict(), default=str)
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            conversation_id = self._upsert_conversation(conn, key, state_json, now)
            if new_events:
                conn.execute(
                    insert(events_table), [_event_row(conversation_id, e) for e in new_events]
                )

    def events(self, key: ConversationKey, since: float | None = None) -> list[Event]:
        """The events of ``key`` in the order they were saved; ``since`` keeps timestamps >= it."""
        stmt = (
            select(events_table.c.data)
            .join(conversations_table, events_table.c.conversation_id == conversations_table.c.id)
            .where(*_matches(key))
            .order_by(events_table.c.id)
        )
        if since is not None:
            stmt = stmt.where(events_table.c.timestamp >= since)
        with self._engine.connect() as conn:
            return [json.loads(raw) for raw in conn.execute(stmt).scalars()]

    def conversation_keys(self) -> list[ConversationKey]:
        """Every saved conversation, oldest first."""
        stmt = select(conversations_table.c.sender_id, conversations_table.c.channel).order_by(
            conversations_table.c.id
        )
        with self._engine.connect() as conn:
            return [ConversationKey(sender, channel) for sender, channel in conn.execute(stmt)]

    def _upsert_conversation(
        self, conn: Connection, key: ConversationKey, state_json: str, now: datetime
    ) -> int:
        # Update first: it is the common case, and on SQLite a write as the first statement
        # takes the write lock up front, so the insert below cannot lose a race there.
        updated = self._update_conversation(conn, key, state_json, now)
        if updated is not None:
            return updated
        values = {"sender_id": key.sender_id, "channel": key.channel, "state": state_json,
                  "created_at": now, "updated_at": now}
        try:
            with conn.begin_nested():
                created = conn.execute(
                    insert(conversations_table).values(values).returning(conversations_table.c.id)
                )
                return int(created.scalar_one())
        except IntegrityError:
            # Another process created the conversation between our update and insert.
            updated = self._update_conversation(conn, key, state_json, now)
            if updated is None:
                raise
            return updated

    @staticmethod
    def _update_conversation(
        conn: Connection, key: ConversationKey, state_json: str, now: datetime
    ) -> int | None:
        stmt = (
            update(conversations_table)
            .where(*_matches(key))
            .values(state=state_json, updated_at=now)
            .returning(conversations_table.c.id)
        )
        found = conn.execute(stmt).scalar_one_or_none()
        return None if found is None else int(found)

    # -- the turn lock --------------------------------------------------------------------

    def lock(self, key: ConversationKey, timeout: float = 60.0) -> AbstractContextManager[None]:
        """Hold ``key``'s turn: callers are served one at a time, in the order they arrived.

        Raises ``ConversationLockTimeout`` if the turn does not come within ``timeout`` seconds.
        """
        return self._locked(key, timeout)

    @contextmanager
    def _locked(self, key: ConversationKey, timeout: float) -> Iterator[None]:
        name = str(key)
        deadline = time.monotonic() + timeout
        local = self._join_local(name)
        try:
            ticket, first = self._take_ticket(name)
            held_since: float | None = None
            try:
                if not first:
                    ticket = self._wait_for_turn(key, ticket, local, deadline, timeout)
                held_since = time.monotonic()
                yield
            finally:
                self._return_ticket(name, ticket, local)
                self._warn_if_overrun(name, held_since)
        finally:
            self._leave_local(name)

    def _take_ticket(self, name: str) -> tuple[_Ticket, bool]:
        """A new ticket at the back of ``name``'s line, and whether it is already first."""
        now = time.time()
        ticket = _Ticket(0, now + self._lock_lifetime)
        with self._engine.begin() as conn:
            if self._engine.dialect.name == "postgresql":
                # Ids come from a sequence and may commit out of order; serialize per
                # conversation so that no lower id of this conversation can still be
                # uncommitted when we look. SQLite needs nothing: its writers are serialized.
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:key))"),
                    {"namespace": _PG_LOCK_NAMESPACE, "key": name},
                )
            created = conn.execute(
                insert(tickets_table)
                .values(key=name, expires_at=ticket.expires_at)
                .returning(tickets_table.c.id)
            )
            ticket.id = int(created.scalar_one())
            return ticket, _first_live_ticket(conn, name, now) == ticket.id

    def _wait_for_turn(
        self,
        key: ConversationKey,
        ticket: _Ticket,
        local: _LocalWaiters,
        deadline: float,
        timeout: float,
    ) -> _Ticket:
        """Wait until ``ticket`` is first in line; returns the ticket the turn holds."""
        name = str(key)
        delay = self._poll_interval
        while True:
            seen_releases = local.releases
            if not self._keep_alive(ticket):
                # This process stalled past the ticket's lifetime, so others skip it now:
                # taking the turn with it could run beside theirs. Rejoin at the back.
                ticket, first = self._take_ticket(name)
                if first:
                    return ticket
            else:
                with self._engine.connect() as conn:
                    first_id = _first_live_ticket(conn, name, time.time())
                # Renewing gives the turn a whole lifetime, and fails if the ticket just expired.
                if first_id == ticket.id and self._renew(ticket):
                    return ticket
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConversationLockTimeout(key, timeout)
            with local.condition:
                if local.releases == seen_releases:
                    local.condition.wait(min(delay, remaining))
            delay = min(delay * 2, _MAX_POLL_INTERVAL)

    def _keep_alive(self, ticket: _Ticket) -> bool:
        """Renew a waiting ticket once a third of its life is gone; False if it has expired."""
        if ticket.expires_at - time.time() > self._lock_lifetime * 2 / 3:
            return True
        return self._renew(ticket)

    def _renew(self, ticket: _Ticket) -> bool:
        """Push a live ticket's expiry a lifetime ahead; False if it had expired or is gone."""
        now = time.time()
        with self._engine.begin() as conn:
            renewed = conn.execute(
                update(tickets_table)
                .where(tickets_table.c.id == ticket.id, tickets_table.c.expires_at > now)
                .values(expires_at=now + self._lock_lifetime)
            )
        if renewed.rowcount != 1:
            return False
        ticket.expires_at = now + self._lock_lifetime
        return True

    def _return_ticket(self, name: str, ticket: _Ticket, local: _LocalWaiters) -> None:
        # Tickets of crashed holders go in the same statement, so cleanup costs no extra query.
        with self._engine.begin() as conn:
            conn.execute(
                delete(tickets_table).where(
                    tickets_table.c.key == name,
                    or_(tickets_table.c.id == ticket.id, tickets_table.c.expires_at < time.time()),
                )
            )
        with local.condition:
            local.releases += 1
            local.condition.notify_all()

    def _warn_if_overrun(self, name: str, held_since: float | None) -> None:
        if held_since is None:
            return
        held = time.monotonic() - held_since
        if held > self._lock_lifetime:
            logger.warning(
                "turn of conversation %s took %.1f s, longer than the lock lifetime of %g s: "
                "a later message of it may have run at the same time",
                name, held, self._lock_lifetime,
            )

    def _join_local(self, name: str) -> _LocalWaiters:
        with self._local_guard:
            local = self._local.setdefault(name, _LocalWaiters())
            local.users += 1
            return local

    def _leave_local(self, name: str) -> None:
        with self._local_guard:
            local = self._local[name]
            local.users -= 1
            if local.users == 0:
                del self._local[name]


def _matches(key: ConversationKey) -> tuple[Any, ...]:
    return (
        conversations_table.c.sender_id == key.sender_id,
        conversations_table.c.channel == key.channel,
    )


def _first_live_ticket(conn: Connection, name: str, now: float) -> int | None:
    """The lowest ticket of ``name`` that has not expired."""
    stmt = select(func.min(tickets_table.c.id)).where(
        tickets_table.c.key == name, tickets_table.c.expires_at > now
    )
    first = conn.execute(stmt).scalar_one_or_none()
    return None if first is None else int(first)


def _event_row(conversation_id: int, event: Event) -> dict[str, Any]:
    timestamp = event.get("timestamp")
    return {
        "conversation_id": conversation_id,
        "type_name": str(event.get("event", ""))[:64],
        "timestamp": float(timestamp) if isinstance(timestamp, int | float) else time.time(),
        "data": json.dumps(event, default=str),
    }

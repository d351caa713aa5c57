"""A chat request that changes cadences is carried out once, whatever the platform retries.

Slack and Teams resend a message they think was lost; the connector passes the platform's
message id as ``request_key``. The first request stores its outcome under the key in the same
transaction as its changes, so a retry answers with that outcome and changes nothing. The
key's row is written before the work: a retry running at the same moment on PostgreSQL waits
on the unique key until the first commits, then finds the stored outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sales.cadence_models import CadenceOperation
from sales.cadence_results import CadenceError
from sales.models import User


class _Storable(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


_O = TypeVar("_O", bound=_Storable)


def run_once(
    session: Session,
    *,
    request_key: str | None,
    kind: str,
    actor: User | None,
    work: Callable[[], _O],
    load: Callable[[dict[str, Any]], _O],
) -> _O:
    if request_key is None:
        return work()
    stored = _stored(session, request_key)
    if stored is not None:
        return load(stored)
    operation = CadenceOperation(
        request_key=request_key, kind=kind, actor_id=actor.id if actor else None, outcome={}
    )
    try:
        _insert(session, operation)
    except IntegrityError:
        stored = None if _is_sqlite(session) else _stored(session, request_key)
        if stored is None:
            raise
        return load(stored)
    try:
        result = work()
    except CadenceError:
        # Nothing changed: a retry of a refused request should be judged afresh.
        session.delete(operation)
        session.flush()
        raise
    operation.outcome = result.to_dict()
    session.flush()
    return result


def _stored(session: Session, request_key: str) -> dict[str, Any] | None:
    query = select(CadenceOperation.outcome).where(CadenceOperation.request_key == request_key)
    outcome = session.scalars(query).first()
    return outcome or None


def _insert(session: Session, operation: CadenceOperation) -> None:
    # A savepoint lets the losing side of a race read the winner's outcome in its own
    # transaction. pysqlite's savepoints are unreliable and SQLite runs one writer at a time
    # anyway, so there the plain insert suffices.
    if _is_sqlite(session):
        session.add(operation)
        session.flush()
        return
    with session.begin_nested():
        session.add(operation)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"

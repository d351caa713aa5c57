"""Engines from bot.db: SQLite shared by threads waits instead of failing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db import make_engine, session_factory


def test_a_sqlite_file_in_a_missing_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
    finally:
        engine.dispose()
    assert path.is_file()


def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        errors: list[BaseException] = []

        def second_writer() -> None:
            try:
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t VALUES (2)"))
            except BaseException as error:  # reported to the test thread
                errors.append(error)

        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            thread = threading.Thread(target=second_writer)
            thread.start()
            time.sleep(0.3)  # the second writer is now blocked on our write lock
        thread.join(10)

        assert errors == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT x FROM t ORDER BY x")).scalars().all() == [1, 2]
    finally:
        engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
            conn.execute(text("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO child VALUES (42)"))
    finally:
        engine.dispose()


def test_an_in_memory_database_is_the_same_for_every_thread() -> None:
    engine = make_engine("sqlite://")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (7)"))
        seen: list[int] = []

        def read() -> None:
            with session_factory(engine)() as session:
                seen.extend(session.execute(text("SELECT x FROM t")).scalars())

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(5)
        assert seen == [7]
    finally:
        engine.dispose()


def test_threads_sharing_an_in_memory_database_keep_their_transactions_apart() -> None:
    engine = make_engine("sqlite://")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE counter (n INTEGER)"))
            conn.execute(text("INSERT INTO counter VALUES (0)"))
        errors: list[BaseException] = []

        def increment() -> None:
            try:
                with engine.begin() as conn:
                    n = conn.execute(text("SELECT n FROM counter")).scalar_one()
                    time.sleep(0.005)
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
            except BaseException as error:  # reported to the test thread
                errors.append(error)

        threads = [threading.Thread(target=increment) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

        assert errors == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 8
    finally:
        engine.dispose()

"""The call index for real: MiniLM vectors in Chroma (embedded, reopened, and a server on
127.0.0.1), hybrid search that never leaves the calls it is given, and add/delete that keep
the index in step with the calls."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from knowledge.index import CallIndex, CallIndexError, Passage
from knowledge.models import Call
from knowledge.settings import KnowledgeSettings, VectorStoreSettings, knowledge_settings
from sales.models import Base
from tests.knowledge.calls_support import add_call, make_org

MONDAY = datetime(2024, 11, 18, 17, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def calls() -> Iterator[dict[str, Call]]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        make_org(session)
        yield {
            "globex": add_call(session, "globex_discovery.vtt", owner="sam@acme.example",
                               title="Globex discovery", started_at=MONDAY, account="Globex"),
            "initech": add_call(session, "initech_review.vtt", owner="jane@acme.example",
                                title="Initech review", started_at=MONDAY, account="Initech"),
        }  # fmt: skip
    engine.dispose()


def settings_in(folder: Path, url: str | None = None) -> KnowledgeSettings:
    return knowledge_settings({"data_dir": str(folder), "vector_store": {"url": url}}, folder)


@pytest.fixture(scope="module")
def index(calls: dict[str, Call], tmp_path_factory: pytest.TempPathFactory) -> CallIndex:
    index = CallIndex(settings_in(tmp_path_factory.mktemp("data")))
    for call in calls.values():
        index.add_call(call)
    return index


def test_the_index_lives_in_the_data_folder_by_default(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    assert settings.vector_store.path == (tmp_path / "chroma").resolve()
    assert settings.retrieval.window == 4


def test_a_question_finds_the_passage_that_answers_it(
    index: CallIndex, calls: dict[str, Call]
) -> None:
    globex = calls["globex"].id
    passages = index.search("what did they say about pricing?", [globex], k=5)
    assert 1 <= len(passages) <= 5
    best = passages[0]
    assert "forty five dollars per seat" in best.text or "pricing look like" in best.text
    assert best.score >= index.min_confidence
    assert best.last_position - best.first_position <= 3
    assert "Ana Ruiz (Globex)" in best.speakers and "Sam Patel" in best.speakers
    assert "Ana Ruiz (Globex): " in best.text
    segments = [s for s in calls["globex"].segments
                if best.first_position <= s.position <= best.last_position]  # fmt: skip
    assert (best.start, best.end) == (segments[0].start, segments[-1].end)
    # No two passages returned for one question repeat the same turns.
    spans = [(p.first_position, p.last_position) for p in passages]
    assert all(a[1] < b[0] or b[1] < a[0] for i, a in enumerate(spans) for b in spans[i + 1:])


def test_a_paraphrase_is_found_by_meaning(index: CallIndex, calls: dict[str, Call]) -> None:
    passages = index.search("is the cost too high for them", [calls["globex"].id], k=3)
    assert any("a bit steep" in p.text or "forty five dollars" in p.text for p in passages)


def test_search_never_returns_a_passage_of_a_call_it_was_not_given(
    index: CallIndex, calls: dict[str, Call]
) -> None:
    globex, initech = calls["globex"].id, calls["initech"].id
    # SOC 2 is only said on the Initech call; asked of the Globex call it must not appear.
    only_globex = index.search("SOC 2 report", [globex], k=5)
    assert only_globex and all(p.call_id == globex for p in only_globex)
    assert not any("SOC 2" in p.text for p in only_globex)
    assert max(p.score for p in only_globex) < index.min_confidence
    both = index.search("SOC 2 report", [globex, initech], k=5)
    assert both[0].call_id == initech and "SOC 2" in both[0].text
    assert index.search("SOC 2 report", [], k=5) == []
    assert index.search("SOC 2 report", [987654], k=5) == []


def test_an_unrelated_question_has_low_confidence(
    index: CallIndex, calls: dict[str, Call]
) -> None:
    ids = [call.id for call in calls.values()]
    unrelated = index.search("what is the capital of Peru and its population", ids, k=5)
    related = index.search("when is the security review", ids, k=5)
    assert max(p.score for p in unrelated) < index.min_confidence
    assert related[0].score >= index.min_confidence


def test_adding_a_call_again_changes_nothing_and_an_edit_replaces_stale_text(
    calls: dict[str, Call], tmp_path: Path
) -> None:
    index = CallIndex(settings_in(tmp_path))
    call = calls["initech"]
    first = index.add_call(call)
    assert first == index.count(call.id) == index.count() > 0
    assert index.add_call(call) == first and index.count() == first
    edited = list(call.segments)
    turns = [(s.position, s.speaker, s.start, s.end, s.text) for s in edited]
    from knowledge.chunks import Turn

    changed = [Turn(p, sp, st, en, "We now need an ISO 27001 certificate." if p == 3 else tx)
               for p, sp, st, en, tx in turns]  # fmt: skip
    index.add_turns(call.id, changed)
    assert index.count(call.id) == first
    texts = [p.text for p in index.search("ISO 27001 certificate", [call.id], k=5)]
    assert any("ISO 27001" in text for text in texts)
    assert not any(edited[3].text in text for text in _all_texts(index, call.id))


def test_deleting_a_call_removes_its_passages_only(
    calls: dict[str, Call], tmp_path: Path
) -> None:
    index = CallIndex(settings_in(tmp_path))
    for call in calls.values():
        index.add_call(call)
    globex, initech = calls["globex"].id, calls["initech"].id
    index.delete_call(globex)
    assert index.count(globex) == 0
    assert index.search("pricing per seat", [globex], k=5) == []
    assert index.count(initech) > 0 and index.search("security review", [initech], k=1)


def test_the_embedded_index_survives_a_restart(calls: dict[str, Call], tmp_path: Path) -> None:
    call = calls["globex"]
    CallIndex(settings_in(tmp_path)).add_call(call)
    reopened = CallIndex(settings_in(tmp_path))  # as a new process would, from the same folder
    assert reopened.count(call.id) > 0
    assert "Gong" in reopened.search("are they looking at Gong?", [call.id], k=1)[0].text


def _all_texts(index: CallIndex, call_id: int) -> list[str]:
    stored = index.collection.get(where={"call_id": call_id}, include=["documents"])
    return list(stored["documents"] or [])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real Chroma server on 127.0.0.1, stopped afterwards."""
    port = _free_port()
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not start on port {port}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_chroma_server_holds_the_index_when_vector_store_url_is_set(
    calls: dict[str, Call], chroma_server: str, tmp_path: Path
) -> None:
    settings = settings_in(tmp_path, url=chroma_server)
    assert settings.vector_store.url == chroma_server
    index = CallIndex(settings)
    for call in calls.values():
        index.add_call(call)
    initech = calls["initech"].id
    found = index.search("what is blocking the deal?", [initech], k=3)
    assert found and all(isinstance(p, Passage) and p.call_id == initech for p in found)
    assert any("security review" in p.text for p in found)
    # Nothing was written locally: the server has it all, and a second client sees it.
    assert not (tmp_path / "chroma").exists()
    assert CallIndex(settings).count(initech) == index.count(initech) > 0
    index.delete_call(initech)
    assert CallIndex(settings).count(initech) == 0


def test_a_vector_store_url_without_a_host_is_refused(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    broken = replace(settings, vector_store=VectorStoreSettings(url="http://", path=tmp_path))
    with pytest.raises(CallIndexError, match=r"vector_store\.url"):
        CallIndex(broken).count()


def test_a_chroma_server_that_does_not_answer_gives_one_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    index = CallIndex(settings_in(tmp_path, url=url))
    with pytest.raises(CallIndexError, match=r"call index at http://127\.0\.0\.1:\d+: cannot"):
        index.search("pricing", [1], k=5)

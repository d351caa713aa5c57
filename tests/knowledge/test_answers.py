"""Questions, summaries and lists of calls, for reps, managers and an admin, on a real index.

Sam and Jane (reps, team West under Maria) and Lee (rep, team East under Omar) each have calls;
the index is Chroma with MiniLM, as in production. Every answer must come from calls the asker
may see, cite them, and say "I couldn't find that" the same way whatever lies outside the scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from knowledge.answers import answer_question, list_calls, summarize
from knowledge.citations import Answer
from knowledge.index import CallIndex
from knowledge.models import Call
from knowledge.settings import KnowledgeSettings, knowledge_settings
from sales.models import Base, User
from tests.knowledge.calls_support import add_call, make_org

NOW = datetime(2024, 11, 21, 20, 0, tzinfo=UTC)  # Thursday noon in Los Angeles


@dataclass
class Org:
    session: Session
    settings: KnowledgeSettings
    index: CallIndex
    calls: dict[str, Call]

    def user(self, name: str) -> User:
        return self.session.scalars(select(User).where(User.email == f"{name}@acme.example")).one()

    def ask(self, name: str, question: str) -> Answer:
        return answer_question(self.session, user=self.user(name), question=question,
                               settings=self.settings, now=NOW, index=self.index)  # fmt: skip


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    folder = tmp_path_factory.mktemp("calls")
    settings = knowledge_settings(
        {"data_dir": str(folder), "insights": {"competitors": ["Gong", "Chorus", "Outreach"]}},
        folder,
    )
    engine = create_engine(f"sqlite:///{folder / 'calls.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        make_org(session)
        days = lambda n: NOW - timedelta(days=n)  # noqa: E731
        calls = {
            "intro": add_call(session, "globex_intro.txt", owner="sam@acme.example",
                              title="Globex intro", started_at=days(8), account="Globex"),
            "globex": add_call(session, "globex_discovery.vtt", owner="sam@acme.example",
                               title="Globex discovery call", started_at=days(3),
                               account="Globex"),
            "fabrikam": add_call(session, "fabrikam_pricing.json", owner="sam@acme.example",
                                 title="Fabrikam pricing review", started_at=days(1),
                                 account="Fabrikam"),
            "initech": add_call(session, "initech_review.vtt", owner="jane@acme.example",
                                title="Initech pilot review", started_at=days(2),
                                account="Initech"),
            # Lee's customer is in no CRM record: only Lee's scope knows her name.
            "contoso": add_call(session, "contoso_checkin.srt", owner="lee@acme.example",
                                title="Contoso check-in", started_at=days(1), account="Contoso",
                                rename={"Olivia Hart": "Nadia Brooks"}),
        }  # fmt: skip
        index = CallIndex(settings)
        for call in calls.values():
            index.add_call(call)
        yield Org(session, settings, index, calls)
    engine.dispose()


def cited_calls(answer: Answer) -> set[int]:
    return {citation.call_id for citation in answer.citations}


def test_pricing_on_my_last_call_quotes_the_customer(org: Org) -> None:
    answer = org.ask("sam", "what did they say about pricing on my last call?")
    assert answer.found and cited_calls(answer) == {org.calls["fabrikam"].id}
    assert {c.speaker for c in answer.citations} == {"Dana Ortiz"}
    assert "Dana Ortiz (Fabrikam), " in answer.text and "'Fabrikam pricing review', Nov 20" in (
        answer.text
    )


def test_objections_with_an_account(org: Org) -> None:
    answer = org.ask("sam", "what objections came up with Globex?")
    assert answer.found and cited_calls(answer) == {org.calls["globex"].id}
    assert "budget" in answer.text and "authority" in answer.text
    assert "run this by my VP" in answer.text


def test_a_competitor_this_week_within_the_reps_own_calls(org: Org) -> None:
    answer = org.ask("sam", "did anyone mention Gong this week?")
    assert answer.found and cited_calls(answer) == {org.calls["globex"].id}
    assert "We're also evaluating Gong." in answer.text
    assert "Contoso" not in answer.text  # Lee's call says Gong six times, outside Sam's scope


def test_blockers_on_my_call_with_an_account(org: Org) -> None:
    answer = org.ask("jane", "any blockers on my call with Initech?")
    assert answer.found and cited_calls(answer) == {org.calls["initech"].id}
    assert "The main blocker is the security review." in answer.text
    assert "Bill Lumbergh (Initech), 00:" in answer.text


def test_another_reps_call_is_not_found_and_not_named(org: Org) -> None:
    answer = org.ask("sam", "any blockers on my call with Initech?")
    assert not answer.found and answer.citations == []
    assert answer.text == "I couldn't find that in your calls."


def test_a_name_outside_the_scope_is_answered_like_a_made_up_one(org: Org) -> None:
    outside = org.ask("sam", "what did Nadia say about pricing?")
    made_up = org.ask("sam", "what did Zelda say about pricing?")
    assert outside.text == made_up.text == "I couldn't find that in your calls."
    # Her rep's manager may see the call, and gets the answer.
    seen = org.ask("omar", "what did Nadia say about pricing?")
    assert seen.found and cited_calls(seen) == {org.calls["contoso"].id}
    assert "Nadia Brooks (Contoso)" in seen.text


def test_a_manager_sees_the_teams_calls_only(org: Org) -> None:
    answer = org.ask("maria", "which competitors came up on my team's calls this month?")
    team = {org.calls[name].id for name in ("globex", "initech", "fabrikam")}
    assert answer.found and cited_calls(answer) == team
    assert all(name in answer.text for name in ("Gong", "Chorus", "Outreach"))
    assert "Contoso" not in answer.text


def test_an_admin_sees_every_call(org: Org) -> None:
    answer = org.ask("admin", "did anyone mention Gong this week?")
    assert cited_calls(answer) == {org.calls["globex"].id, org.calls["contoso"].id}


def test_a_question_the_calls_do_not_answer(org: Org) -> None:
    answer = org.ask("sam", "what is the capital of France?")
    assert not answer.found and answer.text == "I couldn't find that in your calls."


def test_words_only_another_reps_call_has_are_not_found(org: Org) -> None:
    answer = org.ask("sam", "did anyone mention the migration plan?")
    assert not answer.found and "Contoso" not in answer.text
    assert org.ask("lee", "did anyone mention the migration plan?").found


def test_a_search_answer_quotes_the_transcript_with_a_citation(org: Org) -> None:
    answer = org.ask("sam", "who signs off on new tools at Globex?")
    assert answer.found and answer.citations
    first = answer.citations[0]
    call = org.calls["globex"]
    segment = next(s for s in call.segments if s.position == first.position)
    assert first.quote in segment.text and first.start == segment.start
    assert "Hank" in " ".join(c.quote for c in answer.citations) or "signs off" in answer.text


def test_next_steps_and_stats_read_one_call(org: Org) -> None:
    steps = org.ask("sam", "what are the next steps from my call with Globex?")
    assert cited_calls(steps) == {org.calls["globex"].id}
    # "by Friday" said on Monday Nov 18 (the call's own day, not today's) is Friday Nov 22.
    assert "Sam Patel, due Fri, Nov 22: \u201cI'll send the revised quote" in steps.text
    stats = org.ask("sam", "what was my talk ratio on my last call with Globex?")
    assert "talk/listen" in stats.text and "'Globex discovery call'" in stats.text


def test_summarize_my_last_call(org: Org) -> None:
    answer = summarize(org.session, user=org.user("sam"), question="summarize my last call",
                       settings=org.settings, now=NOW)  # fmt: skip
    assert answer.found and answer.call_ids == [org.calls["fabrikam"].id]
    text = answer.text
    assert text.startswith("Summary of 'Fabrikam pricing review' (Nov 20)")
    assert text.index("Customer impression:") < text.index("Summary:") < text.index("Next steps:")
    assert "I'll send the business case by Thursday." in text
    assert cited_calls(answer) == {org.calls["fabrikam"].id}


def test_a_manager_summarizes_a_reps_call_a_rep_cannot(org: Org) -> None:
    manager = summarize(org.session, user=org.user("maria"), question="summarize Jane's last call",
                        settings=org.settings, now=NOW)  # fmt: skip
    assert manager.call_ids == [org.calls["initech"].id]
    rep = summarize(org.session, user=org.user("sam"), question="summarize Jane's last call",
                    settings=org.settings, now=NOW)  # fmt: skip
    assert not rep.found and rep.text == "I couldn't find that in your calls."


def test_list_calls_follows_the_scope(org: Org) -> None:
    def listed(name: str, question: str = "show my recent calls") -> list[int]:
        return list_calls(org.session, user=org.user(name), question=question,
                          settings=org.settings, now=NOW).call_ids  # fmt: skip

    calls = org.calls
    assert listed("sam") == [calls["fabrikam"].id, calls["globex"].id, calls["intro"].id]
    assert set(listed("maria", "list my team's calls")) == {
        calls["fabrikam"].id, calls["globex"].id, calls["initech"].id, calls["intro"].id,
    }  # fmt: skip
    assert len(listed("admin", "list all calls")) == 5
    assert listed("sam", "my calls with Globex") == [calls["globex"].id, calls["intro"].id]
    assert listed("sam", "my calls last week") == [calls["intro"].id]

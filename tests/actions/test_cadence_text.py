"""Reading cadence requests out of messages: what a rep or manager types, against real names."""

from __future__ import annotations

import pytest

from actions.cadence_text import (
    Known,
    KnownUser,
    call_result,
    named_user,
    split_targets,
    understand,
)

KNOWN = Known(
    cadences=["Q4 Outbound", "Inbound Follow-up", "Cold Calls"],
    lists=["Dreamforce webinar", "Spring webinar"],
    users=[
        KnownUser("sam@acme.example", "Sam Patel"),
        KnownUser("maria@acme.example", "Maria Lopez"),
        KnownUser("jane@acme.example", "Jane Kim"),
    ],
)


def test_a_manager_enrols_a_list_for_a_rep() -> None:
    request = understand(
        "enroll the Dreamforce webinar list into Q4 Outbound for Sam", "enroll_in_cadence", KNOWN
    )
    assert (request.cadence, request.list_name, request.assignee, request.targets) == (
        "Q4 Outbound", "Dreamforce webinar", "sam@acme.example", [])
    assert request.targets_text == "list: Dreamforce webinar"


def test_emails_and_names_are_the_targets() -> None:
    request = understand(
        "add cy@fabrikam.example and dana@initech.example to Inbound Follow-up",
        "enroll_in_cadence", KNOWN,
    )
    assert request.cadence == "Inbound Follow-up"
    assert request.targets == ["cy@fabrikam.example", "dana@initech.example"]
    assert understand("put Jane Roe in Q4 Outbound", "enroll_in_cadence", KNOWN).targets == [
        "Jane Roe"]


def test_a_user_s_first_name_is_a_target_unless_it_names_the_assignee() -> None:
    # "Jane" is a user, but "Jane Roe" is the lead being enrolled: no "for" before her.
    request = understand("put Jane Roe in Q4 Outbound", "enroll_in_cadence", KNOWN)
    assert request.assignee is None
    request = understand("reassign Jane Roe to Jane in Inbound Follow-up", "reassign_cadence",
                         KNOWN)
    assert (request.targets, request.assignee) == (["Jane Roe"], "jane@acme.example")


def test_a_misspelt_cadence_is_kept_as_typed_so_the_service_can_suggest() -> None:
    request = understand("put jane roe in the q4 outbond cadence", "enroll_in_cadence", KNOWN)
    assert request.cadence == "q4 outbond"
    assert request.targets == ["jane roe"]


def test_an_unknown_cadence_named_as_such_is_kept() -> None:
    request = understand("enroll Priya into the Renewal Push cadence", "enroll_in_cadence", KNOWN)
    assert (request.cadence, request.targets) == ("Renewal Push", ["Priya"])


@pytest.mark.parametrize(
    ("text", "flow", "targets", "all_cadences"),
    [
        ("remove Ben Ortiz from all cadences", "remove_from_cadence", ["Ben Ortiz"], True),
        ("take ana@globex.example off every cadence", "remove_from_cadence",
         ["ana@globex.example"], True),
        ("Ana replied, take her out of Q4 Outbound", "remove_from_cadence", ["Ana"], False),
        ("Dana asked us to wait, pause her", "pause_cadence", ["Dana"], False),
        ("pause Ana's cadence", "pause_cadence", ["Ana"], False),
        ("hold off on Jane Roe for now", "pause_cadence", ["Jane Roe"], False),
        ("skip the LinkedIn step for Ana", "skip_cadence_step", ["Ana"], False),
        ("I sent the follow-up email to Priya Shah", "complete_cadence_step", ["Priya Shah"],
         False),
    ],
)
def test_the_person_is_what_is_left_of_the_sentence(
    text: str, flow: str, targets: list[str], all_cadences: bool
) -> None:
    request = understand(text, flow, KNOWN)
    assert request.targets == targets
    assert request.all_cadences is all_cadences


@pytest.mark.parametrize(
    ("text", "result", "target"),
    [
        ("I called Ana, left a voicemail", "left_voicemail", "Ana"),
        ("I called Hana Ito and she's not interested", "not_interested", "Hana Ito"),
        ("just talked to Ana, she's interested", "meaningful_connect", "Ana"),
        ("called Jane Roe, she asked me to call back next week", "call_back_later", "Jane Roe"),
        ("log a call with ben@globex.example: disqualified", "disqualified", "ben@globex.example"),
    ],
)
def test_a_call_and_its_result(text: str, result: str, target: str) -> None:
    request = understand(text, "log_cadence_call", KNOWN)
    assert (request.call_result, request.targets) == (result, [target])


def test_a_sentence_without_a_result_has_none() -> None:
    assert call_result("I had a call with Jane Roe") is None


def test_an_answer_naming_people_and_a_list_splits_into_them() -> None:
    assert split_targets("list: Spring webinar, ana@globex.example, Jane Roe") == (
        "Spring webinar", ["ana@globex.example", "Jane Roe"])
    assert split_targets("ana@globex.example and Jane Roe") == (
        None, ["ana@globex.example", "Jane Roe"])
    assert split_targets("the Spring webinar list") == ("Spring webinar", [])


@pytest.mark.parametrize(("text", "email"), [
    ("what is Jane working on today?", "jane@acme.example"),
    ("what's on jane's plate", "jane@acme.example"),
    ("what is due for jane kim this week", "jane@acme.example"),
    ("what's due for sam@acme.example", "sam@acme.example"),
    ("what's due for Jane Roe?", None),  # a lead who shares a user's first name
    ("what's due today?", None),
])
def test_the_user_a_message_names(text: str, email: str | None) -> None:
    assert named_user(text, KNOWN.users) == email

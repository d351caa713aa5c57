"""Cadences as a service: the one module the chat actions and the email job use.

Every function takes a ``Session`` (it flushes; the caller commits or rolls back) and a
``now`` (aware UTC; the current time when omitted) so that tests control the clock. A request
refused as a whole raises :class:`CadenceError` and changes nothing; otherwise a small result
object carries the facts and a ``summary`` the chat can say as it is.

The rules and their sources (spec/se.md) are described in the modules behind this one:
``cadence_enroll`` (enrolment, limits, refusals), ``cadence_changes`` (remove, pause, resume,
reassign), ``cadence_flow`` (steps, branches, dispositions), ``cadence_engagement`` (email
events, call results, lead status), ``cadence_tasks`` (the step a rep means),
``cadence_queries`` and ``cadence_reports`` (what's due, members, stats), ``cadence_access``
(who may do what), ``cadence_targets`` (names to records).
"""

from __future__ import annotations

from sales.cadence_changes import (
    normal_disposition,
    pause,
    preview_remove,
    reassign,
    remove,
    resume,
    resume_ended_pauses,
)
from sales.cadence_engagement import (
    convert_lead,
    log_call_result,
    record_engagement,
    set_lead_status,
)
from sales.cadence_enroll import MAX_CADENCES, MAX_TARGETS, enroll, preview_enroll
from sales.cadence_flow import call_result, complete_task, skip_task
from sales.cadence_queries import WORK_QUEUE_LIMIT, DueWindow, due_today, members
from sales.cadence_reports import due_automated_emails, my_enrollments, stats
from sales.cadence_results import (
    CONFIRM_ABOVE,
    CadenceError,
    CadenceStats,
    ChangeOutcome,
    DueGroup,
    DueItem,
    DueToday,
    EngagementOutcome,
    EnrollmentOutcome,
    EnrollmentView,
    MemberRow,
    Members,
    Refusal,
    StepOutcome,
    StepStats,
    TargetEnrollments,
)
from sales.cadence_targets import find_cadence, find_list, find_user
from sales.cadence_tasks import due_task

__all__ = [
    "CONFIRM_ABOVE",
    "MAX_CADENCES",
    "MAX_TARGETS",
    "WORK_QUEUE_LIMIT",
    "CadenceError",
    "CadenceStats",
    "ChangeOutcome",
    "DueGroup",
    "DueItem",
    "DueToday",
    "DueWindow",
    "EngagementOutcome",
    "EnrollmentOutcome",
    "EnrollmentView",
    "MemberRow",
    "Members",
    "Refusal",
    "StepOutcome",
    "StepStats",
    "TargetEnrollments",
    "call_result",
    "complete_task",
    "convert_lead",
    "due_automated_emails",
    "due_task",
    "due_today",
    "enroll",
    "find_cadence",
    "find_list",
    "find_user",
    "log_call_result",
    "members",
    "my_enrollments",
    "normal_disposition",
    "pause",
    "preview_enroll",
    "preview_remove",
    "reassign",
    "record_engagement",
    "remove",
    "resume",
    "resume_ended_pauses",
    "set_lead_status",
    "skip_task",
    "stats",
]

"""Importing the people and companies reps sell to: accounts, contacts and leads.

Natural keys: an account is its domain, else its name; a contact or lead is its email. A blank
field keeps what is stored; on create the model's default applies.

An import is where a CRM's changes arrive, so the cadence exit rules apply to them: a lead whose
status becomes converted or unqualified leaves its cadences (Success, Disqualified), and a
person who opts out of email (false to true; a record that stays opted out is left alone)
leaves every cadence (spec TGT-8, TGT-10, TGT-11).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sales.cadence_engagement import record_engagement, set_lead_status
from sales.import_run import ImportRun, optional_user, reject_duplicate, rows_by_key
from sales.importing import Fields, SourceRecord
from sales.models import utc_now
from sales.prospects import LEAD_STATUSES, Account, Contact, Lead

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_EMPLOYEES = 10_000_000
MAX_SCORE = 100


def _set_given(target: object, values: dict[str, Any]) -> None:
    """Copy the values the record gave; a blank (None) keeps what is stored."""
    for column, value in values.items():
        if value is not None:
            setattr(target, column, value)


# --- accounts ---------------------------------------------------------------------------------

_ACCOUNT_FIELDS = ("name", "domain", "owner", "industry", "employees", "country")


def import_accounts(run: ImportRun, records: list[SourceRecord]) -> int:
    seen: dict[str, SourceRecord] = {}
    for record in records:
        fields = Fields(record, _ACCOUNT_FIELDS)
        name = fields.required_text("name")
        domain = _domain(fields, "domain")
        key = f"domain:{domain}" if domain else f"name:{name.casefold()}"
        reject_duplicate(seen, key, record, "domain" if domain else "name")
        account = _find_account(run.session, record, name, domain)
        if account is None:
            account = Account(name=name)
            run.session.add(account)
        _set_given(
            account,
            {
                "name": name,
                "domain": domain,
                "owner": optional_user(run, fields.email("owner"), record, "owner"),
                "industry": fields.text("industry", max_length=100),
                "employees": fields.integer("employees", maximum=MAX_EMPLOYEES),
                "country": fields.text("country", max_length=100),
            },
        )
        run.session.flush()  # the next record's lookup by name or domain must see this one
    return len(records)


def _domain(fields: Fields, field: str) -> str | None:
    value = fields.text(field, max_length=253)
    if value is None:
        return None
    domain = value.lower().removeprefix("www.")
    if not _DOMAIN.match(domain):
        raise fields.record.error(field, f"expected a domain like globex.example, got {value!r}")
    return domain


def _find_account(
    session: Session, record: SourceRecord, name: str, domain: str | None
) -> Account | None:
    """The stored account this record updates: same domain, else the one account of that name.

    An account first imported without a domain gets it on a later import, instead of a twin.
    """
    if domain is not None:
        found = session.scalars(select(Account).where(Account.domain == domain)).first()
        if found is not None:
            return found
    named = select(Account).where(func.lower(Account.name) == name.lower())
    if domain is not None:
        named = named.where(Account.domain.is_(None))
    matches = list(session.scalars(named.limit(2)))
    if len(matches) > 1:
        raise record.error("name", f"several accounts are named {name!r}; give the domain")
    return matches[0] if matches else None


def account_named(session: Session, value: str, record: SourceRecord, field: str) -> Account:
    """The account a record names by domain or by name (any case)."""
    found = session.scalars(select(Account).where(Account.domain == value.lower())).first()
    if found is not None:
        return found
    matches = list(
        session.scalars(select(Account).where(func.lower(Account.name) == value.lower()).limit(2))
    )
    if len(matches) > 1:
        raise record.error(field, f"several accounts are named {value!r}; give the domain")
    if not matches:
        raise record.error(field, f"no account named {value!r} or with that domain")
    return matches[0]


# --- contacts ---------------------------------------------------------------------------------

_CONTACT_FIELDS = (
    "email", "first_name", "last_name", "account", "owner", "title", "phone", "email_opt_out",
    "do_not_call",
)  # fmt: skip


def import_contacts(run: ImportRun, records: list[SourceRecord]) -> int:
    emails = _read_emails(records, _CONTACT_FIELDS)
    existing = rows_by_key(run.session, Contact, Contact.email, emails)
    for record, email in zip(records, emails, strict=True):
        fields = Fields(record, _CONTACT_FIELDS)
        contact = existing.get(email)
        account_name = fields.text("account")
        account = (
            account_named(run.session, account_name, record, "account") if account_name else None
        )
        was_opted_out = contact.email_opt_out if contact is not None else None
        if contact is None:
            # A new contact's account defaults to the one of its email's domain, and its owner
            # to the account's: enrolment assigns the owner, so nobody should be left without.
            account = account or _account_of_domain(run.session, email)
            contact = Contact(email=email, owner=account.owner if account else None)
            run.session.add(contact)
        _set_given(
            contact,
            {
                "first_name": fields.text("first_name", max_length=100),
                "last_name": fields.text("last_name", max_length=100),
                "account": account,
                "owner": optional_user(run, fields.email("owner"), record, "owner"),
                "title": fields.text("title"),
                "phone": _phone(fields, "phone"),
                "email_opt_out": fields.boolean("email_opt_out"),
                "do_not_call": fields.boolean("do_not_call"),
            },
        )
        _leave_cadences_on_opt_out(run, email, was_opted_out, contact.email_opt_out)
    return len(records)


def _leave_cadences_on_opt_out(
    run: ImportRun, email: str, was_opted_out: bool | None, opted_out: bool | None
) -> None:
    """A stored record that opts out now leaves every cadence (a new one is in none)."""
    if was_opted_out is False and opted_out:
        record_engagement(run.session, email, "opt_out", now=utc_now())


def _account_of_domain(session: Session, email: str) -> Account | None:
    domain = email.rsplit("@", 1)[1]
    return session.scalars(select(Account).where(Account.domain == domain)).first()


def _phone(fields: Fields, field: str) -> str | None:
    value = fields.text(field, max_length=50)
    if value is not None and not re.fullmatch(r"[+()\d][\d ()./x+-]*", value):
        raise fields.record.error(field, f"not a phone number: {value!r}")
    return value


def _read_emails(records: list[SourceRecord], known: tuple[str, ...]) -> list[str]:
    """Every record's email (its natural key), refusing the same person twice in one file."""
    seen: dict[str, SourceRecord] = {}
    emails = []
    for record in records:
        email = Fields(record, known).required_email("email")
        reject_duplicate(seen, email, record, "email")
        emails.append(email)
    return emails


# --- leads ------------------------------------------------------------------------------------

_LEAD_FIELDS = (
    "email", "first_name", "last_name", "company", "title", "owner", "status", "source",
    "country", "employees", "industry", "score", "email_opt_out", "do_not_call",
)  # fmt: skip


def import_leads(run: ImportRun, records: list[SourceRecord]) -> int:
    emails = _read_emails(records, _LEAD_FIELDS)
    existing = rows_by_key(run.session, Lead, Lead.email, emails)
    for record, email in zip(records, emails, strict=True):
        fields = Fields(record, _LEAD_FIELDS)
        lead = existing.get(email)
        was_opted_out = lead.email_opt_out if lead is not None else None
        if lead is None:
            lead = Lead(email=email)
            run.session.add(lead)
        status = fields.choice("status", LEAD_STATUSES)
        _set_given(
            lead,
            {
                "first_name": fields.text("first_name", max_length=100),
                "last_name": fields.text("last_name", max_length=100),
                "company": fields.text("company"),
                "title": fields.text("title"),
                "owner": optional_user(run, fields.email("owner"), record, "owner"),
                "source": fields.text("source", max_length=100),
                "country": fields.text("country", max_length=100),
                "employees": fields.integer("employees", maximum=MAX_EMPLOYEES),
                "industry": fields.text("industry", max_length=100),
                "score": fields.integer("score", maximum=MAX_SCORE),
                "email_opt_out": fields.boolean("email_opt_out"),
                "do_not_call": fields.boolean("do_not_call"),
            },
        )
        undated = status == "converted" and lead.converted_at is None
        if status is not None and (status != lead.status or undated):
            # Through the cadence service, so a conversion or disqualification ends cadences.
            set_lead_status(run.session, lead, status, now=utc_now())
        _leave_cadences_on_opt_out(run, email, was_opted_out, lead.email_opt_out)
    return len(records)

"""The outbox: merge fields, queueing, sending over a real local SMTP server, the daily limit."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import sales.outbox
from sales.cadence_models import OutboxEmail
from sales.models import User
from sales.outbox import (
    EmailSettingsError,
    RenderedEmail,
    SmtpSettings,
    TemplateFieldError,
    check_template,
    email_settings,
    emails_sent_today,
    queue_email,
    render,
    send_queued,
)
from sales.prospects import Account, Contact, Lead
from tests.support.smtp import SmtpServer, free_port, smtp_server

NOW = datetime(2025, 10, 15, 15, 0, tzinfo=UTC)  # Wednesday 11:00 in New York


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server(refuse={"gone@initech.example": "550 5.1.1 No such user",
                             "busy@initech.example": "451 4.3.0 Try again later"}) as running:
        yield running


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def settings_for(server: SmtpServer, **extra: object) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, timeout=5, **extra)  # type: ignore[arg-type]


def people() -> tuple[User, Lead, Contact]:
    sam = User(email="sam@acme.example", name="Sam Rivera", timezone="America/New_York")
    lead = Lead(email="Ann@Initech.example", first_name="Ann", last_name="Lee",
                company="Initech", title="VP Sales")
    account = Account(name="Globex", domain="globex.example")
    contact = Contact(email="bo@globex.example", first_name="Bo", last_name="Diaz",
                      account=account)
    return sam, lead, contact


def add_people(session: Session) -> tuple[User, Lead, Contact]:
    sam, lead, contact = people()
    session.add_all([sam, lead, contact])
    session.commit()
    return sam, lead, contact


def queue_to(session: Session, sender: User, address: str, subject: str = "Hello",
             now: datetime = NOW) -> OutboxEmail:
    lead = session.scalar(select(Lead).where(Lead.email == address.lower()))
    if lead is None:
        lead = Lead(email=address, first_name="X")
        session.add(lead)
    row = queue_email(session, sender=sender, recipient=lead,
                      email=RenderedEmail(subject, f"Body for {address}"), now=now)
    session.commit()
    return row


def statuses(session: Session) -> dict[str, str]:
    session.expire_all()
    return {row.to_email: row.status for row in session.scalars(select(OutboxEmail))}


# --- merge fields -----------------------------------------------------------------------------


def test_render_fills_recipient_sender_and_organization_fields() -> None:
    sam, lead, contact = people()
    template = ("Hi {{Recipient.FirstName}} {{Recipient.LastName}},\n"
                "how is {{Recipient.Company}}? As {{Recipient.Title}} at {{Recipient.Email}}...\n"
                "{{Sender.Name}} <{{Sender.Email}}>, {{Organization.Name}}\n")
    email = render(template, "{{Recipient.Company}} x {{Organization.Name}}", lead, sam,
                   organization="Acme")
    assert email.subject == "Initech x Acme"
    assert email.body == ("Hi Ann Lee,\nhow is Initech? As VP Sales at ann@initech.example...\n"
                          "Sam Rivera <sam@acme.example>, Acme\n")
    # A contact's company is its account; a missing title prints as nothing.
    email = render("{{Recipient.FirstName}} at {{Recipient.Company}}[{{Recipient.Title}}]",
                   "Hi", contact, sam)
    assert email.body == "Bo at Globex[]"


def test_templates_may_use_conditions_on_fields() -> None:
    sam, lead, contact = people()
    template = "{% if Recipient.Title %}As {{Recipient.Title}}, {% endif %}you know."
    assert render(template, "s", lead, sam).body == "As VP Sales, you know."
    assert render(template, "s", contact, sam).body == "you know."


@pytest.mark.parametrize(
    ("template", "named"),
    [
        ("Hi {{Recipient.Phone}}", "{{Recipient.Phone}}"),
        ("Hi {{ Recipient.firstname }}", "{{Recipient.firstname}}"),
        ("From {{Owner.Name}}", "{{Owner.Name}}"),
        ("Hi {{FirstName}}", "{{FirstName}}"),
        ("Hi {{ Recipient.__class__ }}", "{{Recipient.__class__}}"),
    ],
)
def test_unknown_merge_fields_are_named_with_the_known_ones(template: str, named: str) -> None:
    with pytest.raises(TemplateFieldError) as error:
        check_template(template)
    message = str(error.value)
    assert f"unknown merge field {named}" in message
    assert "{{Recipient.FirstName}}" in message and "{{Organization.Name}}" in message


def test_a_broken_template_names_the_line_and_the_part() -> None:
    sam, lead, _ = people()
    with pytest.raises(TemplateFieldError, match=r"^template line 2: "):
        render("Hi\n{{ Recipient.FirstName", "s", lead, sam)
    with pytest.raises(TemplateFieldError, match=r"^subject: unknown merge field"):
        render("Hi", "About {{Recipient.Budget}}", lead, sam)


def test_field_values_are_data_not_template_code() -> None:
    sam, lead, _ = people()
    lead.first_name = "{{ Sender.Email }}{% for x in range(3) %}!{% endfor %}"
    lead.company = "Initech\r\nBcc: everyone@example.com"
    email = render("Hi {{Recipient.FirstName}}", "For {{Recipient.Company}}", lead, sam)
    assert email.body == "Hi {{ Sender.Email }}{% for x in range(3) %}!{% endfor %}"
    assert email.subject == "For Initech Bcc: everyone@example.com"  # one header line


def test_the_sandbox_refuses_reaching_into_python() -> None:
    sam, lead, _ = people()
    with pytest.raises(TemplateFieldError, match="unsafe"):
        render("{{ Recipient.FirstName.__class__.__mro__ }}", "s", lead, sam)


# --- settings ---------------------------------------------------------------------------------


def test_email_settings_parse_with_defaults() -> None:
    assert email_settings(None).smtp is None
    assert email_settings(None).daily_limit_per_user == 1000
    parsed = email_settings({"daily_limit_per_user": "100", "organization": "Acme",
                             "smtp": {"host": "mail.example", "port": "587",
                                      "starttls": "true", "from": "out@acme.example",
                                      "username": "u", "password": "p"}})
    assert parsed.daily_limit_per_user == 100 and parsed.organization == "Acme"
    assert parsed.smtp == SmtpSettings(host="mail.example", port=587, username="u",
                                       password="p", starttls=True,
                                       from_address="out@acme.example")
    # An empty host (${SMTP_HOST:-} unset) means: not configured.
    assert email_settings({"smtp": {"host": "", "port": 25}}).smtp is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"daily_limit_per_user": "lots"}, "email.daily_limit_per_user: expected a whole number"),
        ({"daily_limit_per_user": -1}, "email.daily_limit_per_user: -1 is out of range"),
        ({"smtp": {"host": "h", "port": 70000}}, "email.smtp.port: 70000 is out of range"),
        ({"smtp": {"host": "h", "starttls": "maybe"}}, "email.smtp.starttls: expected true"),
        ({"smtp": {"host": "h", "pasword": "x"}}, "email.smtp: unknown setting(s) pasword"),
        ({"smtp": "mail.example"}, "email.smtp: expected a mapping"),
    ],
)
def test_bad_email_settings_name_the_key(section: dict[str, object], message: str) -> None:
    with pytest.raises(EmailSettingsError) as error:
        email_settings(section)
    assert message in str(error.value)


# --- queueing and sending ---------------------------------------------------------------------


def test_a_queued_email_is_delivered_once_and_marked_sent(session: Session,
                                                          server: SmtpServer) -> None:
    sam, lead, _ = add_people(session)
    email = render("Hi {{Recipient.FirstName}},\nshall we talk?\n", "For {{Recipient.Company}}",
                   lead, sam)
    row = queue_email(session, sender=sam, recipient=lead, email=email, now=NOW)
    session.commit()
    assert row.status == "queued"

    report = send_queued(session, settings_for(server), now=NOW)
    again = send_queued(session, settings_for(server), now=NOW + timedelta(minutes=1))

    assert (report.sent, again.sent, again.summary) == (1, 0, "nothing to send")
    [received] = server.received
    assert received.rcpt_tos == ["ann@initech.example"]
    message = received.message
    assert message["Subject"] == "For Initech"
    assert message["From"] == "Sam Rivera <sam@acme.example>"
    assert message["Date"].datetime == NOW
    assert received.body == "Hi Ann,\nshall we talk?\n"
    session.refresh(row)
    assert (row.status, row.sent_at, row.error) == ("sent", NOW, None)
    assert row.message_id == message["Message-ID"]


def test_a_relay_from_address_keeps_the_rep_as_reply_to(session: Session,
                                                        server: SmtpServer) -> None:
    sam, _, _ = add_people(session)
    queue_to(session, sam, "ann@initech.example")
    send_queued(session, settings_for(server, from_address="outreach@acme.example"), now=NOW)
    [received] = server.received
    assert received.mail_from == "outreach@acme.example"
    assert received.message["From"] == "Sam Rivera <outreach@acme.example>"
    assert received.message["Reply-To"] == "Sam Rivera <sam@acme.example>"


def test_without_smtp_emails_wait_and_that_is_logged_once(
    session: Session, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sales.outbox, "_no_smtp_reported", False)
    sam, _, _ = add_people(session)
    queue_to(session, sam, "ann@initech.example")
    with caplog.at_level(logging.INFO, logger="sales.outbox"):
        first = send_queued(session, None, now=NOW)
        second = send_queued(session, None, now=NOW + timedelta(minutes=1))
    assert (first.waiting, second.waiting, first.sent) == (1, 1, 0)
    notes = [r for r in caplog.records if "no SMTP server configured" in r.getMessage()]
    assert len(notes) == 1 and notes[0].levelno < logging.ERROR
    assert statuses(session) == {"ann@initech.example": "queued"}


def test_an_unreachable_server_leaves_emails_queued(session: Session) -> None:
    sam, _, _ = add_people(session)
    queue_to(session, sam, "ann@initech.example")
    nobody = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)
    report = send_queued(session, nobody, now=NOW)
    assert report.waiting == 1 and report.sent == 0
    assert report.error is not None and f"127.0.0.1:{nobody.port}" in report.error
    assert statuses(session) == {"ann@initech.example": "queued"}


def test_refused_recipients_fail_for_good_or_wait_and_the_rest_go_out(
    session: Session, server: SmtpServer
) -> None:
    sam, _, _ = add_people(session)
    for address in ("gone@initech.example", "busy@initech.example", "ann@initech.example"):
        queue_to(session, sam, address)
    report = send_queued(session, settings_for(server), now=NOW)
    assert (report.sent, report.failed, report.waiting) == (1, 1, 1)
    assert statuses(session) == {"gone@initech.example": "failed",
                                 "busy@initech.example": "queued",
                                 "ann@initech.example": "sent"}
    errors = {row.to_email: row.error for row in session.scalars(select(OutboxEmail))}
    assert "550" in (errors["gone@initech.example"] or "")
    assert "No such user" in (errors["gone@initech.example"] or "")
    assert "451" in (errors["busy@initech.example"] or "")
    assert [r.rcpt_tos for r in server.received] == [["ann@initech.example"]]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_uses_the_configured_credentials(session: Session) -> None:
    sam, _, _ = add_people(session)
    queue_to(session, sam, "ann@initech.example")
    with smtp_server(credentials=("sam", "s3cret")) as secured:
        wrong = send_queued(session, SmtpSettings(host=secured.host, port=secured.port,
                                                  username="sam", password="nope", timeout=5),
                            now=NOW)
        assert wrong.waiting == 1 and "535" in (wrong.error or "")
        right = send_queued(session, SmtpSettings(host=secured.host, port=secured.port,
                                                  username="sam", password="s3cret", timeout=5),
                            now=NOW)
        assert right.sent == 1 and len(secured.received) == 1


def test_an_opt_out_after_queueing_cancels_the_email(session: Session,
                                                     server: SmtpServer) -> None:
    sam, lead, _ = add_people(session)
    queue_to(session, sam, lead.email)
    lead.email_opt_out = True
    session.commit()
    report = send_queued(session, settings_for(server), now=NOW)
    assert report.cancelled == 1 and server.received == []
    row = session.scalars(select(OutboxEmail)).one()
    assert row.status == "cancelled" and "opted out" in (row.error or "")


def test_the_daily_limit_defers_to_the_senders_next_local_day(session: Session,
                                                              server: SmtpServer) -> None:
    sam, _, _ = add_people(session)  # New York
    late_evening = datetime(2025, 10, 16, 3, 30, tzinfo=UTC)  # Wednesday 23:30 in New York
    for n in range(3):
        queue_to(session, sam, f"p{n}@initech.example", now=late_evening)
    settings = settings_for(server)

    first = send_queued(session, settings, now=late_evening, daily_limit=2)
    # 00:30 UTC is a new day in London, not in New York: still Wednesday for Sam.
    same_day = send_queued(session, settings, now=late_evening + timedelta(minutes=20),
                           daily_limit=2)
    next_day = send_queued(session, settings, now=late_evening + timedelta(hours=1),
                           daily_limit=2)

    assert (first.sent, first.deferred) == (2, 1)
    assert (same_day.sent, same_day.deferred) == (0, 1)
    assert (next_day.sent, next_day.deferred) == (1, 0)
    assert len(server.received) == 3
    assert emails_sent_today(session, sam, late_evening) == 2
    assert emails_sent_today(session, sam, late_evening + timedelta(hours=1)) == 1


def test_each_sender_has_a_limit_of_their_own(session: Session, server: SmtpServer) -> None:
    sam, _, _ = add_people(session)
    kim = User(email="kim@acme.example", name="Kim Park", timezone="Europe/Berlin")
    session.add(kim)
    session.commit()
    for n in range(2):
        queue_to(session, sam, f"s{n}@initech.example")
        queue_to(session, kim, f"k{n}@initech.example")
    report = send_queued(session, settings_for(server), now=NOW, daily_limit=1)
    assert (report.sent, report.deferred) == (2, 2)
    assert statuses(session) == {"s0@initech.example": "sent", "k0@initech.example": "sent",
                                 "s1@initech.example": "queued", "k1@initech.example": "queued"}


def test_an_email_claimed_by_another_runner_is_not_sent_again(
    session: Session, server: SmtpServer, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam, _, _ = add_people(session)
    row = queue_to(session, sam, "ann@initech.example")
    # Another runner sent it between this runner's listing and its claim.
    original = sales.outbox._claim

    def claim_after_other_runner(session_: Session, email_id: int) -> OutboxEmail | None:
        with Session(engine) as other:
            other.get_one(OutboxEmail, row.id).status = "sent"
            other.commit()
        return original(session_, email_id)

    monkeypatch.setattr(sales.outbox, "_claim", claim_after_other_runner)
    report = send_queued(session, settings_for(server), now=NOW)
    assert report.sent == 0 and server.received == []

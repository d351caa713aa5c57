"""An admin imports accounts, contacts and leads from CSV or YAML files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sales.data import DataImportError, import_file, import_records
from sales.prospects import Account, Contact, Lead
from tests.sales.import_support import sqlite_engine

Write = Callable[[str, str], Path]

REPS = [
    {"email": "sam@acme.example", "name": "Sam"},
    {"email": "jane@acme.example", "name": "Jane"},
]
ACCOUNTS_CSV = """\
name,domain,owner,industry,employees,country
Globex,globex.example,sam@acme.example,Manufacturing,4200,US
Initech,WWW.Initech.example,jane@acme.example,,850,
Hooli,,,,,
"""


@pytest.fixture
def org(engine: Engine) -> Engine:
    import_records(engine, "users", REPS, "org")
    return engine


@pytest.fixture
def lite_org(tmp_path: Path) -> Iterator[Engine]:
    """For validation only: SQLite alone (see tests/sales/import_support.py)."""
    with sqlite_engine(tmp_path) as engine:
        import_records(engine, "users", REPS, "org")
        yield engine


def accounts(engine: Engine) -> dict[str, dict[str, Any]]:
    with Session(engine) as session:
        return {
            account.name: {
                "domain": account.domain,
                "owner": account.owner.email if account.owner else None,
                "industry": account.industry,
                "employees": account.employees,
                "country": account.country,
            }
            for account in session.scalars(select(Account))
        }


def people(engine: Engine, model: type[Contact] | type[Lead]) -> dict[str, dict[str, Any]]:
    """Every contact or lead by email, with the columns a rep would look at."""
    skip = {"id", "email", "created_at", "owner_id", "account_id", "converted_at"}
    with Session(engine) as session:
        found = {}
        for person in session.scalars(select(model)):
            row = {c.key: getattr(person, c.key) for c in model.__table__.columns}
            row = {key: value for key, value in row.items() if key not in skip}
            row["owner"] = person.owner.email if person.owner else None
            if isinstance(person, Contact):
                row["account"] = person.account.name if person.account else None
            found[person.email] = row
        return found


def count(engine: Engine, model: type[Any]) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- accounts ---------------------------------------------------------------------------------


def test_accounts_import_from_csv_with_owners_and_numbers(org: Engine, write: Write) -> None:
    assert import_file(org, "accounts", write("accounts.csv", ACCOUNTS_CSV)) == 3

    assert accounts(org) == {
        "Globex": {
            "domain": "globex.example",
            "owner": "sam@acme.example",
            "industry": "Manufacturing",
            "employees": 4200,
            "country": "US",
        },
        "Initech": {
            "domain": "initech.example",  # lower-cased, without www.
            "owner": "jane@acme.example",
            "industry": None,
            "employees": 850,
            "country": None,
        },
        "Hooli": {
            "domain": None,
            "owner": None,
            "industry": None,
            "employees": None,
            "country": None,
        },
    }


def test_accounts_reimport_by_domain_else_by_name(org: Engine, write: Write) -> None:
    import_file(org, "accounts", write("accounts.csv", ACCOUNTS_CSV))
    again = write(
        "accounts.yml",
        "accounts:\n"
        "  - {name: Globex Corporation, domain: globex.example, employees: 5000}\n"
        "  - {name: hooli, domain: hooli.example, owner: sam@acme.example}\n",
    )

    assert import_file(org, "accounts", again) == 2

    stored = accounts(org)
    assert set(stored) == {"Globex Corporation", "Initech", "hooli"}
    assert stored["Globex Corporation"]["employees"] == 5000
    assert stored["Globex Corporation"]["owner"] == "sam@acme.example"  # blank keeps it
    # Hooli had no domain: the second file gives it one instead of making a twin.
    assert stored["hooli"]["domain"] == "hooli.example"
    assert stored["hooli"]["owner"] == "sam@acme.example"


def test_importing_the_same_accounts_twice_changes_nothing(org: Engine, write: Write) -> None:
    path = write("accounts.csv", ACCOUNTS_CSV)
    import_file(org, "accounts", path)
    before = accounts(org)
    import_file(org, "accounts", path)
    assert accounts(org) == before


# --- contacts ---------------------------------------------------------------------------------

CONTACTS_CSV = """\
email,first_name,last_name,account,owner,title,phone,email_opt_out,do_not_call
Hank@Globex.example,Hank,Scorpio,Globex,,CEO,+1 555 0101,no,0
frank@globex.example,Frank,Grimes,globex.example,jane@acme.example,,,false,YES
bill@initech.example,Bill,Lumbergh,,,VP Engineering,(555) 020-1,1,
drifter@nowhere.example,Drifter,,,,,,,
"""


def test_contacts_import_from_csv_with_accounts_owners_and_consent(
    org: Engine, write: Write
) -> None:
    import_file(org, "accounts", write("accounts.csv", ACCOUNTS_CSV))

    assert import_file(org, "contacts", write("contacts.csv", CONTACTS_CSV)) == 4

    stored = people(org, Contact)
    assert stored["hank@globex.example"] == {
        "first_name": "Hank",
        "last_name": "Scorpio",
        "account": "Globex",
        "owner": "sam@acme.example",  # the account's owner, as none is given
        "title": "CEO",
        "phone": "+1 555 0101",
        "email_opt_out": False,
        "do_not_call": False,
    }
    # The account is named by its domain; the given owner wins over the account's.
    assert stored["frank@globex.example"]["account"] == "Globex"
    assert stored["frank@globex.example"]["owner"] == "jane@acme.example"
    assert stored["frank@globex.example"]["do_not_call"] is True
    # No account given: the one of the email's domain.
    assert stored["bill@initech.example"]["account"] == "Initech"
    assert stored["bill@initech.example"]["owner"] == "jane@acme.example"
    assert stored["bill@initech.example"]["email_opt_out"] is True
    assert stored["drifter@nowhere.example"]["account"] is None
    assert stored["drifter@nowhere.example"]["owner"] is None


def test_contacts_import_from_yaml_and_reimport_updates(org: Engine, write: Write) -> None:
    import_file(org, "accounts", write("accounts.csv", ACCOUNTS_CSV))
    first = write(
        "contacts.yml",
        "- {email: cy@initech.example, first_name: Cy, account: Initech, email_opt_out: false}\n",
    )
    import_file(org, "contacts", first)
    before = people(org, Contact)
    import_file(org, "contacts", first)
    assert people(org, Contact) == before

    opted_out = write(
        "again.yml", "contacts:\n  - {email: CY@initech.example, email_opt_out: yes}\n"
    )
    import_file(org, "contacts", opted_out)

    stored = people(org, Contact)
    assert len(stored) == 1
    assert stored["cy@initech.example"]["email_opt_out"] is True
    assert stored["cy@initech.example"]["first_name"] == "Cy"
    assert stored["cy@initech.example"]["account"] == "Initech"


def test_an_account_name_two_accounts_share_must_be_given_by_domain(org: Engine) -> None:
    import_records(
        org,
        "accounts",
        [{"name": "Acme", "domain": "acme-us.example"}, {"name": "Acme", "domain": "acme.example"}],
        "accounts",
    )
    with pytest.raises(DataImportError) as caught:
        import_records(org, "contacts", [{"email": "a@b.example", "account": "acme"}], "people")
    assert str(caught.value) == (
        "people row 1, field 'account': several accounts are named 'acme'; give the domain"
    )
    import_records(org, "contacts", [{"email": "a@b.example", "account": "acme.example"}], "ok")
    assert people(org, Contact)["a@b.example"]["account"] == "Acme"


# --- leads ------------------------------------------------------------------------------------

LEADS_CSV = """\
email,first_name,last_name,company,title,owner,status,source,country,employees,industry,score,\
email_opt_out,do_not_call
priya@northwind.example,Priya,Shah,Northwind,VP Sales,sam@acme.example,Working,Webinar,US,540,\
Distribution,87,no,no
tom@litware.example,Tom,Baker,Litware,,jane@acme.example,,,,,,,yes,1
"""


def test_leads_import_from_csv_with_scores_status_and_consent(org: Engine, write: Write) -> None:
    assert import_file(org, "leads", write("leads.csv", LEADS_CSV)) == 2

    stored = people(org, Lead)
    assert stored["priya@northwind.example"] == {
        "first_name": "Priya",
        "last_name": "Shah",
        "company": "Northwind",
        "title": "VP Sales",
        "owner": "sam@acme.example",
        "status": "working",
        "source": "Webinar",
        "country": "US",
        "employees": 540,
        "industry": "Distribution",
        "score": 87,
        "email_opt_out": False,
        "do_not_call": False,
    }
    tom = stored["tom@litware.example"]
    assert (tom["status"], tom["score"], tom["email_opt_out"], tom["do_not_call"]) == (
        "open",
        None,
        True,
        True,
    )


def test_leads_import_from_yaml_and_twice_changes_nothing(org: Engine, write: Write) -> None:
    path = write(
        "leads.yaml",
        "leads:\n"
        "  - email: li@wingtip.example\n"
        "    first_name: Li\n"
        "    owner: jane@acme.example\n"
        "    score: 72\n"
        "    do_not_call: true\n"
        "  - {email: ava@fourthcoffee.example, status: converted, employees: 75}\n",
    )
    assert import_file(org, "leads", path) == 2
    before = people(org, Lead)
    assert import_file(org, "leads", path) == 2

    assert people(org, Lead) == before
    assert before["li@wingtip.example"]["score"] == 72
    assert before["li@wingtip.example"]["do_not_call"] is True
    with Session(org) as session:
        converted = session.scalars(select(Lead).where(Lead.status == "converted")).one()
        assert converted.converted_at is not None


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "header", "bad_row", "message"),
    [
        ("accounts", "name,employees", "Umbrella,many", "field 'employees': expected a whole"),
        ("accounts", "name,owner", "Umbrella,ghost@acme.example", "field 'owner': no user with"),
        ("accounts", "name,domain", "Umbrella,umbrella corp", "field 'domain': expected a domain"),
        ("accounts", "name,domain", ",umbrella.example", "field 'name': required"),
        ("accounts", "name,domain", "Umbrella,Globex.example", "field 'domain': duplicate of "),
        ("contacts", "email,account", "a@b.example,Wayne", "field 'account': no account named"),
        ("contacts", "email,first_name", "not-an-email,A", "field 'email': not a valid email"),
        ("contacts", "email,email_opt_out", "a@b.example,maybe", "field 'email_opt_out': expected"),
        ("contacts", "email,phone", "a@b.example,call me", "field 'phone': not a phone number"),
        ("contacts", "email,title", "OK@b.example,CEO", "field 'email': duplicate of "),
        ("leads", "email,score", "a@b.example,150", "field 'score': expected a number from 0 to"),
        ("leads", "email,status", "a@b.example,hot", "field 'status': expected one of open"),
        (
            "leads",
            "email,employees",
            "a@b.example,-5",
            "field 'employees': expected a number from 0",
        ),
        ("leads", "email,do_not_call", "a@b.example,nah", "field 'do_not_call': expected true"),
        ("leads", "email,owner", "a@b.example,sam", "field 'owner': not a valid email"),
    ],
)
def test_a_bad_row_names_its_row_and_field_and_nothing_is_imported(
    lite_org: Engine, write: Write, kind: str, header: str, bad_row: str, message: str
) -> None:
    good_row = "Globex,globex.example" if kind == "accounts" else "ok@b.example,"
    if header in ("name,employees", "name,owner"):
        good_row = "Globex,"
    path = write(f"{kind}.csv", f"{header}\n{good_row}\n{bad_row}\n")

    with pytest.raises(DataImportError) as caught:
        import_file(lite_org, kind, path)

    # Row 1 is the header, row 2 the good record: it is not imported either.
    assert str(caught.value).startswith(f"{kind}.csv row 3, {message}"), caught.value
    model = {"accounts": Account, "contacts": Contact, "leads": Lead}[kind]
    assert count(lite_org, model) == 0


def test_yaml_errors_point_at_the_line_of_the_record(org: Engine, write: Write) -> None:
    path = write(
        "leads.yml",
        "- email: a@b.example\n  score: 10\n- email: c@d.example\n  score: high\n",
    )
    with pytest.raises(
        DataImportError, match=r"^leads.yml line 3, field 'score': expected a whole"
    ):
        import_file(org, "leads", path)
    assert count(org, Lead) == 0

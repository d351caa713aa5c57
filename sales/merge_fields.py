"""Email templates with the incumbent's merge fields: ``{{Recipient.FirstName}}`` and friends.

Templates are Jinja2, run in a sandbox with undefined names refused, so a template can use
conditionals (``{% if Recipient.Title %}``) but cannot reach into Python, and a misspelt field
is an error naming it instead of a blank in an email a prospect reads. Field values are data:
a lead whose name is ``{{ 7*7 }}`` is greeted as ``{{ 7*7 }}``, since the output is never
rendered again.

The incumbent allows Sender, Recipient and Organization merge fields only (spec/se.md §1.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from sales.models import User
from sales.prospects import Contact, Lead

MERGE_FIELDS: dict[str, tuple[str, ...]] = {
    "Recipient": ("FirstName", "LastName", "Company", "Email", "Title"),
    "Sender": ("Name", "Email"),
    "Organization": ("Name",),
}
KNOWN_FIELDS = tuple(f"{{{{{obj}.{name}}}}}" for obj, names in MERGE_FIELDS.items()
                     for name in names)


class TemplateFieldError(ValueError):
    """A template that cannot be rendered: bad syntax, or a merge field that does not exist."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


def _blank_none(value: Any) -> Any:
    # An empty field (no title on record) prints as nothing, not "None".
    return "" if value is None else value


_ENV = SandboxedEnvironment(
    undefined=StrictUndefined,
    autoescape=False,  # plain-text email: HTML escaping would print "&amp;" to the prospect
    keep_trailing_newline=True,
    finalize=_blank_none,
)


def check_template(text: str, where: str = "template") -> None:
    """Raise :class:`TemplateFieldError` naming the first bad field or syntax error in ``text``.

    Lets an import refuse a cadence whose template could never be sent.
    """
    try:
        tree = _ENV.parse(text)
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        at = f" line {line}" if line else ""
        raise TemplateFieldError(f"{where}{at}: {error.message or error}") from error
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name):
            _check_field(node.node.name, node.attr, where)
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in MERGE_FIELDS:
            _check_field(name.name, None, where)


def _check_field(obj: str, attr: str | None, where: str) -> None:
    if obj in MERGE_FIELDS and (attr is None or attr in MERGE_FIELDS[obj]):
        return
    field = f"{obj}.{attr}" if attr is not None else obj
    raise TemplateFieldError(
        f"{where}: unknown merge field {{{{{field}}}}} (known: {', '.join(KNOWN_FIELDS)})"
    )


def merge_values(recipient: Lead | Contact, sender: User, organization: str) -> dict[str, Any]:
    """The values behind the merge fields: plain strings, nothing a template could call."""
    return {
        "Recipient": {
            "FirstName": recipient.first_name,
            "LastName": recipient.last_name,
            "Company": recipient.company,
            "Email": recipient.email,
            "Title": recipient.title,
        },
        "Sender": {"Name": sender.name, "Email": sender.email},
        "Organization": {"Name": organization},
    }


def render_text(text: str, values: Mapping[str, Any], where: str = "template") -> str:
    check_template(text, where)
    try:
        return _ENV.from_string(text).render(values)
    except TemplateError as error:  # e.g. the sandbox refusing an unsafe attribute
        raise TemplateFieldError(f"{where}: {error}") from error


def render(
    template: str,
    subject: str,
    recipient: Lead | Contact,
    sender: User,
    *,
    organization: str = "",
) -> RenderedEmail:
    """The email ``sender`` sends ``recipient``: subject and body with merge fields filled."""
    values = merge_values(recipient, sender, organization)
    rendered_subject = render_text(subject, values, "subject")
    # A header is one line: a field value with a line break must not add headers.
    return RenderedEmail(
        subject=" ".join(rendered_subject.split()),
        body=render_text(template, values, "template"),
    )

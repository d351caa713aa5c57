"""config.yml's ``email`` section: the SMTP server and the per-user daily limit.

``sales/`` knows nothing of the bot's config loader: the caller reads the plain mapping and
parses it here, so a bad value is reported naming its key (``email.smtp.port``)::

    email:
      daily_limit_per_user: 1000       # per sender, per local day (spec/se.md §1.7)
      organization: Acme               # {{Organization.Name}}
      smtp: {host: smtp.example.com, port: 587, username: ..., password: ..., starttls: true,
             from: outreach@acme.example}

No ``smtp`` (or an empty host) means emails are queued and wait in the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_DAILY_LIMIT = 1000
DEFAULT_SMTP_PORT = 25
# Shorter than SQLite's 30 s busy timeout: a sender holds its email's row while it talks SMTP.
DEFAULT_SMTP_TIMEOUT = 20


class EmailSettingsError(ValueError):
    """config.yml's ``email`` section has a value that cannot be used; the message names it."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = DEFAULT_SMTP_PORT
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    # The From address the relay accepts; None sends as each rep's own address.
    from_address: str | None = None
    timeout: float = DEFAULT_SMTP_TIMEOUT


@dataclass(frozen=True)
class EmailSettings:
    smtp: SmtpSettings | None = None
    daily_limit_per_user: int = DEFAULT_DAILY_LIMIT
    organization: str = ""


def email_settings(section: Mapping[str, Any] | None, where: str = "email") -> EmailSettings:
    """Parse config.yml's ``email`` mapping; an absent section means no SMTP, default limit."""
    section = section or {}
    if not isinstance(section, Mapping):
        raise EmailSettingsError(f"{where}: expected a mapping of settings")
    limit = _integer(section.get("daily_limit_per_user", DEFAULT_DAILY_LIMIT),
                     f"{where}.daily_limit_per_user", minimum=0)
    organization = section.get("organization") or ""
    return EmailSettings(
        smtp=_smtp_settings(section.get("smtp"), f"{where}.smtp"),
        daily_limit_per_user=limit,
        organization=str(organization),
    )


def _smtp_settings(section: Any, where: str) -> SmtpSettings | None:
    if not section:
        return None
    if not isinstance(section, Mapping):
        raise EmailSettingsError(f"{where}: expected a mapping (host, port, ...)")
    host = str(section.get("host") or "").strip()
    if not host:
        return None  # e.g. host: ${SMTP_HOST:-} left empty: not configured
    unknown = set(section) - {"host", "port", "username", "password", "starttls", "from",
                              "timeout"}
    if unknown:
        raise EmailSettingsError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    return SmtpSettings(
        host=host,
        port=_integer(section.get("port", DEFAULT_SMTP_PORT), f"{where}.port", 1, 65535),
        username=str(section["username"]) if section.get("username") else None,
        password=str(section["password"]) if section.get("password") else None,
        starttls=_boolean(section.get("starttls", False), f"{where}.starttls"),
        from_address=str(section["from"]).strip() if section.get("from") else None,
        timeout=float(_integer(section.get("timeout", DEFAULT_SMTP_TIMEOUT), f"{where}.timeout",
                               minimum=1)),
    )


def _integer(value: Any, where: str, minimum: int | None = None,
             maximum: int | None = None) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise EmailSettingsError(f"{where}: expected a whole number, got {value!r}") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise EmailSettingsError(f"{where}: {number} is out of range")
    return number


def _boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0", ""):
        return False
    raise EmailSettingsError(f"{where}: expected true or false, got {value!r}")

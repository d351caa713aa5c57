"""From an admin's file to validated records, with errors that point at the row and field.

Every import kind reads the same way: a CSV file with a header row, or YAML holding a list of
records (or a mapping with the kind as its one key). Each record keeps where it came from, so
a bad value is reported as ``users.csv row 3, field 'role': ...``: CSV rows are counted the
way a spreadsheet shows them (the header is row 1), YAML records by their line.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sales.schedule import TimezoneError, WorkingHoursError, parse_working_hours, zone


class DataImportError(Exception):
    """An import file or record is wrong; the message is one line naming where and why."""


@dataclass(frozen=True)
class SourceRecord:
    """One record to import and where it came from (``users.csv row 3``)."""

    where: str
    values: dict[str, Any]

    def error(self, field: str | None, message: str) -> DataImportError:
        if field is None:
            return DataImportError(f"{self.where}: {message}")
        return DataImportError(f"{self.where}, field '{field}': {message}")


def records_from_list(records: Sequence[Any], source: str) -> list[SourceRecord]:
    """Records handed over in code; they are numbered from 1 as ``row N``."""
    return [_as_record(value, f"{source} row {index}") for index, value in enumerate(records, 1)]


def _as_record(value: Any, where: str) -> SourceRecord:
    if not isinstance(value, dict):
        raise DataImportError(f"{where}: expected a record (field: value, ...), got {value!r}")
    values = {str(key).strip().lower(): item for key, item in value.items()}
    return SourceRecord(where, values)


# --- reading files ----------------------------------------------------------------------------


def read_file(path: Path, kind: str) -> list[SourceRecord]:
    """The records of a CSV or YAML import file of ``kind``."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets write a BOM
    except FileNotFoundError as error:
        raise DataImportError(f"{path}: file not found") from error
    except (OSError, UnicodeDecodeError) as error:
        raise DataImportError(f"{path}: cannot read: {error}") from error
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(text, path.name)
    if suffix in (".yml", ".yaml"):
        return _read_yaml_records(text, path.name, kind)
    raise DataImportError(f"{path}: unknown file type '{suffix}'; expected .csv, .yml or .yaml")


def _read_csv(text: str, name: str) -> list[SourceRecord]:
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise DataImportError(f"{name}: empty file; expected a header row")
    columns = [column.strip().lower() for column in header]
    records = []
    try:
        for row_number, row in enumerate(reader, 2):
            if not any(cell.strip() for cell in row):
                continue  # blank lines, e.g. at the end of a hand-edited file
            where = f"{name} row {row_number}"
            if len(row) > len(columns):
                raise DataImportError(
                    f"{where}: {len(row)} values but the header names {len(columns)} columns"
                )
            records.append(SourceRecord(where, dict(zip(columns, row, strict=False))))
    except csv.Error as error:
        raise DataImportError(f"{name} row {reader.line_num}: {error}") from error
    return records


def read_yaml(text: str, name: str) -> tuple[Any, yaml.Node | None]:
    """The YAML document and its node tree (the nodes know their line numbers)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        raise DataImportError(f"{name}: not valid YAML: {_one_line(str(error))}") from error
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]
    return data, node


def _read_yaml_records(text: str, name: str, kind: str) -> list[SourceRecord]:
    data, node = read_yaml(text, name)
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        if set(data) != {kind}:
            keys = ", ".join(str(key) for key in data)
            raise DataImportError(
                f"{name}: expected a list of {kind} records, or '{kind}:' alone; got {keys}"
            )
        data, node = data[kind], mapping_value_node(node, kind)
    return yaml_records(data, node, name, kind)


def mapping_value_node(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in node.value:
        if key_node.value == key:
            return value_node  # type: ignore[no-any-return]
    return None


def yaml_records(data: Any, node: yaml.Node | None, name: str, kind: str) -> list[SourceRecord]:
    """The records of a YAML list, each labelled with its line (``users.yml line 12``)."""
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        line = f" line {node.start_mark.line + 1}" if node is not None else ""
        raise DataImportError(f"{name}{line}: expected a list of {kind} records")
    return [
        _as_record(value, f"{name} line {item.start_mark.line + 1}")
        for value, item in zip(data, node.value, strict=True)
    ]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- field values -----------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")
# Several emails in one CSV cell: ';' or '|' (a comma would need quoting in CSV), or one a line.
_EMAIL_SEPARATORS = re.compile(r"[;|\n]")


class Fields:
    """Typed access to one record's values; a wrong value raises an error naming the field.

    A missing field and a blank one (an empty CSV cell) both read as ``None``: on update the
    stored value is kept, on create the default applies.
    """

    def __init__(self, record: SourceRecord, known: Iterable[str]) -> None:
        self.record = record
        expected = tuple(known)
        for field in record.values:
            if field not in expected:
                raise record.error(field, f"unknown field; expected {', '.join(expected)}")

    def text(self, field: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = self.record.values.get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # YAML reads an all-digit id as a number
        if value is not None and not isinstance(value, str):
            raise self.record.error(field, f"expected text, got {value!r}")
        value = value.strip() if value is not None else None
        if not value:
            if required:
                raise self.record.error(field, "required")
            return None
        if len(value) > max_length:
            raise self.record.error(field, f"longer than {max_length} characters")
        return value

    def required_text(self, field: str, *, max_length: int = 200) -> str:
        value = self.text(field, required=True, max_length=max_length)
        assert value is not None  # text() raised otherwise
        return value

    def required_email(self, field: str) -> str:
        value = self.email(field, required=True)
        assert value is not None  # email() raised otherwise
        return value

    def email(self, field: str, *, required: bool = False) -> str | None:
        value = self.text(field, required=required, max_length=254)
        if value is None:
            return None
        if not _EMAIL.match(value):
            raise self.record.error(field, f"not a valid email address: {value!r}")
        return value.lower()

    def choice(self, field: str, choices: Sequence[str]) -> str | None:
        value = self.text(field)
        if value is None:
            return None
        if value.lower() not in choices:
            raise self.record.error(field, f"expected one of {', '.join(choices)}, got {value!r}")
        return value.lower()

    def timezone(self, field: str) -> str | None:
        """A zone name, accepted exactly when due dates can use it (sales/schedule.py)."""
        value = self.text(field, max_length=64)
        if value is None:
            return None
        try:
            zone(value)
        except TimezoneError as error:
            raise self.record.error(field, str(error)) from error
        return value

    def working_hours(self, field: str) -> str | None:
        """Hours like ``09:00-17:00``, accepted exactly when due dates can use them."""
        value = self.text(field, max_length=32)
        if value is None:
            return None
        try:
            return str(parse_working_hours(value))
        except WorkingHoursError as error:
            raise self.record.error(field, str(error)) from error

    def boolean(self, field: str) -> bool | None:
        value = self.record.values.get(field)
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()  # YAML reads 1 and 0 as numbers
        if not text:
            return None
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise self.record.error(field, f"expected true/false, yes/no or 1/0, got {value!r}")

    def integer(self, field: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
        value = self.record.values.get(field)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
            number = int(value)
        if number is None:
            raise self.record.error(field, f"expected a whole number, got {value!r}")
        if number < minimum or (maximum is not None and number > maximum):
            limits = f"from {minimum} to {maximum}" if maximum is not None else f">= {minimum}"
            raise self.record.error(field, f"expected a number {limits}, got {number}")
        return number

    def emails(self, field: str) -> list[str] | None:
        """A YAML list of emails, or one CSV cell of them separated by ';' or '|'."""
        value = self.record.values.get(field)
        if value is None:
            return None
        if isinstance(value, str):
            items: list[Any] = [part for part in _EMAIL_SEPARATORS.split(value) if part.strip()]
        elif isinstance(value, list):
            items = value
        else:
            raise self.record.error(field, f"expected a list of emails, got {value!r}")
        emails = []
        for item in items:
            email = str(item).strip().lower() if isinstance(item, str) else None
            if email is None or not _EMAIL.match(email):
                raise self.record.error(field, f"not a valid email address: {item!r}")
            emails.append(email)
        return emails or None

"""``rekisteri import customers FILE --source ticketing|newsletter``.

Customers are merged by customer number, then email, then phone, and never duplicated;
importing the same file twice changes nothing.  A file with bad rows imports nothing
and lists every bad row, unless ``skip_bad`` is set.  The file is read as it is validated,
row by row, never held whole.  A good file is written in parts of :data:`TRANSACTION_ROWS`
new customers (with their sources and consents), each committed (and audited) on its own
and prepared before its transaction, so the write lock is never held for long and is free
between parts; a part the database refused stops the import with :class:`ImportStopped`,
and importing the same file again finishes it.  Files exported by Excel (UTF-8 with a BOM,
Windows-1252, semicolons) are read as they are.

Most of a row's cost was the libraries' checks: an address's domain is checked once per
distinct domain, a plain Finnish number's verdict is its shape's (store.customers), and
repeating values (names, towns, instants) are kept and converted once.
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

import peewee
from peewee import fn

from store import audit, clock
from store.config import LANGUAGES
from store.counters import next_customer_numbers
from store.customers import (
    email_hash,
    name_keys,
    normalize_email_uncached,
    normalize_phone_uncached,
)
from store.db import insert_tuples, is_sqlite, larger_page_cache, refresh_statistics
from store.errors import InvalidInput, RekisteriError
from store.models import (
    SOURCES,
    ConsentEvent,
    Customer,
    CustomerSource,
    MarketingSuppression,
    database,
    tuples,
)
from store.restriction import restricted_ids
from store.sanitise import clean_cells

Progress = Callable[[int, int], None]

COLUMNS: dict[str, tuple[str, ...]] = {
    "customer_no": ("customer_no", "customer_number", "asiakasnumero", "asiakasnro"),
    "first_name": ("first_name", "firstname", "etunimi", "förnamn"),
    "last_name": ("last_name", "lastname", "surname", "sukunimi", "efternamn"),
    "name": ("name", "nimi", "namn"),
    "street_address": ("street_address", "address", "katuosoite", "osoite", "lähiosoite"),
    "postal_code": ("postal_code", "postcode", "zip", "postinumero"),
    "city": ("city", "postitoimipaikka", "kaupunki", "ort"),
    "phone": ("phone", "puhelin", "puhelinnumero", "telefon"),
    "email": ("email", "e-mail", "sähköposti", "sahkoposti", "e-post"),
    "language": ("language", "kieli", "språk"),
    "registered_at": ("registered_at", "created_at", "rekisteröity"),
    "relationship_ended_at": ("relationship_ended_at", "ended_at", "asiakkuus_päättynyt"),
    "register_consent": ("register_consent", "rekisterisuostumus"),
    "marketing_consent": ("marketing_consent", "markkinointilupa", "markkinointisuostumus"),
    "consent_at": ("consent_at", "suostumus_annettu"),
    "consent_wording": ("consent_wording", "wording_version", "suostumusteksti"),
}
_ALIASES = {alias: canonical for canonical, aliases in COLUMNS.items() for alias in aliases}

_YES = {"1", "yes", "y", "true", "x", "kyllä", "k", "ja", "on"}
_NO = {"0", "no", "n", "false", "ei", "e", "nej", "off"}

CHUNK = 500


class ImportFailed(RekisteriError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            f"{len(errors)} bad row(s); nothing was imported (fix them, or use --skip-bad)",
            key="import.failed",
            count=len(errors),
        )
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class CustomerRow:
    line: int
    customer_no: str | None
    first_name: str
    last_name: str
    street_address: str
    postal_code: str
    city: str
    phone: str | None
    email: str | None
    language: str | None
    registered_at: datetime | None
    relationship_ended_at: datetime | None
    register_consent: bool | None
    marketing_consent: bool | None
    consent_at: datetime | None
    consent_wording: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_bad: int = 0
    skipped_erased: int = 0
    held_restricted: int = 0
    consents_recorded: int = 0
    marketing_refused_suppressed: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Numbered rows whose email or phone another customer has: imported apart, for staff
    conflicts: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        values = {
            key: value for key, value in self.__dict__.items() if key not in ("errors", "conflicts")
        }
        return values | {"conflicts": len(self.conflicts)}


def read_file(path: Path, source: str) -> tuple[list[CustomerRow], list[RowError]]:
    """Every row of ``path`` validated as it is read (the file is never held whole):
    UTF-8 with or without Excel's BOM, else Windows-1252."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return parse_rows(handle, source)
    except UnicodeDecodeError:
        with path.open(encoding="cp1252", errors="replace", newline="") as handle:
            return parse_rows(handle, source)


def parse_rows(text: TextIO, source: str) -> tuple[list[CustomerRow], list[RowError]]:
    """The rows of a CSV file (an open file, or ``io.StringIO``) and the bad rows, by line,
    each row validated as it is read."""
    sample = text.read(8192)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # The sample read for sniffing, up to the end of its last line, then the rest.
    lines = itertools.chain(io.StringIO(sample + text.readline(), newline=""), text)
    reader = csv.reader(lines, dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("the file is empty", key="import.empty") from None
    columns = [_ALIASES.get(_header_key(name)) for name in header]
    _check_columns(columns, header, source)
    parse = _RowParser(columns, source)
    rows: list[CustomerRow] = []
    errors: list[RowError] = []
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        try:
            rows.append(parse(reader.line_num, values))
        except InvalidInput as error:
            errors.append(RowError(reader.line_num, str(error)))
    return rows, errors


def _header_key(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().casefold())


def _check_columns(columns: list[str | None], header: list[str], source: str) -> None:
    present = {column for column in columns if column}
    if not ({"first_name", "last_name"} & present or "name" in present):
        raise InvalidInput(f"no name column in the header {header!r}", key="import.no_name")
    if source == "ticketing" and "customer_no" not in present:
        raise InvalidInput(
            "a ticketing file needs a customer_no column", key="import.no_customer_no"
        )
    if source == "newsletter" and "email" not in present:
        raise InvalidInput("a newsletter file needs an email column", key="import.no_email")


# Columns whose values repeat from row to row (names, towns): each distinct value is kept
# once, not once per row.  Numbers, addresses and phone numbers are each their own.
_REPEATING = frozenset(COLUMNS) - {"customer_no", "email", "phone"}
_LANGUAGE: dict[str | None, str] = {language: language for language in LANGUAGES}


class _RowParser:
    """Validates the rows of one file: ``parse(line, values)`` is its :class:`CustomerRow`."""

    def __init__(self, columns: list[str | None], source: str) -> None:
        self.columns = columns
        self.source = source
        self.distinct: dict[str, str] = {}

    def __call__(self, line: int, values: list[str]) -> CustomerRow:
        keep = self.distinct.setdefault
        record: dict[str, str] = {}
        for column, value in zip(self.columns, clean_cells(values), strict=False):
            if column:
                cell = value.strip()
                record[column] = keep(cell, cell) if column in _REPEATING else cell
        return _parse_row(line, record, self.source)


def _parse_row(line: int, record: dict[str, str], source: str) -> CustomerRow:
    problems: list[str] = []
    get = record.get

    def attempt(parse: Callable[[str], Any], name: str) -> Any:
        value = get(name)
        if not value:
            return None
        try:
            return parse(value)
        except InvalidInput as error:
            problems.append(str(error))
            return None

    first, last = get("first_name", ""), get("last_name", "")
    if not (first or last) and get("name"):
        first, _, last = record["name"].rpartition(" ")
        if not first:
            first, last = last, ""
    if not (first or last):
        problems.append("the name is missing")
    customer_no = get("customer_no") or None
    if customer_no and not _CUSTOMER_NO.fullmatch(customer_no):
        problems.append("the customer number may hold only letters, digits and dashes (at most 32)")
    if source == "ticketing" and not customer_no:
        problems.append("the customer number is missing")
    email = attempt(normalize_email_uncached, "email")
    if source == "newsletter" and not get("email"):
        problems.append("the email address is missing")
    phone = attempt(normalize_phone_uncached, "phone")
    language = (get("language") or "").lower() or None
    if language and language not in LANGUAGES:
        problems.append(f"unknown language {language!r} (fi, sv or en)")
    language = _LANGUAGE.get(language, language)  # "fi" held once, not once per row
    row = CustomerRow(
        line,
        customer_no,
        first.strip(),
        last.strip(),
        get("street_address", ""),
        get("postal_code", ""),
        get("city", ""),
        phone,
        email,
        language,
        attempt(_parse_time, "registered_at"),
        attempt(_parse_time, "relationship_ended_at"),
        attempt(_parse_bool, "register_consent"),
        attempt(_parse_bool, "marketing_consent"),
        attempt(_parse_time, "consent_at"),
        get("consent_wording", ""),
    )
    if problems:
        raise InvalidInput("; ".join(problems))
    return row


def _parse_bool(value: str) -> bool:
    folded = value.casefold()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise InvalidInput(f"not yes or no: {value!r}")


@lru_cache(maxsize=4096)
def _parse_time(value: str) -> datetime:
    """ISO 8601 (``2024-03-01``, ``2024-03-01T12:00``) or Finnish ``1.3.2024 [12.00]``."""
    text = value.strip()
    finnish = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2})[.:](\d{2}))?", text)
    if finnish:
        day, month, year, hour, minute = finnish.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}T{int(hour or 0):02d}:{minute or '00'}"
    try:
        return clock.parse_instant(text)
    except ValueError:
        raise InvalidInput(f"not a date: {value!r}") from None


# ---------------------------------------------------------------- writing


class _FileCustomer:
    """A customer of the file: the rows about them (a later row about the same person is
    merged into the first) and their id, once they are in the register."""

    __slots__ = ("first", "id", "more")

    def __init__(self, row: CustomerRow, customer_id: int = 0) -> None:
        self.first = row
        self.more: list[CustomerRow] | None = None  # most customers have one row
        self.id = customer_id

    def add(self, row: CustomerRow) -> None:
        if self.more is None:
            self.more = [row]
        else:
            self.more.append(row)

    @property
    def rows(self) -> list[CustomerRow]:
        return [self.first] if self.more is None else [self.first, *self.more]


_CUSTOMER_NO = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
_CLASH = "the email address or phone number belongs to another customer number: not merged"


class _Index:
    """Existing customers (by id) and the file's new ones by number, email and phone."""

    def __init__(self) -> None:
        self.by_no: dict[str, int | _FileCustomer] = {}
        self.by_email: dict[str, int | _FileCustomer] = {}
        self.by_phone: dict[str, int | _FileCustomer] = {}
        self.erased_numbers: set[str] = set()
        query = Customer.select(
            Customer.id, Customer.customer_no, Customer.email, Customer.phone, Customer.erased_at
        )
        for cid, number, email, phone, erased_at in tuples(
            query, tuple[int, str, str | None, str | None, datetime | None]
        ):
            if erased_at is not None:
                self.erased_numbers.add(number)
                continue
            self.add(cid, number, email, phone)

    def add(
        self, target: int | _FileCustomer, number: str | None, email: str | None, phone: str | None
    ) -> None:
        if number:
            self.by_no.setdefault(number, target)
        if email:
            self.by_email.setdefault(email, target)
        if phone:
            self.by_phone.setdefault(phone, target)

    def find(self, row: CustomerRow) -> int | _FileCustomer | None:
        """The customer a row is about.  A row that carries a customer number is about
        that number only: two people sharing a phone or an address are never merged."""
        if row.customer_no:
            return self.by_no.get(row.customer_no)
        for table, key in ((self.by_email, row.email), (self.by_phone, row.phone)):
            if key and key in table:
                return table[key]
        return None

    def clashes(self, row: CustomerRow) -> bool:
        """Whether a numbered row's email or phone already belongs to another customer."""
        if not row.customer_no:
            return False
        owner = self.by_no.get(row.customer_no)
        email_owner = self.by_email.get(row.email) if row.email else owner
        phone_owner = self.by_phone.get(row.phone) if row.phone else owner
        return (email_owner is not None and email_owner is not owner) or (
            phone_owner is not None and phone_owner is not owner
        )


_FIELDS = (
    "first_name",
    "last_name",
    "street_address",
    "postal_code",
    "city",
    "phone",
    "email",
    "language",
    "relationship_ended_at",
)


_NEW_DEFAULTS: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "street_address": "",
    "postal_code": "",
    "city": "",
    "phone": None,
    "email": None,
    "language": "fi",
    "relationship_ended_at": None,
}


def _values(rows: list[CustomerRow]) -> dict[str, Any]:
    """What the rows about one customer say, a later row's value over an earlier one's."""
    values: dict[str, Any] = {}
    for row in rows:
        for name in _FIELDS:
            value = getattr(row, name)
            if value is not None and value != "":
                values[name] = value
    return values


TRANSACTION_ROWS = 10_000
"""New customers written per transaction at most.  A big file is committed in parts, so the
SQLite write lock is never held for long (200,000 rows held it for a minute, and staff's
writes meanwhile failed as "database is locked"); every part is audited with what it
wrote."""


class ImportStopped(RekisteriError):
    """The database refused a part of the import: what was committed stays, and importing
    the same file again finishes it (rows already in the register are unchanged)."""

    def __init__(self, report: ImportReport, cause: Exception) -> None:
        super().__init__(
            f"the import stopped after {report.created} new customers were written"
            f" ({type(cause).__name__}: {cause}); import the same file again to finish it",
            key="import.stopped",
            created=report.created,
            updated=report.updated,
            cause=str(cause).splitlines()[0] if str(cause) else type(cause).__name__,
        )
        self.report = report


IMPORT_PAGE_CACHE_MB = 16
"""SQLite's page cache while a file is written (its default is 2 MB): the customers'
indexes stay in memory, 9 % more rows a second for 14 MB (``bench/store_bench.py``)."""


def import_customers(
    path: Path,
    source: str,
    *,
    actor: str,
    skip_bad: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    if source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}")
    rows, errors = read_file(path, source)
    if errors and not skip_bad:
        raise ImportFailed(errors)
    report = ImportReport(rows=len(rows) + len(errors), skipped_bad=len(errors), errors=errors)
    try:
        with larger_page_cache(IMPORT_PAGE_CACHE_MB):
            _write(rows, source, path.name, actor, report, progress)
        with database.atomic():
            audit.record(
                "import.customers", actor, source=source, file=path.name, **report.as_dict()
            )
    except peewee.DatabaseError as error:
        raise ImportStopped(report, error) from error
    if report.created > 10_000:
        refresh_statistics(Customer, CustomerSource, ConsentEvent)
    return report


def _in_transactions(
    items: list[Any],
    write: Callable[[Any], None],
    size: int = TRANSACTION_ROWS,
    *,
    prepare: Callable[[list[Any]], Any] | None = None,
    report: ImportReport | None = None,
) -> None:
    """``write`` each part of ``items`` in a transaction of its own.  ``report`` counts
    only what was committed: a part the database refused is rolled back whole, and so
    are the counts it made (a stopped import said 11,000 written when 10,000 were).

    ``prepare``, if given, turns each part into what ``write`` is given, before the part's
    transaction begins.  Parts are at most ``size`` items, and fewer when the machine is
    slow: each next part is sized from the pace of the last, to hold the write lock about
    :data:`PART_SECONDS`.  Between two parts the lock is free, but only as long as that: a
    writer waiting on SQLite's busy timeout, which looks again every 100 ms, could wait
    through the whole import if the next part began as soon as one ended, so once parts have
    held the lock for :data:`LOCK_HELD_BEFORE_PAUSE` the import pauses one such look."""
    start, rows, held_since_pause = 0, min(size, FIRST_PART_ROWS), 0.0
    while start < len(items):
        counted = {k: v for k, v in vars(report).items() if isinstance(v, int)} if report else {}
        part = items[start : start + rows]
        try:
            prepared = part if prepare is None else prepare(part)
            began = time.monotonic()
            with database.atomic():
                write(prepared)
        except BaseException:
            for name, value in counted.items():
                setattr(report, name, value)
            raise
        held = time.monotonic() - began
        start += len(part)
        per_row = max(held, 1e-6) / len(part)
        rows = max(1, min(size, int(PART_SECONDS / per_row)))
        held_since_pause += held
        if held_since_pause >= LOCK_HELD_BEFORE_PAUSE and start < len(items) and is_sqlite():
            time.sleep(WRITER_POLL_SECONDS)  # a writer waiting meanwhile surely gets in
            held_since_pause = 0.0


FIRST_PART_ROWS = 2_000
"""The first part's size, before the pace of this machine is known."""
PART_SECONDS = 0.25
"""How long one part should hold the write lock (its size follows the last part's pace)."""
LOCK_HELD_BEFORE_PAUSE = 0.5
"""After parts held SQLite's write lock this long, the import pauses for
:data:`WRITER_POLL_SECONDS`: a writer waiting meanwhile waits at most about this, one part
and the pause (0.87 s), within a second.  (Without the pauses a waiting writer, whose
busy timeout looks again every 100 ms, missed the short gaps between parts and waited 0.83
s, 1.43 s on a loaded machine.)"""
WRITER_POLL_SECONDS = 0.12
"""A little longer than a writer waiting on SQLite's busy timeout sleeps between two looks
(100 ms at most), so the pause surely holds one of them."""


def _write(
    rows: list[CustomerRow],
    source: str,
    file_name: str,
    actor: str,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    now = clock.now()
    created, updates = _match(rows, report, progress)

    def insert(prepared: tuple[list[_FileCustomer], list[tuple[Any, ...]]]) -> None:
        # New customers come with their source and consents, in the same transaction.
        part, records = prepared
        _insert_new(part, records, report)
        _insert_sources([new.id for new in part], source, now)
        _record_consents(part, {}, source, file_name, actor, now, report)
        audit.record("import.part", actor, source=source, file=file_name, created=len(part))

    _in_transactions(
        created,
        insert,
        prepare=lambda part: (part, _new_records(part, now)),
        report=report,
    )
    del created
    restricted = restricted_ids()
    # The existing customers of the file, with the row that gives their consents: the last.
    existing: list[_FileCustomer] = []

    def update(part: list[tuple[int, list[CustomerRow]]]) -> None:
        found = _customers_by_id([customer_id for customer_id, _ in part])
        changes: list[audit.Entry] = []
        for customer_id, customer_rows in part:
            existing.append(_FileCustomer(customer_rows[-1], customer_id))
            if customer_id in restricted:
                # Art. 18: their data is kept as it is, not otherwise processed: staff
                # decide on a change (a rectification request), an import does not.
                report.held_restricted += 1
                continue
            changed = _apply_update(found[customer_id], _values(customer_rows), now)
            if changed:
                report.updated += 1
                changes.append(changed)
            else:
                report.unchanged += 1
        audit.record_many(changes, actor)

    _in_transactions(list(updates.items()), update, UPDATE_TRANSACTION_ROWS, report=report)
    del updates
    if existing:
        customer_ids = [customer.id for customer in existing]
        _add_sources(customer_ids, source, now)
        state = _current_consents(customer_ids)
        _in_transactions(
            existing,
            lambda part: _record_consents(part, state, source, file_name, actor, now, report),
            report=report,
        )
    if progress:
        progress(len(rows), len(rows))


UPDATE_TRANSACTION_ROWS = 1_000
"""Existing customers updated per transaction: a changed customer costs a write and an audit
event, so a part of :data:`TRANSACTION_ROWS` of them could hold the write lock for seconds."""


def _match(
    rows: list[CustomerRow], report: ImportReport, progress: Progress | None
) -> tuple[list[_FileCustomer], dict[int, list[CustomerRow]]]:
    """The customers the file creates, and the rows about each existing customer (by id)."""
    index = _Index()
    created: list[_FileCustomer] = []
    updates: dict[int, list[CustomerRow]] = {}
    for done, row in enumerate(rows, 1):
        if row.customer_no and row.customer_no in index.erased_numbers:
            report.skipped_erased += 1
            continue
        target = index.find(row)
        if index.clashes(row):
            report.conflicts.append(RowError(row.line, _CLASH))
        if target is None:
            target = _FileCustomer(row)
            created.append(target)
        elif isinstance(target, _FileCustomer):
            target.add(row)
        else:
            updates.setdefault(target, []).append(row)
        index.add(target, row.customer_no, row.email, row.phone)
        if progress and done % 1000 == 0:
            progress(done, len(rows))
    return created, updates


_NEW_COLUMNS = (
    "customer_no",
    "name_key",
    "reverse_name_key",
    *_FIELDS,
    "created_at",
    "updated_at",
)


def _new_records(created: list[_FileCustomer], now: datetime) -> list[tuple[Any, ...]]:
    """The rows of :data:`_NEW_COLUMNS` for new customers, their number None where the
    register is to give one."""
    records = []
    for new in created:
        rows = new.rows
        values = _new_values(rows)
        registered = min((r.registered_at for r in rows if r.registered_at), default=now)
        keys = name_keys(values[0], values[1])
        records.append((new.first.customer_no, *keys, *values, registered, now))
    return records


def _insert_new(
    created: list[_FileCustomer], records: list[tuple[Any, ...]], report: ImportReport
) -> None:
    """Write the new customers ``created`` (as :func:`_new_records` gave them) and set
    each one's id."""
    # New rows get ids above this one (the part is written in one transaction): reading
    # them back by id range (one query, on the primary key) stays fast even before the
    # planner has statistics for a fresh table.
    highest_before = Customer.select(fn.MAX(Customer.id)).scalar() or 0
    generated = iter(next_customer_numbers(sum(record[0] is None for record in records)))
    records = [record if record[0] else (next(generated), *record[1:]) for record in records]
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        insert_tuples(Customer, _NEW_COLUMNS, chunk)
        report.created += len(chunk)
    query = Customer.select(Customer.customer_no, Customer.id).where(Customer.id > highest_before)
    ids: dict[str, int] = dict(database.execute(query).fetchall())  # both stored as they are
    for new, record in zip(created, records, strict=True):
        new.id = ids[record[0]]


_FIELDS_OF = operator.attrgetter(*_FIELDS)
_LANGUAGE_AT = _FIELDS.index("language")


def _new_values(rows: list[CustomerRow]) -> tuple[Any, ...]:
    """:func:`_values` of a new customer's rows, in the order of :data:`_FIELDS`, with the
    defaults for what no row says."""
    if len(rows) == 1:  # the usual: one row, its empty values "" or None as the defaults
        values: tuple[Any, ...] = _FIELDS_OF(rows[0])
        if values[_LANGUAGE_AT] is None:
            values = (*values[:_LANGUAGE_AT], "fi", *values[_LANGUAGE_AT + 1 :])
        return values
    merged = _NEW_DEFAULTS | _values(rows)
    return tuple(merged[name] for name in _FIELDS)


def _customers_by_id(customer_ids: list[int]) -> dict[int, Customer]:
    found: dict[int, Customer] = {}
    for start in range(0, len(customer_ids), CHUNK):
        batch = customer_ids[start : start + CHUNK]
        found.update((c.id, c) for c in Customer.select().where(Customer.id.in_(batch)))
    return found


def _apply_update(customer: Customer, values: dict[str, Any], now: datetime) -> audit.Entry | None:
    """Save what ``values`` change; the audit entry that records it, or None."""
    changed = [name for name, value in values.items() if getattr(customer, name) != value]
    if not changed:
        return None
    for name in changed:
        setattr(customer, name, values[name])
    customer.name_key, customer.reverse_name_key = name_keys(
        customer.first_name, customer.last_name
    )
    customer.updated_at = now
    customer.save()
    return audit.Entry(
        "customer.updated",
        customer_no=customer.customer_no,
        payload={"fields": sorted(changed), "via": "import"},
    )


def _add_sources(customer_ids: list[int], source: str, now: datetime) -> None:
    """The source on every existing customer of the file that does not have it yet."""
    have = {
        cid
        for (cid,) in tuples(
            CustomerSource.select(CustomerSource.customer).where(CustomerSource.source == source),
            tuple[int],
        )
    }
    missing = [cid for cid in customer_ids if cid not in have]
    _in_transactions(missing, lambda part: _insert_sources(part, source, now))


def _insert_sources(customer_ids: list[int], source: str, now: datetime) -> None:
    rows = [(cid, source, now) for cid in customer_ids]
    for start in range(0, len(rows), CHUNK):
        insert_tuples(CustomerSource, _SOURCE_COLUMNS, rows[start : start + CHUNK])


_SOURCE_COLUMNS = ("customer", "source", "added_at")


def _current_consents(
    customer_ids: Iterable[int],
) -> dict[tuple[int, str], tuple[bool, datetime]]:
    """The latest (given, at) per customer and purpose, from the ledger."""
    wanted = set(customer_ids)
    state: dict[tuple[int, str], tuple[bool, datetime]] = {}
    query = ConsentEvent.select(
        ConsentEvent.customer, ConsentEvent.purpose, ConsentEvent.given, ConsentEvent.at
    ).order_by(ConsentEvent.at, ConsentEvent.id)
    for customer_id, purpose, given, at in tuples(query, tuple[int, str, bool, datetime]):
        if customer_id in wanted:
            state[(customer_id, purpose)] = (given, at)
    return state


_PURPOSES = ("register", "marketing")
_CONSENT_COLUMNS = (
    "customer",
    "purpose",
    "given",
    "at",
    "channel",
    "evidence",
    "wording_version",
    "recorded_by",
)


def _record_consents(
    customers: list[_FileCustomer],
    state: dict[tuple[int, str], tuple[bool, datetime]],
    source: str,
    file_name: str,
    actor: str,
    now: datetime,
    report: ImportReport,
) -> None:
    """Ledger events for what the file says, where it differs from ``state`` (the ledger's
    current state; each customer's is followed as their rows add events)."""
    suppressed = {
        h
        for (h,) in tuples(MarketingSuppression.select(MarketingSuppression.email_hash), tuple[str])
    }
    events: list[tuple[Any, ...]] = []
    register_channel = "ticketing_registration" if source == "ticketing" else "website_form"
    for customer in customers:
        cid = customer.id
        # Each customer is in one part, once: their state is theirs alone.
        latest_of = {purpose: state.get((cid, purpose)) for purpose in _PURPOSES}
        for row in customer.rows:
            register = row.register_consent
            if register is None and source == "ticketing":
                register = True  # registering in the ticketing system is the register consent
            wanted = [
                ("register", register, register_channel),
                ("marketing", row.marketing_consent, "newsletter_signup"),
            ]
            for purpose, given, channel in wanted:
                at = row.consent_at or row.registered_at or now
                latest = latest_of[purpose]
                if given is None or (latest and (latest[0] == given or latest[1] >= at)):
                    continue  # nothing new, or older than what the ledger already knows
                if (
                    purpose == "marketing"
                    and given
                    and row.email
                    and email_hash(row.email) in suppressed
                ):
                    report.marketing_refused_suppressed += 1
                    continue
                latest_of[purpose] = (given, at)
                events.append(
                    (
                        cid,
                        purpose,
                        given,
                        at,
                        channel,
                        f"import of {file_name}, line {row.line}",
                        row.consent_wording,
                        actor,
                    )
                )
    for start in range(0, len(events), CHUNK):
        insert_tuples(ConsentEvent, _CONSENT_COLUMNS, events[start : start + CHUNK])
    report.consents_recorded += len(events)

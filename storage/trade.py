"""Import the team's own trade records (orders, shipments, payments, overdue invoices, disputes).

`tradecheck trade import FILE.csv` reads a UTF-8 CSV (a BOM from Excel is fine) with a header row.
Columns (header names are case-insensitive; extra columns are ignored):

=============  ========  =====================================================================
column         required  meaning
=============  ========  =====================================================================
buyer          yes       the buyer's company name as in your books (matched like a check:
                         identifiers, then domain, then name + country)
kind           yes       order | shipment | payment | invoice | overdue | dispute
date           yes       YYYY-MM-DD — when it happened (order date, payment date, due date…)
country        no        ISO code or English/Chinese name (AE, China, 阿联酋…)
domain         no        the buyer's web or e-mail domain (acme.ae, or j@acme.ae)
vat, lei, reg  no        identifiers, as on a check
amount         no        a number; `.` is the decimal point, `,` may group thousands (12,500.00)
currency       no        three-letter ISO 4217 code (USD, EUR, CNY)
due_date       no        YYYY-MM-DD (invoices)
days_overdue   no        whole days past due (overdue)
status         no        open | paid | settled | closed | cancelled
reference      no        your invoice / order / case number
note           no        free text
=============  ========  =====================================================================

All or nothing: every row is checked first; if any row is bad, nothing is imported and each bad
row is reported with its line number (the header is line 1). A row already imported (same buyer
case and same values) is skipped, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from checks import countries

from . import audit
from .buyers import buyer_keys
from .cases import Who, add_keys, find_case, insert_ignore, workspace
from .models import Case, Day, TradeRecord, id_of, utcnow

KINDS = ("order", "shipment", "payment", "invoice", "overdue", "dispute")
STATUSES = ("open", "paid", "settled", "closed", "cancelled")
REQUIRED = ("buyer", "kind", "date")
KNOWN = REQUIRED + ("country", "domain", "vat", "lei", "reg", "amount", "currency", "due_date", "days_overdue",
                    "status", "reference", "note")
MAX_ROWS = 100_000
_AMOUNT_RE = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


@dataclass
class RowError:
    line: int
    key: str  # catalog key (bot/locales/flows.yml)
    params: dict[str, Any] = field(default_factory=dict)


class TradeImportError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors


@dataclass
class ParsedRow:
    line: int
    buyer: str
    kind: str
    date: date
    country: str | None = None
    domain: str | None = None
    vat: str | None = None
    lei: str | None = None
    reg: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    due_date: Day | None = None  # `Day`: inside the class, `date` names the field above
    days_overdue: int | None = None
    status: str | None = None
    reference: str | None = None
    note: str | None = None


@dataclass
class ImportResult:
    imported: int = 0
    duplicates: int = 0
    cases_opened: int = 0
    cases: set[int] = field(default_factory=set)


def _date(value: str, line: int, column: str, errors: list[RowError]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(RowError(line, "trade.error.date", {"column": column, "value": value[:40]}))
        return None


def parse_csv(text: str) -> list[ParsedRow]:
    """Check every row; raise TradeImportError listing all bad rows, or return them all."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = _header(reader)
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    for raw in reader:
        line = reader.line_num
        if len(rows) >= MAX_ROWS:
            errors.append(RowError(line, "trade.error.too_many", {"limit": MAX_ROWS}))
            break
        if None in raw:  # more cells than header columns
            errors.append(RowError(line, "trade.error.extra_cells"))
            continue
        values = {header[k]: (v or "").strip() for k, v in raw.items() if header.get(k) in KNOWN}
        if not any(values.values()):
            continue  # blank line
        parsed = _parse_row(values, line)
        if isinstance(parsed, ParsedRow):
            rows.append(parsed)
        else:
            errors.extend(parsed)
    if errors:
        raise TradeImportError(errors)
    return rows


def _header(reader: csv.DictReader[str]) -> dict[str, str]:
    """The file's column names -> the known names they stand for; the required columns must be there."""
    if not reader.fieldnames:
        raise TradeImportError([RowError(1, "trade.error.empty")])
    header = {name: (name or "").strip().lower() for name in reader.fieldnames}
    missing = [c for c in REQUIRED if c not in header.values()]
    if missing:
        raise TradeImportError([RowError(1, "trade.error.columns", {"columns": ", ".join(missing)})])
    return header


def _parse_row(values: dict[str, str], line: int) -> ParsedRow | list[RowError]:
    """One non-blank row as a record, or every error in it (in column order, so the report reads left to right)."""
    errors = [RowError(line, "trade.error.required", {"column": column}) for column in REQUIRED if not values.get(column)]
    kind = _one_of(values.get("kind", ""), KINDS, "trade.error.kind", "kinds", line, errors)
    when = _date(values["date"], line, "date", errors) if values.get("date") else None
    due = _date(values["due_date"], line, "due_date", errors) if values.get("due_date") else None
    amount = _amount(values["amount"], line, errors) if values.get("amount") else None
    currency = _currency(values.get("currency", ""), line, errors)
    days = _days(values["days_overdue"], line, errors) if values.get("days_overdue") else None
    status = _one_of(values.get("status", ""), STATUSES, "trade.error.status", "statuses", line, errors) or None
    country = _country(values["country"], line, errors) if values.get("country") else None
    if len(values.get("buyer", "")) > 300:
        errors.append(RowError(line, "trade.error.too_long", {"column": "buyer"}))
    if errors or when is None:  # no errors means the required date was read
        return errors
    return ParsedRow(
        line=line, buyer=values["buyer"], kind=kind, date=when, country=country,
        domain=values.get("domain") or None, vat=values.get("vat") or None, lei=values.get("lei") or None,
        reg=values.get("reg") or None, amount=amount, currency=currency, due_date=due, days_overdue=days,
        status=status, reference=values.get("reference") or None, note=values.get("note") or None,
    )


def _one_of(value: str, allowed: tuple[str, ...], key: str, listed_as: str, line: int,
            errors: list[RowError]) -> str:
    """The value in lower case; an error naming the allowed values if it is none of them ("" is no value)."""
    value = value.lower()
    if value and value not in allowed:
        errors.append(RowError(line, key, {"value": value[:40], listed_as: ", ".join(allowed)}))
    return value


def _currency(value: str, line: int, errors: list[RowError]) -> str | None:
    """A three-letter ISO 4217 code, upper case; None for an empty cell."""
    code = value.upper() or None
    if code and not re.fullmatch(r"[A-Z]{3}", code):
        errors.append(RowError(line, "trade.error.currency", {"value": code[:40]}))
    return code


def _amount(value: str, line: int, errors: list[RowError]) -> Decimal | None:
    """`12500`, `12,500.00`, `-3.5`: `.` is the decimal point and `,` may only group thousands."""
    if _AMOUNT_RE.match(value):
        try:
            return Decimal(value.replace(",", ""))
        except InvalidOperation:
            pass
    errors.append(RowError(line, "trade.error.amount", {"value": value[:40]}))
    return None


def _days(value: str, line: int, errors: list[RowError]) -> int | None:
    if value.isdigit():
        return int(value)
    errors.append(RowError(line, "trade.error.days", {"value": value[:40]}))
    return None


def _country(value: str, line: int, errors: list[RowError]) -> str | None:
    code = countries.to_code(value)
    if code is None:
        errors.append(RowError(line, "trade.error.country", {"value": value[:40]}))
    return code


def _fingerprint(case_id: int, row: ParsedRow, occurrence: int = 1) -> str:
    """Same case and values: the same record. The n-th identical row of one file is its own record
    (two equal shipments on one day), so importing the same file again still adds nothing."""
    parts = [str(case_id), row.kind, row.date.isoformat(), str(row.amount or ""), row.currency or "",
             row.due_date.isoformat() if row.due_date else "", str(row.days_overdue or ""), row.status or "",
             row.reference or "", row.note or ""]
    if occurrence > 1:
        parts.append(f"#{occurrence}")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def import_rows(session: Session, rows: list[ParsedRow], who: Who, source_file: str = "") -> ImportResult:
    """Add the rows in the caller's transaction; cases are found like a check's (or opened)."""
    ws = workspace(session, who.workspace)
    result = ImportResult()
    per_case: dict[int, int] = {}
    seen: dict[str, int] = {}
    for row in rows:
        keys = buyer_keys(row.buyer, row.country, site=row.domain, lei=row.lei, vat=row.vat, reg=row.reg)
        found = find_case(session, id_of(ws), keys)
        if found:
            case = found[0]
        else:
            case = Case(workspace_id=id_of(ws), name=keys.name, normalized_name=keys.normalized_name,
                        base_name=keys.base_name, country=keys.country, domains=list(keys.domains),
                        identifiers=dict(keys.identifiers), created_by=who.label)
            session.add(case)
            session.flush()
            add_keys(session, id_of(ws), id_of(case), keys)
            session.flush()
            audit.record(session, "case_opened", actor=who.key, actor_name=who.label, case_id=case.id,
                         workspace_id=ws.id, details={"name": keys.name, "from": "trade import", "line": row.line})
            result.cases_opened += 1
        assert case.id is not None
        base = _fingerprint(case.id, row)
        seen[base] = occurrence = seen.get(base, 0) + 1
        inserted = insert_ignore(session, TradeRecord, {
            "workspace_id": ws.id, "case_id": case.id, "kind": row.kind, "date": row.date, "amount": row.amount,
            "currency": row.currency, "due_date": row.due_date, "days_overdue": row.days_overdue,
            "status": row.status, "reference": row.reference, "note": row.note,
            "fingerprint": _fingerprint(case.id, row, occurrence), "source_file": source_file[:500], "line": row.line,
            "imported_by": who.label, "imported_at": utcnow(),
        })
        result.imported += inserted
        result.duplicates += 1 - inserted
        result.cases.add(case.id)
        per_case[case.id] = per_case.get(case.id, 0) + 1
    for case_id in sorted(result.cases):
        audit.record(session, "trade_imported", actor=who.key, actor_name=who.label, case_id=case_id,
                     workspace_id=ws.id, details={"file": source_file, "rows": per_case[case_id],
                                                  "rows_in_file": len(rows)})
    return result

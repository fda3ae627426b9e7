"""Each publisher's file format to `Measure`s. Used by the snapshot build and by `lists update`.

Every parser raises `ValueError` on a file that is not what it should be (wrong columns, no rows),
so a corrupt download is refused rather than read as "no measures".
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

from .model import ANY_ORIGIN, UNKNOWN_ORIGIN, Measure
from .names import country_code, split_countries

CBSA_MENU = "https://www.cbsa-asfc.gc.ca/sima-lmsi/mif-mev/menu-eng.html"
TRON_ONGOING = "https://tron.trade.ec.europa.eu/investigations/api/eucase/list/ongoing"
TRON_CASE = "https://tron.trade.ec.europa.eu/investigations/case-view?caseId={id}"
UK_TARIFF_COMMODITY = "https://www.trade-tariff.service.gov.uk/commodities/{code}"
USITC_ORDERS = "https://www.usitc.gov/trade_remedy/documents/orders.xls"
ITIP_GOODS = "https://i-tip.wto.org/goods"
MINCIT = "https://www.mincit.gov.co/comercio-exterior/defensa-comercial"
EU_TARIC = "https://ec.europa.eu/taxation_customs/dds2/taric/measures.jsp?Lang=en&Goods={code}&Area=CN"

_CA_TYPES = {"dumping": "anti_dumping", "subsidy": "countervailing", "subsidizing": "countervailing",
             "undertaking": "undertaking"}


def digits(code: str) -> str:
    return re.sub(r"\D", "", code)


def _text(data: bytes | str) -> str:
    return data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")


def _require(rows: list, what: str) -> None:
    if not rows:
        raise ValueError(f"no rows in the {what}")


# ------------------------------------------------------------------ Canada (CBSA)


# The CBSA table has no dates. The date of the CITT finding that put duties in place, for the cases
# whose official page was read (nothing else is filled in: no date is better than a guessed one).
CA_FINDING_DATES: dict[str, tuple[str, str]] = {
    "SG": ("2011-04-19", "https://www.cbsa-asfc.gc.ca/sima-lmsi/mif-mev/sg-eng.html"),
    "WT": ("2023-11-17", "https://decisions.citt-tcce.gc.ca/citt-tcce/a/en/item/521185/index.do"),
    # CITT finding NQ-2004-005 of 7 Jan 2005 (carbon steel screws), continued by RR-2019-002 in 2020
    "FAS": ("2005-01-07", "https://decisions.citt-tcce.gc.ca/citt-tcce/a/en/item/484648/index.do"),
}


def ca_measure(case: str, product: str, kind: str, country: str, codes: Iterable[str]) -> Measure | None:
    measure_type = _CA_TYPES.get(kind.strip().lower())
    origin = country_code(country)
    if measure_type is None or origin is None or not case.strip():
        return None
    since, url = CA_FINDING_DATES.get(case.strip(), (None, CBSA_MENU))
    return Measure(jurisdiction="CA", type=measure_type, case=case.strip(), product=" ".join(product.split()),
                   origin=origin, codes=sorted({digits(c) for c in codes if len(digits(c)) >= 6}),
                   since=since, url=url, source="CBSA SIMA measures in force",
                   note="The tariff numbers are indicative; the product definition in the CBSA notice governs.")


def parse_ca_json(data: bytes | str) -> list[Measure]:
    """The measures-in-force table as JSON rows (case, product, type, country, codes)."""
    rows = json.loads(_text(data))
    if not isinstance(rows, list):
        raise ValueError("CBSA measures: expected a list of rows")
    measures = [m for row in rows if (m := ca_measure(row["case"], row["product"], row["type"], row["country"],
                                                      row.get("codes") or []))]
    _require(measures, "CBSA measures in force")
    return measures


class _Table(HTMLParser):
    """The cells of every table row, as text (the CBSA menu page is one table)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


_CA_CODE = re.compile(r"\b\d{4}\.\d{2}\.\d{2}(?:\.\d{2})?\b")


def parse_ca_html(data: bytes | str) -> list[Measure]:
    """CBSA's "SIMA – Measures in force" page: a table of case, product, type, country, tariff numbers."""
    table = _Table()
    table.feed(_text(data))
    measures = []
    for cells in table.rows:
        if len(cells) < 5:
            continue
        measure = ca_measure(cells[0], cells[1], cells[2], cells[3], _CA_CODE.findall(cells[4]))
        if measure is not None:
            measures.append(measure)
    _require(measures, "CBSA measures-in-force page")
    return measures


# ------------------------------------------------------------------ United Kingdom


def uk_code(code: str) -> str:
    """A UK commodity code, with the leading zero some copies lost (301919011 → 0301919011)."""
    code = digits(code)
    return "0" + code if len(code) in (7, 9) else code


def parse_uk_codes(data: bytes | str) -> list[str]:
    """The UK tariff's commodity codes that carry a live trade-remedy measure, one a line."""
    codes = sorted({uk_code(line) for line in _text(data).splitlines() if line.strip()})
    bad = [c for c in codes if len(c) != 10]
    if bad or not codes:
        raise ValueError(f"UK commodity codes: {len(bad)} malformed lines, {len(codes)} codes")
    return codes


_TRA_TYPES = {"AD": "anti_dumping", "TD": "anti_dumping", "AS": "countervailing", "TS": "countervailing",
              "SG": "safeguard", "SD": "safeguard", "SM": "safeguard", "SE": "safeguard", "SS": "safeguard"}


def _date(text: str, formats: tuple[str, ...]) -> str | None:
    text = (text or "").strip()
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def parse_uk_cases(data: bytes | str, live_codes: Iterable[str]) -> list[Measure]:
    """TRA cases joined to the UK tariff's live codes: a dumping, subsidy or safeguard case whose goods
    carry a live measure is a measure in force; an active one without is an investigation. A completed
    case with no live code is left out (it may have ended without duties)."""
    live6 = {code[:6] for code in live_codes}
    measures = []
    for line in _text(data).splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        ref = str(case.get("case_ref") or "")
        kind = _TRA_TYPES.get(ref[:2])
        if kind is None:
            continue
        codes = sorted({uk_code(c) for c in case.get("commodity_codes") or [] if len(digits(c)) >= 6})
        live = any(c[:6] in live6 for c in codes)
        active = str(case.get("status") or "").lower() == "active"
        if not live and not active:
            continue
        names = split_countries(str(case.get("country") or ""))
        origins = [country_code(n) for n in names] or [None]
        title = str(case.get("title") or "").strip()
        for origin in origins:
            measures.append(Measure(
                jurisdiction="GB", type=kind if live else "investigation", case=ref, product=title,
                origin=origin or (ANY_ORIGIN if kind == "safeguard" else UNKNOWN_ORIGIN), codes=codes,
                since=None if live else _date(str(case.get("initiation_date") or ""), ("%d %b %Y",)),
                url=case.get("url"), source="UK Trade Remedies Authority case register + UK Trade Tariff",
                note=("The UK tariff carries a live trade-remedy measure on these goods; the case notice "
                      "and the tariff's additional codes say which producers pay what.") if live else
                     f"Investigation opened {case.get('initiation_date')}: no duty yet.",
            ))
    _require(measures, "UK TRA case register")
    return measures


def uk_code_measures(live_codes: Iterable[str], cases: list[Measure]) -> list[Measure]:
    """A live UK code no TRA case explains: a measure of unstated kind and origin (often carried over
    from the EU), to be looked up in the UK tariff."""
    explained = {c[:6] for m in cases if m.type != "investigation" for c in m.codes}
    by6: dict[str, list[str]] = {}
    for code in live_codes:
        if code[:6] not in explained:
            by6.setdefault(code[:6], []).append(code)
    return [Measure(jurisdiction="GB", type="unspecified", case=None, product="",
                    origin=UNKNOWN_ORIGIN, codes=sorted(codes), url=UK_TARIFF_COMMODITY.format(code=sorted(codes)[0]),
                    source="UK Trade Tariff (live trade-remedy measure types 551-555, 561-566, 570, 690, 696)",
                    note="The tariff data here does not say which origin the measure targets.")
            for _, codes in sorted(by6.items())]


# The TRA public file: a list of cases (tabs) and one HTML page per case. No bulk file or documented
# JSON API was found, so `lists update` reads the pages, turns each into the register's record
# (case_ref, title, status, country, initiation_date, commodity_codes, url) and joins them to the
# bundled live tariff codes with `parse_uk_cases`, exactly as the snapshot build does.
TRA_PUBLIC_FILE = "https://public-file.trade-remedies.service.gov.uk"
TRA_LIST_PAGES = (f"{TRA_PUBLIC_FILE}/?tab=active", f"{TRA_PUBLIC_FILE}/?tab=completed")
TRA_CASE = TRA_PUBLIC_FILE + "/case/{ref}/"
_TRA_REF = re.compile(r"/case/([A-Za-z]{2}\d{4})/")
_TRA_LABELS = ("Applicant", "Country", "Last Updated", "Initiation date", "Commodities affected", "Public file",
               "Contents", "Case details", "Measure type", "Decision", "Email")


def tra_case_refs(data: bytes | str) -> list[str]:
    """The case references a TRA list page links to (`/case/ad0059/` → AD0059)."""
    return sorted({ref.upper() for ref in _TRA_REF.findall(_text(data))})


class _PageText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _after(text: str, label: str) -> str | None:
    """The words between a label and the next known label on a case page."""
    others = "|".join(re.escape(x) for x in _TRA_LABELS if x != label)
    found = re.search(rf"\b{re.escape(label)}\s+(.*?)\s+(?:{others})\b", text)
    return found.group(1).strip() if found else None


def tra_case_record(ref: str, data: bytes | str) -> dict:
    """One TRA case page as the register's record; ValueError when the page is not a case page."""
    parser = _PageText()
    parser.feed(_text(data))
    text = " ".join(" ".join(parser.parts).split())
    ref = ref.upper()
    title = re.search(rf"{ref}\s*-\s*(.*?)\s+{ref}\b", text)
    status = re.search(r"\b(Active|Completed|Closed|Terminated|Suspended)\b", text[title.end():]) if title else None
    commodities = _after(text, "Commodities affected") or ""
    if title is None or status is None:
        raise ValueError(f"TRA case page {ref}: no title or status")
    return {"case_ref": ref, "title": title.group(1).strip(), "status": status.group(1),
            "country": _after(text, "Country"), "initiation_date": _after(text, "Initiation date"),
            "last_updated": _after(text, "Last Updated"),
            "commodity_codes": sorted(set(re.findall(r"\b\d{8,10}\b", commodities))),
            "url": TRA_CASE.format(ref=ref.lower())}


def parse_uk_register(data: bytes | str, live_codes: Iterable[str]) -> list[Measure]:
    """The register (JSON lines) joined to the live codes: the cases, plus the live codes no case explains."""
    live = list(live_codes)
    cases = parse_uk_cases(data, live)
    return cases + uk_code_measures(live, cases)


# ------------------------------------------------------------------ European Union


def parse_eu_flags(data: bytes | str) -> list[Measure]:
    """TARIC AD/CVD flags per HS6 for China (and the other origins flagged on the same HS6)."""
    rows = list(csv.DictReader(io.StringIO(_text(data))))
    if not rows or "anti_dumping_possible" not in rows[0] or "hs6" not in rows[0]:
        raise ValueError("EU TARIC flags: missing columns")
    measures = []
    for row in rows:
        hs6 = digits(row["hs6"])
        if len(hs6) != 6:
            raise ValueError(f"EU TARIC flags: bad hs6 {row['hs6']!r}")
        origins = []
        if (row.get("anti_dumping_possible") or "").strip().lower() == "yes":
            origins.append(country_code(row.get("origin") or "CN") or "CN")
        origins += [o.strip() for o in re.split(r"[;, ]+", row.get("other_origins_flagged_same_hs6") or "") if o.strip()]
        for origin in origins:
            measures.append(Measure(
                jurisdiction="EU", type="ad_or_cvd", case=None, product="", origin=origin.upper(), codes=[hs6],
                url=EU_TARIC.format(code=hs6 + "0000"), source="EU TARIC anti-dumping/countervailing flags (HS6)",
                note="Producer-specific duties that may cover only some CN codes under this HS6; the regulation "
                     "and TARIC additional codes govern.",
            ))
    return measures


try:  # TRON's dates are midnight in Brussels
    from zoneinfo import ZoneInfo

    _BRUSSELS: timezone | ZoneInfo = ZoneInfo("Europe/Brussels")
except Exception:  # pragma: no cover - no time-zone database: CET is right to the day for midnights
    _BRUSSELS = timezone(timedelta(hours=2))


def parse_eu_origin_counts(data: bytes | str) -> dict[str, tuple[int, int]]:
    """TARIC per-origin summary: how many CN codes carry an AD/CVD measure for each origin (of all)."""
    rows = list(csv.DictReader(io.StringIO(_text(data))))
    if not rows or "codes_with_anti_dumping" not in rows[0]:
        raise ValueError("EU TARIC summary: missing columns")
    return {row["origin"].strip().upper(): (int(row["codes_with_anti_dumping"]), int(row["cn_codes"]))
            for row in rows if row.get("origin") and (row.get("codes_with_anti_dumping") or "").isdigit()}


def parse_eu_tron(data: bytes | str) -> list[Measure]:
    """TRON's ongoing EU trade-defence proceedings (investigations and reviews; no CN codes)."""
    cases = json.loads(_text(data))
    if not isinstance(cases, list) or not cases or "caseNumber" not in cases[0]:
        raise ValueError("EU TRON: expected a list of cases")
    measures = []
    for case in cases:
        names = [c.get("countryName", "") for c in case.get("caseCountries") or []]
        origins = [country_code(n) for n in names if n] or [ANY_ORIGIN]
        started = case.get("initDate")
        since = (datetime.fromtimestamp(started / 1000, tz=_BRUSSELS).date().isoformat()
                 if isinstance(started, (int, float)) else None)
        number = str(case["caseNumber"])
        for origin in origins:
            measures.append(Measure(
                jurisdiction="EU", type="investigation", case=number, product=" ".join(str(case.get("shortName") or "").split()),
                origin=origin or UNKNOWN_ORIGIN, codes=[], since=since,
                url=TRON_CASE.format(id=case.get("id")), source="EU TRON ongoing cases",
                note=f"{case.get('caseType') or 'Proceeding'} opened {since}; not a measure in force by itself.",
            ))
    return measures


# ------------------------------------------------------------------ United States


def parse_us_orders(data: bytes | str) -> list[Measure]:
    """USITC "AD/CVD orders in place": the official .xls workbook, or the same columns as CSV. No HTS
    codes: matched by product name only (and joined to I-TIP's codes, see `join_us`)."""
    if isinstance(data, bytes) and data[:8] == _OLE_MAGIC:
        rows = _xls_rows(data)
    else:
        rows = list(csv.DictReader(io.StringIO(_text(data))))
    if not rows or "DOC case No." not in rows[0]:
        raise ValueError("USITC orders: missing columns")
    measures = []
    for row in rows:
        kind = {"A": "anti_dumping", "C": "countervailing"}.get((row.get("AD/CVD") or "").strip().upper())
        country = (row.get("Country") or "").strip() or (row.get("Column2") or "").strip()
        origin = country_code(country)
        if kind is None or origin is None:
            continue
        measures.append(Measure(
            jurisdiction="US", type=kind, case=re.sub(r"[\u2010-\u2015]", "-", (row.get("DOC case No.") or "").strip()) or None,
            product=" ".join((row.get("Product") or "").split()), origin=origin, codes=[],
            since=_date(row.get("Order date") or "", ("%m/%d/%Y", "%Y/%m/%d", "%Y-%m-%d")),
            url=(row.get("Link") or "").strip() or USITC_ORDERS, source="USITC AD/CVD orders in place",
        ))
    _require(measures, "USITC orders")
    return measures


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old Excel (.xls) container


def _xls_rows(data: bytes) -> list[dict[str, str]]:
    """The first sheet's rows under its header row (the one naming "DOC case No."), as text; Excel
    dates become MM/DD/YYYY like the CSV export."""
    import xlrd  # imported here: only `lists update` reads workbooks

    try:
        book = xlrd.open_workbook(file_contents=data)
    except Exception as exc:  # xlrd raises its own errors on a damaged file
        raise ValueError(f"USITC orders: not a readable workbook ({exc})") from exc
    sheet = book.sheet_by_index(0)

    def text(cell: xlrd.sheet.Cell) -> str:
        if cell.ctype == xlrd.XL_CELL_DATE:
            return xlrd.xldate_as_datetime(float(cell.value), book.datemode).strftime("%m/%d/%Y")
        if cell.ctype == xlrd.XL_CELL_NUMBER and float(cell.value).is_integer():
            return str(int(cell.value))
        return str(cell.value).strip()

    for index in range(min(sheet.nrows, 15)):
        header = [text(c) for c in sheet.row(index)]
        if "DOC case No." in header:
            return [dict(zip(header, (text(c) for c in sheet.row(r)), strict=False)) for r in range(index + 1, sheet.nrows)]
    raise ValueError("USITC orders: no header row naming 'DOC case No.'")


def parse_us_itip(data: bytes | str) -> list[Measure]:
    """WTO I-TIP's US anti-dumping measures with HS codes; withdrawn ones are left out."""
    rows = list(csv.DictReader(io.StringIO(_text(data))))
    if not rows or "HS" not in rows[0] or "Partner affected" not in rows[0]:
        raise ValueError("I-TIP export: missing columns")
    measures = []
    for row in rows:
        if (row.get("Withdrawn") or "").strip():
            continue
        origin = country_code(row.get("Partner affected") or "")
        codes = sorted({digits(c) for c in (row.get("HS") or "").split(",") if len(digits(c)) >= 4})
        if origin is None or not codes:
            continue
        measures.append(Measure(
            jurisdiction="US", type="anti_dumping", case=None,
            product=" ".join((row.get("Product description") or "").split()), origin=origin, codes=codes,
            since=_date((row.get("In force") or "")[:10], ("%Y-%m-%d",)), url=ITIP_GOODS,
            source="WTO I-TIP (US anti-dumping measures)",
        ))
    _require(measures, "I-TIP export")
    return measures


def join_us(itip: list[Measure], orders: list[Measure]) -> list[Measure]:
    """Give an I-TIP measure the Commerce case number and Federal Register link of the one USITC order
    with the same origin, the same product words and an order date within about a year of entry into
    force; left as it is when none or several fit (no guessing)."""
    from .match import words  # the same word rules as product matching

    by_key: dict[tuple[str, frozenset[str]], list[Measure]] = {}
    for order in orders:
        if order.type == "anti_dumping" and (order.case or "").startswith("A-"):  # a row saying A with a C-number is a typo
            by_key.setdefault((order.origin, frozenset(words(order.product))), []).append(order)
    out = []
    for measure in itip:
        candidates = by_key.get((measure.origin, frozenset(words(measure.product))), [])
        if measure.since:
            start = datetime.fromisoformat(measure.since)
            candidates = [o for o in candidates if o.since and abs((datetime.fromisoformat(o.since) - start).days) < 400]
        if len(candidates) > 1:  # the same words twice (a 2009 and a 2020 order): the same wording decides
            candidates = [o for o in candidates if o.product.lower() == measure.product.lower()]
        if len(candidates) == 1:
            order = candidates[0]
            measure = measure.model_copy(update={"case": order.case, "url": order.url or measure.url,
                                                 "since": measure.since or order.since,
                                                 "note": f"Case and notice from the USITC orders list ({order.case})."})
        out.append(measure)
    return out


# ------------------------------------------------------------------ Colombia


def parse_co(data: bytes | str) -> list[Measure]:
    """MinCIT anti-dumping and safeguard lines (subpartida, rate, origin, resolution, product)."""
    rows = list(csv.DictReader(io.StringIO(_text(data))))
    if not rows or "subpartida" not in rows[0]:
        raise ValueError("Colombia: missing columns")
    measures = []
    for row in rows:
        rate = (row.get("valor") or "").strip()
        kind = "safeguard" if rate.lower().startswith("salvaguarda") else "anti_dumping"
        origin = country_code(row.get("paisOrigen") or "")
        resolution = (row.get("decreto") or "").strip()
        found = re.search(r"(\d{1,2}/\d{1,2}/\d{4})", resolution)
        product = (row.get("producto") or "").strip()
        measures.append(Measure(
            jurisdiction="CO", type=kind, case=resolution.split(".")[0] or None,
            product="" if product.lower() == "todos" else product, origin=origin or UNKNOWN_ORIGIN,
            codes=[digits(row["subpartida"])], since=_date(found.group(1), ("%d/%m/%Y",)) if found else None,
            duty=rate or None, url=MINCIT, source="Colombia MinCIT trade-defence resolutions",
            note=resolution or None,
        ))
    _require(measures, "Colombia list")
    return measures

"""The real collected files (tests/fixtures/trade_remedies) and a CBSA page rendered from them."""

from __future__ import annotations

import html
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "trade_remedies"
CA_JSON = FIXTURES / "ca_cbsa_sima_measures_in_force_2026-08.json"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def cbsa_page(rows: list[dict] | None = None) -> bytes:
    """The CBSA "Measures in force" table (case, product, type, country, tariff numbers) holding the
    real rows: the shape the upstream harvester read from cbsa-asfc.gc.ca (no copy of the page itself
    was available here)."""
    rows = json.loads(CA_JSON.read_text(encoding="utf-8")) if rows is None else rows
    body = "".join(
        "<tr><td><a href='#'>{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(r["case"]), html.escape(r["product"]), r["type"], html.escape(r["country"]),
            "<br>".join(r["codes"]))
        for r in rows)
    return ("<html><body><h1>SIMA – Measures in force</h1><table><thead><tr><th>MIF code</th><th>Product</th>"
            "<th>Type</th><th>Country</th><th>Tariff classification numbers</th></tr></thead><tbody>"
            f"{body}</tbody></table></body></html>").encode()


US_CSV = FIXTURES / "us_usitc_adcvd_orders_in_place_2020-08.csv"


def usitc_rows() -> list[dict[str, str]]:
    import csv

    with US_CSV.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def usitc_workbook(rows: list[dict[str, str]] | None = None) -> bytes:
    """The USITC "orders in place" workbook (.xls) holding the real rows of the 2020 list: a title row,
    then the header, order dates as Excel dates (the official file was not available here to copy)."""
    import io
    from datetime import datetime

    import xlwt

    rows = usitc_rows() if rows is None else rows
    header = list(rows[0].keys()) if rows else list(usitc_rows()[0].keys())
    book = xlwt.Workbook()
    sheet = book.add_sheet("Orders")
    dates = xlwt.easyxf(num_format_str="MM/DD/YYYY")
    sheet.write(0, 0, "Antidumping and countervailing duty orders in place")
    for column, name in enumerate(header):
        sheet.write(2, column, name)
    for r, row in enumerate(rows, start=3):
        for column, name in enumerate(header):
            value = row.get(name) or ""
            try:
                parsed = datetime.strptime(value, "%m/%d/%Y") if name == "Order date" else None
            except ValueError:
                parsed = None
            if parsed is not None:
                sheet.write(r, column, parsed, dates)
            else:
                sheet.write(r, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


UK_REGISTER = FIXTURES / "uk_tra_case_register_2026-08.jsonl"


def tra_rows() -> list[dict]:
    return [json.loads(line) for line in UK_REGISTER.read_text(encoding="utf-8").splitlines() if line.strip()]


def tra_list_page(rows: list[dict]) -> bytes:
    """A TRA public-file tab linking each case page (`/case/ad0059/`), as the upstream harvester found it."""
    links = "".join(f"<tr><td><a href='/case/{r['case_ref'].lower()}/'>{r['case_ref']}</a></td>"
                    f"<td>{html.escape(r['title'] or '')}</td></tr>" for r in rows)
    return f"<html><body><h1>Public file</h1><table>{links}</table></body></html>".encode()


def tra_case_page(row: dict) -> bytes:
    """One TRA case page holding a real register row under the labels the upstream harvester read
    (no copy of a real page was available here)."""
    ref = row["case_ref"]
    def item(label: str, value: str | None) -> str:
        return f"<dt>{label}</dt><dd>{html.escape(value or '')}</dd>"
    codes = "".join(f"<li>{c}</li>" for c in row["commodity_codes"])
    applicant = row.get("applicant") or ""
    if applicant.startswith("Country "):  # the harvester's reading of a page with no applicant
        applicant = ""
    return (f"<html><head><style>.x{{}}</style><script>var Country = 'x';</script></head><body>"
            f"<h1>{ref} - {html.escape(row['title'] or '')}</h1><p>{ref}</p>"
            f"<p><strong>{row['status']}</strong> {html.escape(row.get('case_kind') or '')}</p><dl>"
            + item("Applicant", applicant) + item("Country", row.get("country"))
            + item("Initiation date", row.get("initiation_date")) + item("Last Updated", row.get("last_updated"))
            + f"<dt>Commodities affected</dt><dd><ul>{codes}</ul></dd>"
            + "</dl><h2>Public file</h2><p>Contents</p></body></html>").encode("utf-8")

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
            f"{body}</tbody></table></body></html>").encode("utf-8")


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

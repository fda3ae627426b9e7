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

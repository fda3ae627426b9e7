"""`lists update` for trade remedies against a fake server: success, corrupt file, shrunk list, failure.
The old copy (a download, else the bundled snapshot) stays in use whenever a download is refused."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from checks.trade_remedies import parse, store
from checks.trade_remedies.match import by_codes
from checks.trade_remedies.update import update_trade_remedies

from .support import CA_JSON, cbsa_page, read, usitc_rows, usitc_workbook

ROWS = json.loads(CA_JSON.read_text(encoding="utf-8"))
TRON = read("eu_tron_ongoing_cases_2026-08.json")


def server(ca: bytes | int, tron: bytes | int = TRON, seen: list[str] | None = None,
           usitc: bytes | int | None = None) -> httpx.Client:
    """Answers the three official addresses; an int is an HTTP status."""
    usitc = usitc_workbook() if usitc is None else usitc
    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if seen is not None:
            seen.append(url)
        body = {parse.CBSA_MENU: ca, parse.TRON_ONGOING: tron, parse.USITC_ORDERS: usitc}.get(url)
        if body is None:
            return httpx.Response(404)
        if isinstance(body, int):
            return httpx.Response(body)
        return httpx.Response(200, content=body, headers={"last-modified": "Fri, 04 Dec 2026 10:00:00 GMT"})
    return httpx.Client(transport=httpx.MockTransport(handle))


def update(tmp_path: Path, client: httpx.Client, keys: list[str] | None = None):  # type: ignore[no-untyped-def]
    return {r.source: r for r in update_trade_remedies(tmp_path, keys, client=client, sleep=lambda s: None)}


def test_success_replaces_the_snapshot_part_and_dates_it(tmp_path: Path) -> None:
    seen: list[str] = []
    new_rows = ROWS + [{"case": "XX1", "product": "Steel shelving racks", "type": "Dumping", "country": "China",
                        "codes": ["9403.20.00.90"]}]
    results = update(tmp_path, server(cbsa_page(new_rows), seen=seen))
    # the official addresses, once each; this fake server has no TRA public file (see test_update_uk.py),
    # so the UK download fails at its first page and the UK snapshot stays
    assert seen == [parse.CBSA_MENU, parse.TRON_ONGOING, parse.USITC_ORDERS, parse.TRA_LIST_PAGES[0]]
    assert results["tr_uk_tra"].status == "failed" and "404" in results["tr_uk_tra"].detail
    assert results["tr_ca_cbsa"].status == "updated" and results["tr_ca_cbsa"].count == 190
    assert results["tr_eu_tron"].status == "updated" and results["tr_ca_cbsa"].as_of == "2026-12-04"
    snapshot = store.load(tmp_path)
    assert snapshot.coverage["CA"].as_of == "2026-12-04"
    hits = by_codes(snapshot.for_jurisdiction("CA"), "CN", ["940320"])
    assert [h.measure.case for h in hits] == ["XX1"]
    assert len([m for m in snapshot.measures if m.jurisdiction == "CA"]) == 190  # replaced, not added twice
    again = update(tmp_path, server(cbsa_page(new_rows)), ["tr_ca_cbsa"])
    assert again["tr_ca_cbsa"].status == "unchanged"


def test_corrupt_download_is_refused_and_the_old_copy_stays(tmp_path: Path) -> None:
    update(tmp_path, server(cbsa_page()))
    before = (store.folder(tmp_path) / "tr_ca_cbsa.json").read_bytes()
    results = update(tmp_path, server(b"<html><body>Scheduled maintenance</body></html>", b"{not json",
                                      usitc=usitc_workbook()[:3000]))
    assert results["tr_ca_cbsa"].status == "refused" and "unreadable" in results["tr_ca_cbsa"].detail
    assert results["tr_eu_tron"].status == "refused"
    assert results["tr_us_usitc"].status == "refused" and "workbook" in results["tr_us_usitc"].detail
    assert (store.folder(tmp_path) / "tr_ca_cbsa.json").read_bytes() == before
    assert by_codes(store.load(tmp_path).for_jurisdiction("CA"), "CN", ["730890"])


def test_shrunk_list_is_refused_against_the_bundled_count(tmp_path: Path) -> None:
    results = update(tmp_path, server(cbsa_page(ROWS[:40])), ["tr_ca_cbsa"])
    assert results["tr_ca_cbsa"].status == "refused" and "shrank" in results["tr_ca_cbsa"].detail
    assert not (store.folder(tmp_path) / "tr_ca_cbsa.json").exists()
    assert len(store.load(tmp_path).for_jurisdiction("CA")) == 189  # the snapshot stays in use


def test_server_errors_fail_after_retries_and_keep_the_snapshot(tmp_path: Path) -> None:
    seen: list[str] = []
    results = update(tmp_path, server(503, 500, seen=seen, usitc=502))
    assert {r.status for r in results.values()} == {"failed"}
    assert seen.count(parse.CBSA_MENU) == 3  # bounded retry
    assert store.load(tmp_path).coverage["CA"].as_of == "2026-08-28"


def test_a_damaged_download_file_falls_back_to_the_snapshot(tmp_path: Path) -> None:
    update(tmp_path, server(cbsa_page()), ["tr_ca_cbsa"])
    (store.folder(tmp_path) / "tr_ca_cbsa.json").write_text("{truncated", encoding="utf-8")
    snapshot = store.load(tmp_path)
    assert snapshot.coverage["CA"].as_of == "2026-08-28" and len(snapshot.for_jurisdiction("CA")) == 189


def test_usitc_workbook_gives_the_orders_of_the_csv_and_replaces_only_them(tmp_path: Path) -> None:
    rows = usitc_rows()
    from_csv = parse.parse_us_orders(read("us_usitc_adcvd_orders_in_place_2020-08.csv"))
    from_xls = parse.parse_us_orders(usitc_workbook(rows))
    assert [m.model_dump() for m in from_xls] == [m.model_dump() for m in from_csv]
    results = update(tmp_path, server(cbsa_page(), usitc=usitc_workbook(rows)), ["tr_us_usitc"])
    assert results["tr_us_usitc"].status == "updated"
    snapshot = store.load(tmp_path)
    us = snapshot.for_jurisdiction("US")
    assert sum(m.source == "USITC AD/CVD orders in place" for m in us) == len(from_csv)
    assert any(m.codes for m in us)  # I-TIP's coded measures stay
    assert snapshot.coverage["US"].as_of == "2020-09-10"  # the HS codes are still I-TIP's of 2020
    shrunk = update(tmp_path, server(cbsa_page(), usitc=usitc_workbook(rows[:100])), ["tr_us_usitc"])
    assert shrunk["tr_us_usitc"].status == "refused" and "shrank" in shrunk["tr_us_usitc"].detail
    from datetime import date

    from checks.engine import CheckContext
    from checks.request import parse as parse_request
    from checks.sources.trade_remedies import trade_remedy_findings

    update(tmp_path, server(cbsa_page(), usitc=usitc_workbook(rows)), ["tr_us_usitc"])
    findings = trade_remedy_findings(parse_request("Rod Buyer country=US hs=7318.15"), store.load(tmp_path),
                                     CheckContext.for_lang("en"), today=date(2026, 12, 6))
    coverage = next(f for f in findings if f.code == "trade_remedy.coverage")
    assert "orders list as of 2026-12-04, but HS codes only from 2020" in coverage.title

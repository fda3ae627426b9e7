"""`lists update` for trade remedies against a fake server: success, corrupt file, shrunk list, failure.
The old copy (a download, else the bundled snapshot) stays in use whenever a download is refused."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from checks.trade_remedies import parse, store
from checks.trade_remedies.match import by_codes
from checks.trade_remedies.update import update_trade_remedies

from .support import CA_JSON, cbsa_page, read

ROWS = json.loads(CA_JSON.read_text(encoding="utf-8"))
TRON = read("eu_tron_ongoing_cases_2026-08.json")


def server(ca: bytes | int, tron: bytes | int = TRON, seen: list[str] | None = None) -> httpx.Client:
    """Answers the two official addresses; an int is an HTTP status."""
    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if seen is not None:
            seen.append(url)
        body = {parse.CBSA_MENU: ca, parse.TRON_ONGOING: tron}.get(url)
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
    assert seen == [parse.CBSA_MENU, parse.TRON_ONGOING]  # the official addresses, once each
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
    results = update(tmp_path, server(b"<html><body>Scheduled maintenance</body></html>", b"{not json"))
    assert results["tr_ca_cbsa"].status == "refused" and "unreadable" in results["tr_ca_cbsa"].detail
    assert results["tr_eu_tron"].status == "refused"
    assert (store.folder(tmp_path) / "tr_ca_cbsa.json").read_bytes() == before
    assert by_codes(store.load(tmp_path).for_jurisdiction("CA"), "CN", ["730890"])


def test_shrunk_list_is_refused_against_the_bundled_count(tmp_path: Path) -> None:
    results = update(tmp_path, server(cbsa_page(ROWS[:40])), ["tr_ca_cbsa"])
    assert results["tr_ca_cbsa"].status == "refused" and "shrank" in results["tr_ca_cbsa"].detail
    assert not (store.folder(tmp_path) / "tr_ca_cbsa.json").exists()
    assert len(store.load(tmp_path).for_jurisdiction("CA")) == 189  # the snapshot stays in use


def test_server_errors_fail_after_retries_and_keep_the_snapshot(tmp_path: Path) -> None:
    seen: list[str] = []
    results = update(tmp_path, server(503, 500, seen=seen))
    assert {r.status for r in results.values()} == {"failed"}
    assert seen.count(parse.CBSA_MENU) == 3  # bounded retry
    assert store.load(tmp_path).coverage["CA"].as_of == "2026-08-28"


def test_a_damaged_download_file_falls_back_to_the_snapshot(tmp_path: Path) -> None:
    update(tmp_path, server(cbsa_page()), ["tr_ca_cbsa"])
    (store.folder(tmp_path) / "tr_ca_cbsa.json").write_text("{truncated", encoding="utf-8")
    snapshot = store.load(tmp_path)
    assert snapshot.coverage["CA"].as_of == "2026-08-28" and len(snapshot.for_jurisdiction("CA")) == 189

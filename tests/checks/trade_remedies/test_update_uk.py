"""`lists update` for the UK TRA public file against a fake server built from the real register rows:
each case page parses back to its register row; success replaces the UK snapshot part; a corrupt page,
a shrunk list or a dead server keeps the old copy."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from checks.trade_remedies import parse, store
from checks.trade_remedies.match import by_codes
from checks.trade_remedies.update import update_trade_remedies

from .support import tra_case_page, tra_list_page, tra_rows

ROWS = tra_rows()


def tra_server(rows: list[dict], seen: list[str] | None = None, broken: dict[str, bytes | int] | None = None,
               lists: int | None = None) -> httpx.Client:
    """The TRA public file's two tabs (active, completed) and one page per case; `broken` overrides a
    case page by reference, `lists` answers the tabs with that status."""
    pages = {parse.TRA_CASE.format(ref=r["case_ref"].lower()): tra_case_page(r) for r in rows}
    for ref, body in (broken or {}).items():
        pages[parse.TRA_CASE.format(ref=ref.lower())] = body  # type: ignore[assignment]
    active = [r for r in rows if r["status"] == "Active"]
    completed = [r for r in rows if r["status"] != "Active"]
    tabs = {parse.TRA_LIST_PAGES[0]: tra_list_page(active), parse.TRA_LIST_PAGES[1]: tra_list_page(completed)}

    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if seen is not None:
            seen.append(url)
        if url in tabs:
            return httpx.Response(lists) if lists else httpx.Response(200, content=tabs[url])
        body = pages.get(url)
        if body is None:
            return httpx.Response(404)
        return httpx.Response(body) if isinstance(body, int) else httpx.Response(200, content=body)
    return httpx.Client(transport=httpx.MockTransport(handle))


def update(tmp_path: Path, client: httpx.Client):  # type: ignore[no-untyped-def]
    [result] = update_trade_remedies(tmp_path, ["tr_uk_tra"], client=client, sleep=lambda s: None)
    return result


@pytest.mark.parametrize("row", ROWS[:30] + ROWS[-10:], ids=lambda r: r["case_ref"])
def test_each_case_page_parses_back_to_its_register_row(row: dict) -> None:
    record = parse.tra_case_record(row["case_ref"], tra_case_page(row))
    for field in ("case_ref", "title", "status", "country", "initiation_date", "last_updated", "url"):
        assert record[field] == row[field], field
    assert record["commodity_codes"] == sorted(set(row["commodity_codes"]))


def test_list_pages_give_every_case_reference() -> None:
    assert parse.tra_case_refs(tra_list_page(ROWS)) == sorted(r["case_ref"] for r in ROWS)
    assert parse.tra_case_refs(b"<html>maintenance</html>") == []


def test_download_matches_what_the_snapshot_build_makes_from_the_register_file() -> None:
    """The case pages, re-read, give the very measures the bundled snapshot holds for the UK."""
    lines = "\n".join(json.dumps(parse.tra_case_record(r["case_ref"], tra_case_page(r))) for r in ROWS)
    downloaded = store.parse_uk_download(lines.encode())
    bundled = [m for m in store.bundled().measures if m.jurisdiction == "GB"]
    key = lambda m: (m.case or "", m.origin, m.type, tuple(m.codes))  # noqa: E731
    assert sorted(map(key, downloaded)) == sorted(map(key, bundled))
    assert len(downloaded) == 78


def test_success_replaces_the_uk_part_and_feeds_matching(tmp_path: Path) -> None:
    seen: list[str] = []
    new = {**ROWS[0], "case_ref": "AD0099", "title": "Steel Shelving Racks from China", "status": "Active",
           "country": "China", "initiation_date": "01 Dec 2026", "commodity_codes": ["9403200090"],
           "url": "https://public-file.trade-remedies.service.gov.uk/case/ad0099/"}
    result = update(tmp_path, tra_server(ROWS + [new], seen=seen))
    assert result.status == "updated" and result.count == 79, result.detail
    assert seen[:2] == list(parse.TRA_LIST_PAGES) and len(seen) == 2 + 93
    assert all(url.startswith(parse.TRA_PUBLIC_FILE + "/") for url in seen)
    snapshot = store.load(tmp_path)
    uk = snapshot.for_jurisdiction("GB")
    assert len(uk) == 79  # replaced, not added to the snapshot's 78
    hits = by_codes(uk, "CN", ["940320"])
    assert [(h.measure.case, h.measure.type) for h in hits] == [("AD0099", "investigation")]
    assert hits[0].measure.since == "2026-12-01"
    # the census of live codes the cases are joined to is still the bundled one, and the date says so
    assert snapshot.coverage["GB"].as_of == "2026-08-28"
    assert update(tmp_path, tra_server(ROWS + [new])).status == "unchanged"


def test_a_corrupt_case_page_is_refused_and_the_old_copy_stays(tmp_path: Path) -> None:
    assert update(tmp_path, tra_server(ROWS)).status == "updated"
    before = (store.folder(tmp_path) / "tr_uk_tra.json").read_bytes()
    result = update(tmp_path, tra_server(ROWS, broken={"AD0021": b"<html><body>Service unavailable</body></html>"}))
    assert result.status == "refused" and "AD0021" in result.detail
    assert (store.folder(tmp_path) / "tr_uk_tra.json").read_bytes() == before
    empty = update(tmp_path, tra_server([]))
    assert empty.status == "refused" and "0 cases" in empty.detail


def test_a_shrunk_register_is_refused_against_the_bundled_count(tmp_path: Path) -> None:
    result = update(tmp_path, tra_server(ROWS[:20]))
    assert result.status == "refused" and "shrank" in result.detail
    assert not (store.folder(tmp_path) / "tr_uk_tra.json").exists()
    assert len(store.load(tmp_path).for_jurisdiction("GB")) == 78


def test_server_down_fails_after_retries_and_keeps_the_snapshot(tmp_path: Path) -> None:
    seen: list[str] = []
    result = update(tmp_path, tra_server(ROWS, seen=seen, lists=503))
    assert result.status == "failed" and "503" in result.detail
    assert seen == [parse.TRA_LIST_PAGES[0]] * 3
    dead = update(tmp_path, tra_server(ROWS, broken={"AS0020": 500}))
    assert dead.status == "failed"
    assert len(store.load(tmp_path).for_jurisdiction("GB")) == 78


def test_a_uk_download_feeds_the_check_of_a_british_buyer(tmp_path: Path) -> None:
    """The same matching the bundled UK snapshot feeds: before the download no UK line names the new
    case; after it, a GB buyer of those goods gets the TRA investigation."""
    import asyncio
    from datetime import date

    from checks.config import Settings
    from checks.engine import Engine
    from checks.request import parse as parse_request
    from checks.sources.trade_remedies import TradeRemedyAnalyzer, TradeRemedySource

    def check() -> list[str]:
        source = TradeRemedySource(Settings(TRADECHECK_LISTS_DIR=tmp_path), today=date(2026, 12, 6))
        report = asyncio.run(Engine([source], [TradeRemedyAnalyzer()]).run(
            parse_request("Albion Storage Ltd country=GB hs=9403.20")))
        return [r.case or "" for r in report.trade_remedies]

    assert "AD0099" not in check()
    new = {**ROWS[0], "case_ref": "AD0099", "title": "Steel Shelving Racks from China", "status": "Active",
           "country": "China", "initiation_date": "01 Dec 2026", "commodity_codes": ["9403200090"]}
    assert update(tmp_path, tra_server(ROWS + [new])).status == "updated"
    assert "AD0099" in check()


def test_a_uk_download_is_shared_like_the_others(tmp_path: Path) -> None:
    from checks.trade_remedies.update import export_download, install_download, installed_version

    here, there = tmp_path / "a", tmp_path / "b"
    assert update(here, tra_server(ROWS)).status == "updated"
    exported = export_download(here, "tr_uk_tra")
    assert exported is not None
    record, files = exported
    assert install_download(there, "tr_uk_tra", record, files)
    assert installed_version(there, "tr_uk_tra") == installed_version(here, "tr_uk_tra")
    assert not install_download(tmp_path / "c", "tr_uk_tra", {**record, "version": "0" * 16}, files)

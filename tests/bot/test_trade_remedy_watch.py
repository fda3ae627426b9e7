"""After new trade-remedy data: a watched buyer whose goods a new measure now covers hears of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from bot import monitor
from checks.config import Settings
from checks.engine import Engine
from checks.sources.trade_remedies import TradeRemedyAnalyzer, TradeRemedySource
from checks.trade_remedies import parse as tr_parse
from checks.trade_remedies.update import update_trade_remedies
from tests import databases
from tests.bot.monitor_fake import own_monitor
from tests.bot.test_monitor import check, fake, outbox_rows  # noqa: F401  (fake: the recording deliverer fixture)
from tests.checks.trade_remedies.support import CA_JSON, cbsa_page
from tests.runtimes import MakeRuntime
from tests.storage.support import PointsScorer, db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)


@pytest.fixture
def remedies(tmp_path: Path) -> Path:
    """The lists folder the trade-remedy source of the test's monitor reads."""
    return tmp_path


@pytest.fixture
def mon(db_url: str, remedies: Path, runtime_factory: MakeRuntime) -> Iterator[monitor.Monitor]:  # noqa: F811
    """This module's monitor (the `fake` platform registers into it): re-checks with the trade-remedy source."""
    source = TradeRemedySource(Settings(TRADECHECK_LISTS_DIR=remedies), today=date(2026, 12, 6))
    with own_monitor(runtime_factory(), monitor.MonitorConfig(engine=Engine([source], [TradeRemedyAnalyzer()], PointsScorer()),
                                                              plan_every_seconds=0)) as built:
        yield built


def publish(lists_dir: Path, rows: list[dict]) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=cbsa_page(rows)) if str(request.url) == tr_parse.CBSA_MENU else httpx.Response(404)
    [result] = update_trade_remedies(lists_dir, ["tr_ca_cbsa"], client=httpx.Client(transport=httpx.MockTransport(handle)),
                                     sleep=lambda s: None)
    assert result.status == "updated"


async def test_new_measure_on_watched_goods_is_told_in_the_case_chat(db_url: str, remedies: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                                                     mon: monitor.Monitor, fake) -> None:  # noqa: F811
    await check(mon, "Maple Racking Inc country=CA hs=9403.20", "C-racks")
    await check(mon, "Maple Toys Inc country=CA", "C-toys")  # goods unknown: nothing to re-check for
    before = len(outbox_rows(db_url))
    rows = json.loads(CA_JSON.read_text(encoding="utf-8"))
    publish(remedies, rows + [{"case": "SSR", "product": "Steel storage racks", "type": "Dumping",
                               "country": "China", "codes": ["9403.20.00.90"]}])
    assert mon.recheck_watched_with_goods() == 1
    await mon.tick()
    new = outbox_rows(db_url)[before:]
    assert [r.channel for r in new] == ["C-racks"]
    assert "New trade remedy" in new[0].text and "SSR" in new[0].text


def test_a_trade_remedy_download_on_one_host_is_used_on_the_other(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    from bot import lists_sync
    from checks.trade_remedies import store
    from checks.trade_remedies.match import by_codes
    from checks.trade_remedies.update import install_download

    database = databases.get_database(db_url)
    database.ensure_ready()
    here, there = tmp_path / "host-a", tmp_path / "host-b"
    rows = json.loads(CA_JSON.read_text(encoding="utf-8"))
    publish(here, rows + [{"case": "SSR", "product": "Steel storage racks", "type": "Dumping", "country": "China",
                           "codes": ["9403.20.00.90"]}])
    assert lists_sync.publish(database, here) == ["tr_ca_cbsa"]
    assert lists_sync.publish(database, here) == []  # the same version once
    assert not by_codes(store.load(there).for_jurisdiction("CA"), "CN", ["940320"])
    assert lists_sync.pull(database, there) == ["tr_ca_cbsa"]
    assert [h.measure.case for h in by_codes(store.load(there).for_jurisdiction("CA"), "CN", ["940320"])] == ["SSR"]
    assert lists_sync.pull(database, there) == []
    # a copy whose file does not hold the measures its record names is not installed
    assert not install_download(tmp_path / "host-c", "tr_ca_cbsa", {"version": "0" * 16},
                                {"tr_ca_cbsa.json": (store.folder(here) / "tr_ca_cbsa.json").read_bytes()})

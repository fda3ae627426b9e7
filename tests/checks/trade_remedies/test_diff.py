"""A re-check after a trade-remedy update says when a new measure covers the buyer's goods."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import httpx

from checks import diff
from checks.config import Settings
from checks.engine import Engine
from checks.models import Report
from checks.request import parse
from checks.sources.trade_remedies import TradeRemedyAnalyzer, TradeRemedySource
from checks.trade_remedies import parse as tr_parse
from checks.trade_remedies.update import update_trade_remedies

from .support import CA_JSON, cbsa_page

TEXT = "Maple Racking Inc country=CA hs=9403.20"


def check(tmp_path: Path, text: str = TEXT) -> Report:
    source = TradeRemedySource(Settings(TRADECHECK_LISTS_DIR=tmp_path), today=date(2026, 12, 6))
    return asyncio.run(Engine([source], [TradeRemedyAnalyzer()]).run(parse(text)))


def publish(tmp_path: Path, rows: list[dict]) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=cbsa_page(rows)) if str(request.url) == tr_parse.CBSA_MENU else httpx.Response(404)
    update_trade_remedies(tmp_path, ["tr_ca_cbsa"], client=httpx.Client(transport=httpx.MockTransport(handle)),
                          sleep=lambda s: None)


def test_new_measure_on_the_watched_goods_is_an_alert_and_its_end_is_news(tmp_path: Path) -> None:
    rows = json.loads(CA_JSON.read_text(encoding="utf-8"))
    before = check(tmp_path)
    assert before.trade_remedies == []
    publish(tmp_path, rows + [{"case": "SSR", "product": "Steel storage racks", "type": "Dumping",
                               "country": "China", "codes": ["9403.20.00.90"]}])
    after = check(tmp_path)
    changes = diff.diff_reports(before, after, "en")
    assert [(c.kind, c.alert) for c in changes] == [("trade_remedy.new", True)]
    assert "steel storage racks" in changes[0].text.lower() and "SSR" in changes[0].text
    assert "征收" in diff.diff_reports(before, after, "zh")[0].text
    assert diff.diff_reports(after, check(tmp_path)) == []  # nothing new: silent
    publish(tmp_path, rows)
    gone = diff.diff_reports(after, check(tmp_path))
    assert [(c.kind, c.alert) for c in gone] == [("trade_remedy.removed", False)]


def test_a_check_that_never_looked_at_trade_remedies_does_not_make_every_measure_new(tmp_path: Path) -> None:
    old = check(tmp_path, "Maple Racking Inc country=CA")  # no goods: the source did not run
    new = check(tmp_path, "Maple Racking Inc country=CA hs=7308.90")
    assert new.trade_remedies and diff.diff_reports(old, new) == []

""""Not this buyer" on a party listed on several lists clears the whole party (one finding, one button),
with the real bundled lists and the product's scorer; a change to any of its entries alerts again."""

from __future__ import annotations

import pytest

from bot.app import Actor, Runtime
from bot.card import ActionKind
from checks.engine import Engine
from checks.models import DecisionCode, Status
from checks.policy import BUNDLED
from checks.risk import PolicyScorer
from checks.sources.sanctions import SanctionsSource
from tests.storage.support import db_url, pg_url, set_managers, sqlite_template  # noqa: F401  (fixtures)

LI = Actor("terminal", "li", "Li Wei")  # sales
BOSS = Actor("terminal", "boss", "Boss Wang")  # manager via MANAGERS


@pytest.fixture
def managers(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    set_managers(monkeypatch, "terminal:boss")


@pytest.fixture(scope="module")
def engine() -> Engine:
    source = SanctionsSource()
    source._screener()  # load the index now, outside the source's time limit (a busy machine takes a while)
    return Engine([source], [], PolicyScorer(path=BUNDLED))


@pytest.fixture
def runtime(managers: None, engine: Engine, make_runtime) -> Runtime:  # type: ignore[no-untyped-def]
    return make_runtime(engine=engine)  # the product's scorer re-scores the case after "Not this buyer"


async def test_one_button_clears_the_party_on_every_list(runtime: Runtime, db_url: str, engine: Engine) -> None:  # noqa: F811
    first = await runtime.checking.run_check("Rosoboronexport", LI, engine=engine)
    hits = [f for f in first.report.findings() if f.code == "sanctions.hit"]
    assert len(hits) == 1  # SDN, non-SDN and CSL: one party
    sources = {e["source"] for e in hits[0].data["entries"]}
    assert {"us_ofac_sdn", "us_ofac_cons", "us_csl"} <= sources
    assert first.report.decision.code is DecisionCode.STOP
    buttons = [a for a in first.card.actions if a.kind is ActionKind.CLEAR_MATCH]
    assert [b.arg for b in buttons] == ["us_ofac_sdn:18782"]

    cleared = await runtime.cases.perform_action(ActionKind.CLEAR_MATCH, first.case.id, BOSS, arg=buttons[0].arg,
                                         reason="our buyer is a Minsk textile trader, not the Russian arms exporter")
    assert cleared.ok

    second = await runtime.checking.run_check("Rosoboronexport", LI, engine=engine)
    [hit] = [f for f in second.report.findings() if f.code == "sanctions.hit"]
    assert hit.status is Status.INFO and hit.data["cleared"] is True  # the whole party, every list
    assert second.report.decision.code is not DecisionCode.STOP
    assert second.report.risk.level.value != "critical"
    assert not [a for a in second.card.actions if a.kind is ActionKind.CLEAR_MATCH]


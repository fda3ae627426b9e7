"""Checking: same buyer, same case: every stored check joins its buyer's case, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlmodel import select

from bot.app import Actor, CheckOutcome, Runtime
from storage import db as storage_db
from storage.models import Case, CheckRun
from tests import databases
from tests.storage.support import db_url, pg_url, risk_engine, sqlite_template  # noqa: F401  (fixtures)

LI = Actor("terminal", "li", "Li Wei")
ANA = Actor("terminal", "ana", "Ana")


async def check(runtime: Runtime, text: str, actor: Actor = LI, **kwargs) -> CheckOutcome:  # type: ignore[no-untyped-def]
    engine, _ = risk_engine()
    return await runtime.checking.run_check(text, actor, engine=engine, **kwargs)


def counts(url: str) -> tuple[int, int]:
    with databases.get_database(url).session() as session:
        return len(session.exec(select(Case)).all()), len(session.exec(select(CheckRun)).all())


async def test_identifier_finds_the_case_whatever_the_name(runtime: Runtime, db_url: str) -> None:
    first = await check(runtime, "ACME Trading LLC vat=DE123456789 country=DE")
    second = await check(runtime, "Acme Handels GmbH vat=de 123 456 789", ANA)
    assert first.case and second.case and second.case.id == first.case.id
    assert counts(db_url) == (1, 2)
    previous = [f for f in second.report.sections.history if f.code == "history.previous_checks"]
    assert previous and "Li Wei" in previous[0].title


async def test_registrable_domain_of_email_and_site_finds_the_case(runtime: Runtime, db_url: str) -> None:
    first = await check(runtime, "ACME Trading LLC site=https://www.acme-trading.ae/ country=AE")
    second = await check(runtime, "ACME FZ email=j.doe@mail.acme-trading.ae", ANA)
    assert second.case and first.case and second.case.id == first.case.id


async def test_free_mail_domain_does_not_merge_different_buyers(runtime: Runtime, db_url: str) -> None:
    first = await check(runtime, "Sunrise Textiles email=buyer1@gmail.com country=IN")
    second = await check(runtime, "Moonlight Garments email=buyer2@gmail.com country=BD")
    assert first.case and second.case and first.case.id != second.case.id


async def test_normalized_name_and_country_find_the_case(runtime: Runtime, db_url: str) -> None:
    first = await check(runtime, "ACME Trading L.L.C. country=AE")
    second = await check(runtime, "acme trading llc country=United Arab Emirates")
    other_country = await check(runtime, "ACME Trading LLC country=DE")
    assert first.case and second.case and other_country.case
    assert second.case.id == first.case.id
    assert other_country.case.id != first.case.id
    assert other_country.case.looks_like and f"#{first.case.id}" in other_country.case.looks_like


async def test_a_near_miss_is_shown_as_looks_like_never_merged(runtime: Runtime, db_url: str) -> None:
    first = await check(runtime, "ACME Trading FZE country=AE")
    near = await check(runtime, "ACME Trading LLC country=AE", ANA)
    assert first.case and near.case and near.case.id != first.case.id
    assert near.case.looks_like is not None
    assert f"case #{first.case.id}" in near.case.looks_like and "ACME Trading FZE" in near.case.looks_like
    assert "Li Wei" in near.case.looks_like
    assert near.case.looks_like in near.card.notices
    zh = await check(runtime, "ACME Trading LLC country=AE lang=zh", ANA)
    assert zh.case and zh.case.looks_like and "疑似背调单" in zh.case.looks_like
    unrelated = await check(runtime, "Globex Shipping country=AE")
    assert unrelated.case and unrelated.case.looks_like is None


async def test_cases_are_per_workspace(runtime: Runtime, db_url: str) -> None:
    mine = await check(runtime, "ACME Trading LLC vat=DE123456789")
    theirs = await check(runtime, "ACME Trading LLC vat=DE123456789", Actor("slack", "U1", "Bob", workspace="T999"))
    assert mine.case and theirs.case and mine.case.id != theirs.case.id


async def test_a_dry_run_stores_nothing(runtime: Runtime, db_url: str) -> None:
    outcome = await check(runtime, "ACME Trading LLC country=AE", persist=False)
    assert outcome.case is None and not outcome.card.actions
    assert counts(db_url) == (0, 0)


async def test_the_stored_check_run_keeps_the_full_report_and_the_request(runtime: Runtime, db_url: str) -> None:
    outcome = await check(runtime, "Sunrise Textiles country=IR")
    with databases.get_database(db_url).session() as session:
        run = session.exec(select(CheckRun)).one()
        case = session.get(Case, run.case_id)
    assert run.report["risk"]["level"] == outcome.report.risk.level.value == "high"
    assert run.risk_level == "high" and run.score == outcome.report.risk.score and run.approval_required
    assert run.actor == "terminal:li" and run.actor_name == "Li Wei"
    assert case is not None and case.last_request and case.last_request["country"] == "IR"
    assert {f["code"] for f in run.report["sections"]["risk"]} >= {"country.embargoed"}


async def test_the_real_offline_engine_stores_its_case_too(runtime: Runtime, db_url: str) -> None:
    """Whatever sources the registry has today, a stored check opens one case and re-checks join it."""
    engine = runtime.engine(offline=True)
    first = await runtime.checking.run_check("Same Buyer LLC site=samebuyer.example", LI, engine=engine)
    second = await runtime.checking.run_check("Same Buyer LLC site=samebuyer.example", ANA, engine=engine)
    assert first.case and second.case and first.case.id == second.case.id
    assert counts(db_url) == (1, 2)


async def test_history_finds_a_case_by_identifier_or_domain(runtime: Runtime, db_url: str) -> None:
    first = await check(runtime, "ACME Trading LLC vat=DE123456789 site=acme-trading.de country=DE")
    assert first.case
    for query in ("DE123456789", "de 123456789".replace(" ", ""), "acme-trading.de", "ACME"):
        lines = await runtime.history.history_text(query, LI, "en")
        assert lines[0].startswith(f"#{first.case.id} ACME Trading LLC"), (query, lines)


def test_processes_starting_together_on_a_fresh_file_all_get_the_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys
    from pathlib import Path

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code = f"from storage.db import open_database; open_database({url!r}).ensure_ready()"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    processes = [subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in processes]
    assert [rc for rc, _ in results] == [0, 0, 0], results
    database = storage_db.Database(url=url, engine=storage_db.make_engine(url))
    assert database.current() == database.head()
    database.engine.dispose()


async def test_same_name_but_another_vat_or_website_is_not_merged_but_shown(runtime: Runtime, db_url: str) -> None:
    first = await check(runtime, "Acme Trading GmbH country=DE vat=DE811115368 site=acme-a.de")
    other_vat = await check(runtime, "Acme Trading GmbH country=DE vat=DE129273398", ANA)
    other_site = await check(runtime, "Acme Trading GmbH country=DE site=acme-b.de", ANA)
    plain = await check(runtime, "Acme Trading GmbH country=DE")  # nothing contradicts: the first case
    assert first.case and other_vat.case and other_site.case and plain.case
    assert other_vat.case.id != first.case.id and other_site.case.id not in (first.case.id, other_vat.case.id)
    assert plain.case.id == first.case.id
    for uncertain in (other_vat, other_site):
        assert uncertain.case.looks_like and f"#{first.case.id}" in uncertain.case.looks_like  # type: ignore[union-attr]
    again = await check(runtime, "ACME TRADING GMBH vat=DE 129 273 398")  # the second VAT finds its own case
    assert again.case and again.case.id == other_vat.case.id
    assert counts(db_url) == (3, 5)


async def test_history_lists_the_earlier_checks_with_who_and_the_risk_then(runtime: Runtime, db_url: str) -> None:
    await check(runtime, "Sunrise Textiles country=IR")
    await check(runtime, "Sunrise Textiles country=IR", ANA)
    third = await check(runtime, "Sunrise Textiles country=IR")
    [previous] = [f for f in third.report.sections.history if f.code == "history.previous_checks"]
    assert previous.data["checks"] == 2
    earlier = previous.detail.splitlines()[-1]
    assert earlier.count(": HIGH") == 2 and earlier.index("Ana") < earlier.index("Li Wei")  # newest first

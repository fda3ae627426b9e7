"""`tradecheck` subcommands the bot adds on top of the engine's: lists update re-screens watched cases;
`check` on an old database says what to run instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.app.types import Actor
from bot.monitor import Monitor
from bot.settings import reload_settings
from checks.trade_remedies import update as tr_update
from checks.watchlists import update
from storage import db as storage_db
from tests import databases
from tests.runtimes import MakeRuntime

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("status, rescreened", [("updated", True), ("unchanged", False)])
def test_lists_update_rescreens_watched_cases_only_when_a_list_changed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, status: str, rescreened: bool,
    runtime_factory: MakeRuntime,
) -> None:
    """Only the download is replaced (no network in tests); the re-screen is the real one, over a database
    in tmp_path holding one watched case that the bundled OFAC list names but its first check did not."""
    import asyncio

    from tests.storage.support import risk_engine, use_database

    monkeypatch.chdir(tmp_path)  # nothing may land in the working directory
    use_database(monkeypatch, f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRADECHECK_LISTS_DIR", str(tmp_path / "lists"))
    monkeypatch.setenv("TRADECHECK_LANG", "en")
    reload_settings()
    actor = Actor("terminal", "li", "Li Wei")
    runtime = runtime_factory()
    first = asyncio.run(runtime.checking.run_check("Rosneft Trading S.A. country=CH", actor, engine=risk_engine()[0]))
    assert first.case and not any(f.code == "sanctions.hit" for f in first.report.findings())
    monkeypatch.setattr(update, "update_lists", lambda folder, sources: [
        update.UpdateResult("us_ofac_sdn", status, count=18_000, as_of="2026-11-30"),
        update.UpdateResult("un_sc", "unchanged", count=1_000, as_of="2026-11-29")])
    monkeypatch.setattr(tr_update, "update_trade_remedies", lambda folder, keys: [
        update.UpdateResult("tr_ca_cbsa", "unchanged", count=189, as_of="2026-08-28")])
    calls: list[int] = []
    real = Monitor.after_lists_update

    async def after_lists_update(self: Monitor, screener: Any = None) -> int:
        calls.append(1)
        return await real(self, screener)

    monkeypatch.setattr(Monitor, "after_lists_update", after_lists_update)
    assert cli.main(["lists", "update"]) == 0
    out = capsys.readouterr().out
    reload_settings()
    assert f"lists folder: {tmp_path / 'lists'}" in out
    assert calls == ([1] if rescreened else [])
    from sqlmodel import select

    from storage.models import AuditEvent

    with databases.get_database(f"sqlite:///{tmp_path / 'cli.db'}").session() as session:
        alerts = session.exec(select(AuditEvent).where(AuditEvent.action == "list_alert")).all()
    assert all(event.case_id == first.case.id for event in alerts)
    assert (len(alerts) > 0) is rescreened  # the OFAC entries for Rosneft Trading, each alerted once
    assert (f"lists (us_ofac_sdn): {len(alerts)} new hit(s) alerted" in out) is rescreened
    assert not (tmp_path / "tradecheck.db").exists()  # the working directory keeps only what the test made
    assert {path.name for path in tmp_path.iterdir()} <= {"cli.db", "cli.db-wal", "cli.db-shm", "lists"}


def test_check_on_a_database_behind_the_code_says_how_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = storage_db.Database(url=url, engine=storage_db.make_engine(url))
    database.upgrade("0001")
    database.engine.dispose()
    result = subprocess.run([sys.executable, "-m", "bot.cli", "check", "--offline", "ACME Trading LLC", "country=AE"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120,
                            env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "TRADECHECK_LANG": "en"})
    assert result.returncode == 1, result.stderr
    assert "tradecheck db upgrade" in result.stderr and "Traceback" not in result.stderr


def _codes(report: dict) -> dict[str, str]:  # type: ignore[type-arg]
    found: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "code" in node and "status" in node:
                found[str(node["code"])] = str(node["status"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(report)
    return found


def test_the_issue_example_flags_free_mail_foreign_phone_and_a_bad_vat(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code = cli.main(["check", "ACME Trading LLC", "email=buyer.acme@gmail.com", "phone=+86", "138", "0013", "8000",
                     "country=AE", "vat=DE123456789", "--json", "--offline", "--no-store"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    codes = _codes(report)
    for flagged in ("email.free_mail", "phone.country_mismatch", "id.invalid_checksum"):
        assert codes.get(flagged) in ("flag", "fail"), (flagged, codes)
    assert codes.get("sanctions.clear") == "pass"  # screened, not skipped
    assert report["risk"]["level"] not in ("low", "unknown")


@pytest.mark.parametrize("country", ["IR", "KP", "Iran", "朝鲜"])
def test_an_embargoed_country_is_flagged(capsys: pytest.CaptureFixture[str], country: str) -> None:
    import json

    assert cli.main(["check", "Sunrise Textiles", f"country={country}", "--json", "--offline", "--no-store"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert _codes(report).get("country.embargoed") in ("flag", "fail")
    assert report["risk"]["level"] in ("high", "critical")


@pytest.mark.parametrize("argv", [[""], ["https://acme.example/"], ["\x00\x01\x02"], ["x" * 30_000], []])
def test_bad_input_exits_non_zero_with_a_message_and_an_example(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert cli.main(["check", *argv, "--offline", "--no-store"]) == 2
    err = capsys.readouterr().err
    assert "Example: /check" in err and "Traceback" not in err


@pytest.mark.parametrize("argv, expected", [
    (["ACME Trading LLC email=j@acme.ae site=acme.ae country=AE"], {"email": "j@acme.ae", "site": "acme.ae", "country": "AE"}),
    (["ACME Trading LLC", "email=j@acme.ae", "person=Jane Doe", "country=AE"], {"email": "j@acme.ae", "country": "AE"}),
])
def test_a_request_in_one_argument_or_split_by_the_shell_parses_alike(argv: list[str], expected: dict[str, str]) -> None:
    from checks.request import parse

    request = parse(cli._join(argv))
    assert request.company == "ACME Trading LLC"
    assert {key: getattr(request, key) for key in expected} == expected
    if "person=Jane Doe" in argv:
        assert request.persons == ["Jane Doe"]


def test_what_was_not_understood_is_said_beside_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert cli.main(["check", "ACME Trading LLC", "country=Narnia", "lang=fr", "--json", "--offline", "--no-store"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["subject"]["country"] is None
    assert "Narnia" in captured.err and "fr" in captured.err


def test_the_command_does_not_wait_for_a_lookup_it_abandoned(tmp_path: Path) -> None:
    """A thread stuck in a system call (here: a sleep standing in for getaddrinfo on a dead DNS server)
    must not keep `tradecheck` running after it has printed its answer."""
    import time

    script = ("import threading, time\n"
              "threading.Thread(target=time.sleep, args=(60,)).start()\n"
              "from bot.cli import console_main\n"
              "console_main(['check', '--offline', '--no-store', '--json', 'ACME Trading LLC', 'country=AE'])\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert result.returncode == 0, result.stderr
    assert '"subject"' in result.stdout  # everything was printed before leaving
    assert time.monotonic() - started < 45


def test_a_one_shot_check_that_leaves_without_pythons_shutdown_has_printed_and_stored_everything(tmp_path: Path) -> None:
    """`tradecheck check` ends with os._exit once its runtime is closed (Python's own shutdown costs 0.15-0.2 s):
    the card is printed in full, the case is stored, and the next process finds it."""
    url = f"sqlite:///{tmp_path / 'one-shot.db'}"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "TRADECHECK_LANG": "en"}
    runs = [subprocess.run([sys.executable, "-m", "bot.cli", "check", "--offline", "Quay Harbour Traders Ltd", "country=GB"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env) for _ in range(2)]
    for result in runs:
        assert result.returncode == 0, result.stderr
        assert "Quay Harbour Traders Ltd" in result.stdout and "Traceback" not in result.stderr
    from sqlmodel import select

    from storage.models import Case, CheckRun

    with databases.get_database(url).session() as session:
        cases = session.exec(select(Case)).all()
        runs_stored = session.exec(select(CheckRun)).all()
    assert len(cases) == 1 and len(runs_stored) == 2  # the second check joined the first one's case
    assert "before (case #" not in runs[0].stdout
    assert "Checked 1 time(s) before (case #" in " ".join(runs[1].stdout.split())  # the card's History saw the first

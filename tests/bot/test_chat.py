"""The terminal chat, driven through `main()` with scripted input: the whole four-eyes story."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot import chat
from bot.app import Actor, Runtime
from storage import db as storage_db
from storage.models import AuditEvent, Case, CheckRun
from tests.bot.runtime_support import use_engine
from tests.runtimes import MakeRuntime
from tests.storage.support import db_url, pg_url, risk_engine, set_managers, sqlite_template  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def run_chat(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], script: list[str],
             *args: str) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(script) + "\n"))
    assert chat.main(list(args)) == 0
    return capsys.readouterr().out


def button(output: str, label: str) -> str:
    """The number of the last card's button with this label."""
    rows = [line for line in output.splitlines() if "[1]" in line]
    found = re.search(r"\[(\d+)\] " + re.escape(label), rows[-1])
    assert found, rows[-1]
    return found.group(1)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    eng, watchlist = risk_engine()
    use_engine(monkeypatch, eng)
    return eng


def test_the_whole_story_check_request_switch_approve_and_see_history(
    db_url: str, engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    set_managers(monkeypatch, "terminal:boss")
    out = run_chat(monkeypatch, capsys, ["/check Sunrise Textiles country=IR"], "--user", "li", "--lang", "en")
    assert "You are li (sales)" in out and "Risk: HIGH" in out and "Case #1: approval needed — not requested yet" in out
    assert "nobody has asked yet" not in out and "waiting for a manager's approval ·" not in out
    request = button(out, "Request approval")

    out = run_chat(monkeypatch, capsys, [
        "/check Sunrise Textiles country=IR",
        request,
        "first order, 40 ft container",  # the reason the requester gives
        "cotton yarn, USD 48,000, 30% deposit",  # the deal (optional)
        "/user boss",
        "2",  # Approve, on the card that is still on screen (a high case: the reason is asked)
        "known customer since 2019, LC at sight",
        "/check Sunrise Textiles country=IR",
        "/history sunrise",
        "/quit",
    ], "--user", "li", "--lang", "en")
    assert "Approval of case #1 requested" in out
    assert "🔔 li asks a manager to approve case #1 Sunrise Textiles (risk HIGH): first order, 40 ft container" in out
    pending_card = " ".join(re.sub(r"[│╭╮╰╯─]", " ", out.split("🔔", 1)[1].split("You are now boss", 1)[0]).split())
    assert "why: first order, 40 ft container" in pending_card and "deal: cotton yarn, USD 48,000" in pending_card
    assert re.search(r"asked by li \d{4}-\d\d-\d\d \d\d:\d\d UTC", pending_card)
    assert "You are now boss (manager)" in out
    assert "Case #1 approved (valid until" in out
    assert "✅ Case #1 Sunrise Textiles approved by boss: known customer since 2019, LC at sight" in out
    last_card = out.rsplit("Checking…", 1)[1]
    assert "approved by boss" in last_card and "known customer since 2019" in last_card
    assert "Checked 2 time(s) before (case #1)" in last_card
    assert "Approved by boss on" in last_card
    assert "rejected" not in last_card.lower()
    assert "#1 Sunrise Textiles (IR) — approved" in out
    with storage_db.get_database(db_url).session() as session:
        assert len(session.exec(select(CheckRun)).all()) == 3
        assert [c.status for c in session.exec(select(Case)).all()] == ["approved"]
        trail = [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()]
    assert trail == ["case_opened", "check", "approval_needed", "check", "approval_requested", "approved", "check"]


def test_four_eyes_and_reasons_in_the_chat(
    db_url: str, engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    set_managers(monkeypatch, "terminal:boss,terminal:chen")
    out = run_chat(monkeypatch, capsys, [
        "/check Sunrise Textiles country=IR",
        "1",  # Request approval, by the manager himself
        "needs a second pair of eyes",
        "",
        "2",  # Approve: his own request — refused before any reason is asked
        "3",  # Reject: asks for a reason; empty cancels
        "",
        "/user li",
        "3",  # a salesperson presses Reject: refused at once
        "/user chen",
        "3",
        "embargoed country, no licence",
        "/quit",
    ], "--user", "boss", "--lang", "en")
    assert "Four eyes: you cannot decide on your own approval request" in out
    assert "Cancelled." in out
    assert "Only a manager can do this" in out
    assert "⛔ Case #1 Sunrise Textiles rejected by chen: embargoed country, no licence" in out


def test_paste_notes_lang_cases_help_and_bad_input(
    db_url: str, engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    out = run_chat(monkeypatch, capsys, [
        "/help",
        "/cases",
        "7",
        "/check",
        "/check https://acme.example/",
        "/paste",
        "Best regards,",
        "Jane Doe",
        "Purchasing Manager",
        "ACME Trading LLC",
        "Tel: +971 4 123 4567",
        "Email: jane.doe@acme-trading.ae",
        "www.acme-trading.ae",
        ".",
        "/lang zh",
        "/frobnicate",
        "/cases",
        "/quit",
    ], "--user", "li", "--lang", "en")
    assert "/paste" in out and "No cases yet." in out
    assert "No card with buttons yet" in out
    assert "Type /check followed by the buyer" in out
    assert "Only a web address" in out and "Traceback" not in out
    assert "ACME Trading LLC" in out and "Case #1: open" in out
    assert "语言：中文。" in out and "未知命令 /frobnicate" in out
    assert re.search(r"#1 ACME Trading LLC（.*）—— 进行中", out)
    assert asyncio.run(Runtime.from_environment().chat.get_user_lang(Actor("terminal", "li"))) == "zh"
    out = run_chat(monkeypatch, capsys, ["/check ACME Trading LLC site=acme-trading.ae", "6", "先付 30% 定金", "/quit"],
                   "--user", "li")
    assert "欢迎" in out or "您是 li" in out  # the stored language is used without --lang
    assert "已为背调单 #1 添加备注。" in out
    out = run_chat(monkeypatch, capsys, ["/check ACME Trading LLC site=acme-trading.ae"], "--user", "li")
    assert "li 于" in out and "先付 30% 定金" in out


def test_the_chat_refuses_a_database_that_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = storage_db.Database(url=url, engine=storage_db.make_engine(url))
    database.upgrade("0001")
    database.engine.dispose()
    result = subprocess.run([sys.executable, "-m", "bot.cli", "chat"], input="/quit\n", capture_output=True, text=True,
                            env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}, cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and "tradecheck db upgrade" in result.stderr and "Traceback" not in result.stderr


def test_a_fresh_machine_needs_no_extra_step(tmp_path: Path) -> None:
    """`tradecheck chat` with no DATABASE_URL creates the database in the user data folder and works at
    once; a one-shot command started from another folder sees the same cases (as a new user tries it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRADECHECK_LISTS_DIR")}
    env.update(PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "data"), TRADECHECK_LANG="en")
    chat_folder, other_folder = tmp_path / "desk", tmp_path / "elsewhere"
    chat_folder.mkdir()
    other_folder.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--offline", "--user", "li", "--lang", "en"],
        input="/check Sunrise Textiles country=IR\n/cases\n/quit\n", capture_output=True, text=True,
        env=env, cwd=chat_folder, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Case #1" in result.stdout and "#1 Sunrise Textiles (IR)" in result.stdout
    assert (tmp_path / "data" / "tradecheck" / "tradecheck.db").exists()
    assert not (chat_folder / "tradecheck.db").exists()
    listed = subprocess.run([sys.executable, "-m", "bot.cli", "cases", "list"], capture_output=True, text=True,
                            env=env, cwd=other_folder, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "Sunrise Textiles" in listed.stdout
    assert not (other_folder / "tradecheck.db").exists()


def test_what_the_monitor_said_is_shown_at_the_next_prompt(
    db_url: str, engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
    runtime_factory: MakeRuntime,
) -> None:
    import asyncio
    from datetime import timedelta

    from bot.monitor import Monitor, TerminalDeliverer
    from storage.models import Approval, utcnow

    set_managers(monkeypatch, "terminal:boss")
    out = run_chat(monkeypatch, capsys, ["/check Sunrise Textiles country=IR"], "--user", "li", "--lang", "en",
                   "--no-monitor")
    run_chat(monkeypatch, capsys, ["/check Sunrise Textiles country=IR", button(out, "Request approval"), "/quit"],
             "--user", "li", "--lang", "en", "--no-monitor")
    with storage_db.get_database(db_url).session() as session:  # asked a day ago, still undecided
        approval = session.exec(select(Approval)).one()
        approval.requested_at = utcnow() - timedelta(hours=25)
        session.add(approval)
        session.commit()
    watch = Monitor(runtime_factory(engine=engine))  # another process's monitor over the same database
    watch.deliverers.register(TerminalDeliverer())
    asyncio.run(watch.tick(utcnow() + timedelta(hours=25)))
    out = run_chat(monkeypatch, capsys, ["/help", "/quit"], "--user", "boss", "--lang", "en", "--no-monitor")
    assert out.count("waiting for approval") == 1
    assert out.index("waiting for approval") < out.index("/paste")  # before the first prompt's answer
    out = run_chat(monkeypatch, capsys, ["/quit"], "--user", "boss", "--lang", "en", "--no-monitor")
    assert "waiting for approval" not in out  # shown once

"""Admin commands: cases list/show, audit export, roles set (audited), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot import admin
from bot.app import Runtime
from bot.app.types import Actor
from bot.card import ActionKind
from storage import db as storage_db
from storage.models import AuditEvent
from tests.runtimes import MakeRuntime
from tests.storage.support import db_url, pg_url, risk_engine, set_managers, sqlite_template  # noqa: F401

LI = Actor("terminal", "li", "Li Wei")
BOSS = Actor("terminal", "boss", "Boss")


async def story(monkeypatch: pytest.MonkeyPatch, runtime_factory: MakeRuntime) -> int:
    set_managers(monkeypatch, "terminal:boss")
    engine, _ = risk_engine()
    runtime = runtime_factory(engine=engine)
    outcome = await runtime.checking.run_check("Sunrise Textiles country=IR", LI)
    assert outcome.case
    cases = runtime.cases
    await cases.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, LI, reason="first order, 40 ft container")
    await cases.perform_action(ActionKind.ADD_NOTE, outcome.case.id, LI, reason="met at Canton Fair")
    await cases.perform_action(ActionKind.REJECT, outcome.case.id, BOSS, reason="embargo")
    await runtime.checking.run_check("ACME Trading LLC country=AE", LI)
    return outcome.case.id


def role_of(runtime: Runtime, actor: Actor) -> str:
    return asyncio.run(runtime.cases.role_of(actor))


async def test_cases_list_and_show(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                   runtime_factory: MakeRuntime) -> None:
    case_id = await story(monkeypatch, runtime_factory)
    assert admin.cases_main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {row["name"]: row["status"] for row in listed} == {"Sunrise Textiles": "rejected", "ACME Trading LLC": "open"}
    assert admin.cases_main(["list", "--status", "rejected", "--json"]) == 0
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == [case_id]
    assert admin.cases_main(["list"]) == 0
    text = capsys.readouterr().out
    assert f"#{case_id} Sunrise Textiles (IR) — rejected; risk HIGH; 1 check(s)" in text

    assert admin.cases_main(["show", str(case_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "rejected" and len(shown["check_runs"]) == 1
    assert shown["check_runs"][0]["problems"] == ["country.embargoed:fail"]
    assert shown["approvals"][0]["decision"] == "reject" and shown["approvals"][0]["reason"] == "embargo"
    assert shown["approvals"][0]["requested_by"] == "Li Wei" and shown["approvals"][0]["decided_by"] == "Boss"
    assert shown["notes"][0]["text"] == "met at Canton Fair"
    assert [e["action"] for e in shown["audit"]] == ["case_opened", "check", "approval_needed", "approval_requested", "note_added", "rejected"]
    assert admin.cases_main(["show", str(case_id), "--lang", "zh"]) == 0
    text = capsys.readouterr().out
    assert "已拒绝" in text and "审计记录：" in text and "met at Canton Fair" in text
    assert text.count("audit_exported") == 1  # the JSON above was an export, and says so in the trail
    assert admin.cases_main(["show", "4242"]) == 1


async def test_audit_export_csv_and_json_is_itself_audited(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                           runtime_factory: MakeRuntime) -> None:
    case_id = await story(monkeypatch, runtime_factory)
    assert admin.audit_main(["export", "--case", str(case_id)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["action"] for r in rows] == ["case_opened", "check", "approval_needed", "approval_requested", "note_added", "rejected"]
    assert json.loads(rows[-1]["details"])["reason"] == "embargo" and rows[-1]["actor"] == "terminal:boss"
    target = tmp_path / "audit.json"
    assert admin.audit_main(["export", "--case", str(case_id), "--format", "json", "-o", str(target)]) == 0
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert [e["action"] for e in exported][-1] == "audit_exported"  # the first export is in the second one
    with storage_db.get_database(db_url).session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "audit_exported")
                              .order_by(col(AuditEvent.id))).all()
    assert [e.details["format"] for e in events] == ["csv", "json"]
    assert admin.audit_main(["export", "--case", "4242"]) == 1


def test_roles_set_is_audited_and_takes_effect(db_url: str, capsys: pytest.CaptureFixture[str],
                                               runtime_factory: MakeRuntime) -> None:
    runtime = runtime_factory()
    chen = Actor("slack", "U123", "Chen")
    assert role_of(runtime, chen) == "sales"
    assert admin.roles_main(["set", "slack:U123", "manager"]) == 0
    assert "slack:U123: sales → manager." in capsys.readouterr().out
    assert role_of(runtime, chen) == "manager"
    assert admin.roles_main(["set", "U123", "manager"]) == 2
    with pytest.raises(SystemExit):
        admin.roles_main(["set", "slack:U123", "owner"])
    assert admin.roles_main(["list"]) == 0
    assert "slack:U123\tmanager" in capsys.readouterr().out
    with storage_db.get_database(db_url).session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "role_changed")).one()
    assert event.details == {"user": "slack:U123", "from": "sales", "to": "manager"}
    assert event.actor.startswith("cli:")


def test_an_admin_can_demote_someone_listed_in_managers(db_url: str, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str],
                                                        runtime_factory: MakeRuntime) -> None:
    set_managers(monkeypatch, "terminal:boss")
    runtime = runtime_factory()
    boss = Actor("terminal", "boss", "Boss")
    assert role_of(runtime, boss) == "manager"  # from the configuration
    assert admin.roles_main(["set", "terminal:boss", "sales"]) == 0
    capsys.readouterr()
    assert role_of(runtime, boss) == "sales"  # the admin's decision wins over MANAGERS
    assert role_of(runtime, Actor("terminal", "other", "Other")) == "sales"

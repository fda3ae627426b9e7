"""The case service behind every button, on SQLite and PostgreSQL: four eyes, expiry, cleared matches,
notes, re-checks, and the chat state kept in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.app import Actor, CheckOutcome, Conversation, Prompt, Runtime
from bot.app.checking import describe_request
from bot.app.clears import entry_fingerprint
from bot.card import ActionKind
from checks.models import Status
from storage.models import Approval, AuditEvent, Case, Job, utcnow
from tests import databases
from tests.storage.support import (  # noqa: F401  (fixtures)
    db_url,
    pg_url,
    risk_engine,
    set_managers,
    sqlite_template,
)

LI = Actor("terminal", "li", "Li Wei")  # sales
BOSS = Actor("terminal", "boss", "Boss Wang")  # manager via MANAGERS
CHEN = Actor("terminal", "chen", "Chen")  # manager via roles set
OUTSIDER = Actor("slack", "U666", "Mallory", workspace="T-other")  # a manager of another team

ENTRY = {"source": "us_ofac_sdn", "source_id": "36123", "name": "SUNRISE TEXTILES TRADING", "programs": ["IRAN"],
         "list": "SDN", "score": 93}


@pytest.fixture
def managers(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    set_managers(monkeypatch, "terminal:boss,slack:U666")
    from storage import chatstate
    from storage.cases import Who

    with databases.get_database(db_url).session() as session:
        chatstate.set_role(session, "terminal", "chen", "manager", Who("cli", "root", "root"))
        session.commit()


@pytest.fixture
def engine():  # type: ignore[no-untyped-def]
    return risk_engine()


@pytest.fixture
def runtime(managers: None, engine, make_runtime) -> Runtime:  # type: ignore[no-untyped-def]
    return make_runtime(engine=engine[0])  # the same scorer re-scores a case after "Not this buyer" and re-checks


async def risky_case(runtime: Runtime, engine, actor: Actor = LI) -> CheckOutcome:  # type: ignore[no-untyped-def]
    return await runtime.checking.run_check("Sunrise Textiles country=IR", actor, engine=engine[0])


def case_row(url: str, case_id: int) -> Case:
    with databases.get_database(url).session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case


def actions(db_url: str, case_id: int) -> list[str]:
    with databases.get_database(db_url).session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(col(AuditEvent.id))).all()
        return [e.action for e in events]


async def test_a_risky_check_offers_request_approval_and_the_story_runs(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    outcome = await risky_case(runtime, engine)
    assert outcome.case and outcome.case.status == "pending_approval" and outcome.case.requested_by is None and outcome.report.risk.approval_required
    kinds = [a.kind for a in outcome.card.actions]
    assert ActionKind.REQUEST_APPROVAL in kinds and ActionKind.APPROVE not in kinds
    case_id = outcome.case.id

    requested = await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, case_id, LI, reason="first order, 40 ft container")
    assert requested.ok and requested.card and requested.announce and "Li Wei" in requested.announce
    assert case_row(db_url, case_id).status == "pending_approval"
    assert [a.kind for a in requested.card.actions][:2] == [ActionKind.APPROVE, ActionKind.REJECT]
    again = await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, case_id, LI, reason="first order, 40 ft container")
    assert not again.ok and "already" in again.message

    approved = await runtime.cases.perform_action(ActionKind.APPROVE, case_id, BOSS, reason="known customer, LC at sight")
    assert approved.ok, approved.message
    assert approved.announce and "Boss Wang" in approved.announce and "LC at sight" in approved.announce
    assert approved.card and "approved by Boss Wang" in approved.card.status_line
    case = case_row(db_url, case_id)
    assert case.status == "approved"

    recheck = await risky_case(runtime, engine, LI)
    history = {f.code: f for f in recheck.report.sections.history}
    assert history["history.approved"].data["by"] == "Boss Wang"
    assert "LC at sight" in history["history.approved"].detail
    assert "Li Wei" in history["history.previous_checks"].title
    assert recheck.case and recheck.case.status == "approved"
    assert actions(db_url, case_id) == ["case_opened", "check", "approval_needed", "approval_requested", "approved", "check"]


async def test_four_eyes_no_one_decides_their_own_request(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    outcome = await risky_case(runtime, engine, BOSS)
    assert outcome.case
    assert (await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, BOSS, reason="first order, 40 ft container")).ok
    own = await runtime.cases.perform_action(ActionKind.APPROVE, outcome.case.id, BOSS, reason="fine")
    assert not own.ok and "Four eyes" in own.message and own.card is None
    own_reject = await runtime.cases.perform_action(ActionKind.REJECT, outcome.case.id, BOSS, reason="no")
    assert not own_reject.ok
    assert case_row(db_url, outcome.case.id).status == "pending_approval"
    other = await runtime.cases.perform_action(ActionKind.APPROVE, outcome.case.id, CHEN, reason="documents checked by phone")
    assert other.ok and case_row(db_url, outcome.case.id).status == "approved"


async def test_only_managers_approve_or_reject(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    outcome = await risky_case(runtime, engine)
    assert outcome.case
    await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, LI, reason="first order, 40 ft container")
    sales = Actor("terminal", "zhang", "Zhang")
    for kind in (ActionKind.APPROVE, ActionKind.REJECT, ActionKind.CLEAR_MATCH):
        refused = await runtime.cases.perform_action(kind, outcome.case.id, sales, reason="looks fine", arg="x:1")
        assert not refused.ok and "Only a manager" in refused.message and not refused.needs_reason
    zh = await runtime.cases.perform_action(ActionKind.APPROVE, outcome.case.id, sales, lang="zh", reason="documents checked by phone")
    assert not zh.ok and "只有经理" in zh.message
    assert case_row(db_url, outcome.case.id).status == "pending_approval"
    assert "approved" not in actions(db_url, outcome.case.id)


async def test_a_forged_payload_for_another_workspaces_case_is_refused(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    outcome = await risky_case(runtime, engine)
    assert outcome.case
    await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, LI, reason="first order, 40 ft container")
    before = actions(db_url, outcome.case.id)
    for kind in ActionKind:
        result = await runtime.cases.perform_action(kind, outcome.case.id, OUTSIDER, reason="forged", arg="us_ofac_sdn:1")
        assert not result.ok and result.card is None, kind
        assert f"#{outcome.case.id} was not found" in result.message
    assert actions(db_url, outcome.case.id) == before
    assert case_row(db_url, outcome.case.id).status == "pending_approval"
    missing = await runtime.cases.perform_action(ActionKind.APPROVE, 999_999, BOSS, reason="documents checked by phone")
    assert not missing.ok and "not found" in missing.message
    bad = await runtime.cases.perform_action("drop_tables", outcome.case.id, BOSS)
    assert not bad.ok


async def test_rejection_needs_a_reason(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    outcome = await risky_case(runtime, engine)
    assert outcome.case
    await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, LI, reason="first order, 40 ft container")
    asked = await runtime.cases.perform_action(ActionKind.REJECT, outcome.case.id, BOSS)
    assert not asked.ok and asked.needs_reason and "reason" in asked.message
    blank = await runtime.cases.perform_action(ActionKind.REJECT, outcome.case.id, BOSS, reason="   ")
    assert blank.needs_reason
    assert case_row(db_url, outcome.case.id).status == "pending_approval"
    rejected = await runtime.cases.perform_action(ActionKind.REJECT, outcome.case.id, BOSS, reason="embargoed country",
                                          arg="sanctions")
    assert rejected.ok and rejected.announce and "embargoed country" in rejected.announce
    with databases.get_database(db_url).session() as session:
        approval = session.exec(select(Approval).where(Approval.case_id == outcome.case.id)).one()
    assert approval.decision == "reject" and approval.reason_code == "sanctions" and approval.requested_by == "Li Wei"
    later = await risky_case(runtime, engine)
    rejected_finding = next(f for f in later.report.sections.history if f.code == "history.rejected")
    assert rejected_finding.status is Status.FLAG and rejected_finding.detail == "embargoed country"
    assert later.card.status_line.endswith("embargoed country")


async def test_approve_without_a_request_is_refused(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    outcome = await risky_case(runtime, engine)
    assert outcome.case
    result = await runtime.cases.perform_action(ActionKind.APPROVE, outcome.case.id, BOSS, reason="documents checked by phone")
    assert not result.ok and "Request approval" in result.message


async def test_an_approval_expires(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    outcome = await risky_case(runtime, engine)
    assert outcome.case
    await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, LI, reason="first order, 40 ft container")
    approved = await runtime.cases.perform_action(ActionKind.APPROVE, outcome.case.id, BOSS, reason="ok")
    assert approved.ok
    database = databases.get_database(db_url)
    with database.session() as session:
        approval = session.exec(select(Approval).where(Approval.case_id == outcome.case.id)).one()
        assert approval.expires_at is not None
        days = (approval.expires_at - approval.decided_at).days  # type: ignore[operator]
        assert days == runtime.monitoring.approval_expiry_days() == 180
        session.execute(update(Approval).where(col(Approval.id) == approval.id)
                        .values(expires_at=utcnow() - timedelta(minutes=1)))  # time passes
        session.commit()
    later = await risky_case(runtime, engine)
    assert later.case and later.case.status == "pending_approval"
    assert ActionKind.REQUEST_APPROVAL in [a.kind for a in later.card.actions]
    expired = next(f for f in later.report.sections.history if f.code == "history.approval_expired")
    assert expired.status is Status.FLAG
    assert "approval_expired" in actions(db_url, outcome.case.id)
    assert (await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, LI, reason="first order, 40 ft container")).ok


async def test_a_higher_risk_than_approved_needs_approval_again(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    eng, watchlist = engine
    first = await runtime.checking.run_check("Sunrise Textiles country=IR", LI, engine=eng)
    assert first.case and first.report.risk.level.value == "high"
    await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, first.case.id, LI, reason="first order, 40 ft container")
    await runtime.cases.perform_action(ActionKind.APPROVE, first.case.id, BOSS, reason="ok")
    watchlist.entries["sunrise textiles"] = dict(ENTRY)
    worse = await runtime.checking.run_check("Sunrise Textiles country=IR", LI, engine=eng)
    assert worse.report.risk.level.value == "critical"
    assert worse.case and worse.case.status == "pending_approval"
    assert "approval_invalidated" in actions(db_url, first.case.id)


async def test_a_cleared_match_stays_visible_and_realerts_when_the_entry_changes(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    eng, watchlist = engine
    watchlist.entries["globex shipping"] = dict(ENTRY, name="GLOBEX SHIPPING")
    first = await runtime.checking.run_check("Globex Shipping country=AE", LI, engine=eng)
    assert first.case and first.report.risk.level.value == "high"
    clear = next(a for a in first.card.actions if a.kind is ActionKind.CLEAR_MATCH)
    assert clear.arg == "us_ofac_sdn:36123"

    by_sales = await runtime.cases.perform_action(ActionKind.CLEAR_MATCH, first.case.id, LI, arg=clear.arg, reason="no")
    assert not by_sales.ok
    asked = await runtime.cases.perform_action(ActionKind.CLEAR_MATCH, first.case.id, BOSS, arg=clear.arg)
    assert asked.needs_reason
    forged = await runtime.cases.perform_action(ActionKind.CLEAR_MATCH, first.case.id, BOSS, arg="us_ofac_sdn:1", reason="x")
    assert not forged.ok and "no sanctions match" in forged.message
    cleared = await runtime.cases.perform_action(ActionKind.CLEAR_MATCH, first.case.id, BOSS, arg=clear.arg,
                                         reason="listed party is Iranian; our buyer is a Dubai LLC since 2009")
    assert cleared.ok and cleared.card
    assert all(a.kind is not ActionKind.CLEAR_MATCH for a in cleared.card.actions)

    second = await runtime.checking.run_check("Globex Shipping country=AE", LI, engine=eng)
    hit = next(f for f in second.report.findings() if f.code == "sanctions.hit")
    assert hit.status is Status.INFO and hit.data["cleared"] is True  # shown, not hidden
    assert "Cleared by Boss Wang" in hit.detail and "Dubai LLC" in hit.detail
    assert second.report.risk.level.value == "low" and second.report.risk.score == 0  # the scorer did not count it
    assert second.case and second.case.cleared == ["us_ofac_sdn:36123"]
    assert all(a.kind is not ActionKind.CLEAR_MATCH for a in second.card.actions)
    [told] = [f for f in second.report.sections.history if f.code == "history.cleared_match"]  # and in History
    assert "cleared by Boss Wang" in told.title and "Dubai LLC" in told.detail

    watchlist.entries["globex shipping"]["programs"] = ["IRAN", "SDGT"]  # the publisher changed the entry
    third = await runtime.checking.run_check("Globex Shipping country=AE", LI, engine=eng)
    hit = next(f for f in third.report.findings() if f.code == "sanctions.hit")
    assert hit.status is Status.FAIL and hit.data.get("cleared_stale") and "has changed" in hit.detail
    assert third.report.risk.level.value == "high"
    assert third.case and third.case.cleared == []
    assert any(a.kind is ActionKind.CLEAR_MATCH for a in third.card.actions)
    assert actions(db_url, first.case.id).count("match_realerted") == 1


async def test_entry_fingerprint_prefers_a_version_and_ignores_the_score() -> None:
    assert entry_fingerprint({"entry_version": "v7", "name": "X"}) == "v7"
    a = entry_fingerprint(dict(ENTRY))
    assert a == entry_fingerprint(dict(ENTRY, score=71))
    assert a != entry_fingerprint(dict(ENTRY, programs=["IRAN", "SDGT"]))


async def test_notes_details_watching_and_recheck(runtime: Runtime, db_url: str, managers: None, engine,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Re-check now uses the runtime's engine: the test's, not one that would ask GLEIF, SEC, Wikidata, GDELT
    outcome = await risky_case(runtime, engine)
    assert outcome.case
    case_id = outcome.case.id
    asked = await runtime.cases.perform_action(ActionKind.ADD_NOTE, case_id, LI)
    assert asked.needs_reason
    noted = await runtime.cases.perform_action(ActionKind.ADD_NOTE, case_id, LI, reason="buyer asked for 90 days open account")
    assert noted.ok
    details = await runtime.cases.perform_action(ActionKind.DETAILS, case_id, LI)
    assert details.ok and details.card and all(section.hidden == 0 for section in details.card.sections)
    scheduled = await runtime.cases.perform_action(ActionKind.SCHEDULE_RECHECK, case_id, LI, arg="30")
    assert scheduled.ok and scheduled.card
    case = case_row(db_url, case_id)
    assert case.watching and case.next_recheck_at is not None
    with databases.get_database(db_url).session() as session:
        jobs = session.exec(select(Job).where(Job.case_id == case_id)).all()
    assert len(jobs) == 1 and jobs[0].kind == "recheck" and jobs[0].status == "pending"
    refused = await runtime.cases.perform_action(ActionKind.STOP_WATCHING, case_id, LI)  # a high-risk buyer: managers only
    assert not refused.ok and "manager" in refused.message and case_row(db_url, case_id).watching
    stopped = await runtime.cases.perform_action(ActionKind.STOP_WATCHING, case_id, BOSS)
    assert stopped.ok and not case_row(db_url, case_id).watching
    rechecked = await runtime.cases.perform_action(ActionKind.RECHECK, case_id, LI)
    assert rechecked.ok and rechecked.card and rechecked.card.case_id == case_id
    note = next(f for f in (await risky_case(runtime, engine)).report.sections.history if f.code == "history.note")
    assert note.detail == "buyer asked for 90 days open account" and "Li Wei" in note.title
    assert actions(db_url, case_id) == [
        "case_opened", "check", "approval_needed", "note_added", "recheck_scheduled", "watch_stopped", "check", "check",
    ]


async def test_history_text_and_cases_text(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    assert await runtime.history.history_text("ACME", LI, "en") == ["No case found for “ACME”."]
    outcome = await risky_case(runtime, engine)
    assert outcome.case
    await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, outcome.case.id, LI, reason="first order, 40 ft container")
    await runtime.cases.perform_action(ActionKind.REJECT, outcome.case.id, BOSS, reason="embargo")
    lines = await runtime.history.history_text("sunrise", LI, "en")
    assert len(lines) == 1 and f"#{outcome.case.id} Sunrise Textiles (IR)" in lines[0]
    assert "rejected by Boss Wang" in lines[0] and "embargo" in lines[0] and "Li Wei" in lines[0]
    assert "已拒绝" in (await runtime.history.history_text("Sunrise Textiles", LI, "zh"))[0]
    assert await runtime.history.history_text("sunrise", OUTSIDER, "en") == ["No case found for “sunrise”."]
    assert (await runtime.history.cases_text(LI, "en"))[0].startswith(f"#{outcome.case.id} Sunrise Textiles")


async def test_chat_state_lives_in_the_database(runtime: Runtime, db_url: str, managers: None, engine) -> None:  # type: ignore[no-untyped-def]
    outcome = await risky_case(runtime, engine)
    assert outcome.case
    await runtime.chat.save_prompt("telegram", "-100", "77", ActionKind.REJECT, outcome.case.id, BOSS)
    assert await runtime.chat.take_prompt("telegram", "-100", "77", LI) is None  # somebody else's prompt
    assert await runtime.chat.take_prompt("telegram", "-100", "77", BOSS) == Prompt(ActionKind.REJECT, outcome.case.id)
    assert await runtime.chat.take_prompt("telegram", "-100", "77", BOSS) is None  # once
    await runtime.chat.save_prompt("telegram", "-100", "78", ActionKind.CLEAR_MATCH, outcome.case.id, BOSS,
                      arg="us_ofac_sdn:12345", card_message_id="41")
    assert await runtime.chat.take_prompt("telegram", "-100", "78", BOSS) == Prompt(
        ActionKind.CLEAR_MATCH, outcome.case.id, "us_ofac_sdn:12345", "41")

    assert await runtime.chat.first_delivery("slack", "Ev123") is True
    assert await runtime.chat.first_delivery("slack", "Ev123") is False
    assert await runtime.chat.first_delivery("telegram", "Ev123") is True

    await runtime.chat.link_card(outcome.case.id, Conversation("telegram", "-100", "-100", message="12"))
    await runtime.chat.mark_conversation_dead("telegram", "-100")
    from storage import chatstate

    with databases.get_database(db_url).session() as session:
        assert chatstate.links(session, outcome.case.id) == []
        assert len(chatstate.links(session, outcome.case.id, include_dead=True)) == 1

    assert await runtime.chat.get_user_lang(LI) is None
    await runtime.chat.set_user_lang(LI, "zh_CN")
    assert await runtime.chat.get_user_lang(LI) == "zh"
    assert await runtime.cases.role_of(LI) == "sales" and await runtime.cases.role_of(BOSS) == "manager" and await runtime.cases.role_of(CHEN) == "manager"
    zh = await runtime.cases.perform_action(ActionKind.DETAILS, outcome.case.id, LI)
    assert "全部检查结果" in zh.message


def test_what_paste_mode_found_is_told_in_the_users_language(runtime: Runtime) -> None:
    request = runtime.checking.parse_now("此致\n王芳 采购经理\n宁波恒达进出口有限公司\n电话：+86 574 8765 4321\n"
                                  "邮箱：wangfang@hengda-trade.com", "zh")
    [line] = [line for line in describe_request(request) if "wangfang" in line]
    assert "邮箱：wangfang@hengda-trade.com" in line.replace(": ", "：") and "公司" in line and "emails" not in line

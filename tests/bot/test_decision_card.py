"""The card leads with the decision, and what it offers fits it (issue 12, the bot's half).

A sanctions STOP: no Request approval / Approve for the sales line, "Escalate to compliance" and one
"Not this buyer" per listed party; a manager cannot approve it, compliance can — with a reason and a
confirmation, in the audit trail. "Not this buyer" re-scores the card at once. The terminal chat does not
turn a stray word into a case. Every renderer puts the decision first and folds housekeeping into one line.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from bot import chat
from bot.app import Actor, Runtime
from bot.card import ACTION_NUMBER, ActionKind, CaseInfo, build_card
from bot.render import telegram as tg
from bot.render.slack import render_blocks, render_message
from bot.render.terminal import render_text
from checks.models import (
    Decision,
    DecisionCode,
    Finding,
    Report,
    RiskAssessment,
    RiskLevel,
    Section,
    Severity,
    SourceResult,
    SourceStatus,
    Status,
    Subject,
)
from storage import db as storage_db
from storage.models import Approval, AuditEvent, Case
from tests.bot.runtime_support import use_engine
from tests.bot.slack.blockkit import validate_blocks
from tests.runtimes import MakeRuntime
from tests.storage.support import db_url, pg_url, risk_engine, set_managers, sqlite_template  # noqa: F401

LI = Actor("terminal", "li", "Li Wei")  # sales
BOSS = Actor("terminal", "boss", "Boss Wang")  # manager
ANNA = Actor("terminal", "anna", "Anna")  # compliance
ROSO = {"source": "us_ofac_sdn", "source_id": "18782", "name": "ROSOBORONEXPORT JSC",
        "listed_name": "ROSOBORONEXPORT JSC", "programs": ["RUSSIA-EO14024"], "list": "SDN", "score": 100}


@pytest.fixture
def team(db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COMPLIANCE", "terminal:anna")
    set_managers(monkeypatch, "terminal:boss")
    engine, watchlist = risk_engine()
    watchlist.entries["rosoboronexport"] = dict(ROSO)
    use_engine(monkeypatch, engine)  # the same scorer checks and re-scores
    return engine


@pytest.fixture
def runtime(team, runtime_factory: MakeRuntime) -> Runtime:  # type: ignore[no-untyped-def]
    return runtime_factory(engine=team)


def _kinds(card) -> list[ActionKind]:  # type: ignore[no-untyped-def]
    return [a.kind for a in card.actions]


async def test_a_manager_cannot_approve_a_sanctions_stop_only_compliance_with_reason_and_confirm(
        runtime: Runtime, db_url: str, team) -> None:  # type: ignore[no-untyped-def]
    outcome = await runtime.checking.run_check("Rosoboronexport", LI)
    assert outcome.report.decision.code is DecisionCode.STOP and outcome.case
    case_id = outcome.case.id
    kinds = _kinds(outcome.card)
    assert ActionKind.REQUEST_APPROVAL not in kinds and ActionKind.APPROVE not in kinds
    assert kinds[0] is ActionKind.ESCALATE and ActionKind.CLEAR_MATCH in kinds

    asked = await runtime.cases.perform_action(ActionKind.ESCALATE, case_id, LI)
    assert asked.needs_reason and not asked.ok
    escalated = await runtime.cases.perform_action(ActionKind.ESCALATE, case_id, LI, reason="buyer says it is a namesake",
                                           deal="spare pumps, USD 12,000")
    assert escalated.ok and escalated.card and "compliance" in (escalated.announce or "")
    approve = next(a for a in escalated.card.actions if a.kind is ActionKind.APPROVE)
    assert "compliance" in approve.label and approve.confirm  # Slack shows a confirm dialog

    # the manager is told at once, before any reason is asked, and nothing changes even with a reason
    permission = await runtime.cases.can_perform(BOSS, ActionKind.APPROVE, case_id, "en")
    allowed, why = permission.allowed, permission.why
    assert not allowed and "only compliance" in why
    forced = await runtime.cases.perform_action(ActionKind.APPROVE, case_id, BOSS, reason="I know them", confirmed=True)
    assert not forced.ok and "only compliance" in forced.message

    assert (await runtime.cases.can_perform(ANNA, ActionKind.APPROVE, case_id, "en")).allowed
    no_reason = await runtime.cases.perform_action(ActionKind.APPROVE, case_id, ANNA)
    assert no_reason.needs_reason and no_reason.prompt == "approve_stop"
    unconfirmed = await runtime.cases.perform_action(ActionKind.APPROVE, case_id, ANNA, reason="licence OFAC-2026-114")
    assert unconfirmed.needs_confirm and not unconfirmed.ok
    done = await runtime.cases.perform_action(ActionKind.APPROVE, case_id, ANNA, reason="licence OFAC-2026-114",
                                      confirmed=True)
    assert done.ok, done.message

    with storage_db.get_database(db_url).session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.status == "approved" and case.last_decision == "stop"
        approval = session.exec(select(Approval).where(Approval.case_id == case_id)).one()
        assert approval.stop and approval.request_reason == "buyer says it is a namesake"
        assert approval.deal == "spare pumps, USD 12,000" and approval.decided_by == "Anna"
        events = session.exec(select(AuditEvent).where(AuditEvent.case_id == case_id)
                              .order_by(col(AuditEvent.id))).all()
    approved = [e for e in events if e.action == "approved"]
    assert [e.action for e in events if e.action in ("escalated", "approved")] == ["escalated", "approved"]
    assert approved[0].details["role"] == "compliance" and approved[0].details["stop"] is True
    assert approved[0].details["confirmed"] is True and approved[0].details["reason"] == "licence OFAC-2026-114"


async def test_not_this_buyer_rescores_the_card_at_once(runtime: Runtime, db_url: str, team) -> None:  # type: ignore[no-untyped-def]
    outcome = await runtime.checking.run_check("Rosoboronexport", LI)
    assert outcome.case and outcome.card.level and outcome.card.level.rank >= RiskLevel.HIGH.rank
    assert outcome.card.decision is DecisionCode.STOP
    clears = [a for a in outcome.card.actions if a.kind is ActionKind.CLEAR_MATCH]
    assert len(clears) == 1 and clears[0].label == "Not this buyer: ROSOBORONEXPORT JSC"
    cleared = await runtime.cases.perform_action(ActionKind.CLEAR_MATCH, outcome.case.id, BOSS, arg=clears[0].arg,
                                         reason="our buyer is a Minsk retailer with another registry number")
    assert cleared.ok and cleared.card
    assert cleared.card.level is RiskLevel.LOW and cleared.card.decision is not DecisionCode.STOP  # no re-check
    assert ActionKind.ESCALATE not in _kinds(cleared.card) and ActionKind.CLEAR_MATCH not in _kinds(cleared.card)
    with storage_db.get_database(db_url).session() as session:
        case = session.get(Case, outcome.case.id)
        assert case is not None and case.last_risk_level == "low" and case.last_decision != "stop"
        assert case.status == "open"  # nobody had asked: no approval needed any more
    opened = await runtime.cases.open_case(outcome.case.id, LI, "en")
    assert opened.ok and opened.card and opened.card.level is RiskLevel.LOW


async def test_button_numbers_stay_with_their_action_across_states(runtime: Runtime, db_url: str, team) -> None:  # type: ignore[no-untyped-def]
    first = await runtime.checking.run_check("Sunrise Textiles country=IR", LI)
    assert first.case
    numbers = {a.kind: a.number for a in first.card.actions}
    assert numbers[ActionKind.REQUEST_APPROVAL] == 1 and numbers[ActionKind.DETAILS] == 7
    asked = await runtime.cases.perform_action(ActionKind.REQUEST_APPROVAL, first.case.id, LI, reason="repeat order")
    assert asked.card
    later = {a.kind: a.number for a in asked.card.actions}
    assert later[ActionKind.APPROVE] == 2 and later[ActionKind.REJECT] == 3
    assert all(later[k] == numbers[k] for k in later.keys() & numbers.keys())
    assert all(a.number == ACTION_NUMBER[a.kind] for a in asked.card.actions)


def _run_chat(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], script: list[str]) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(script) + "\n"))
    assert chat.main(["--user", "li", "--lang", "en", "--no-monitor"]) == 0
    return capsys.readouterr().out


def _cases(url: str) -> list[str]:
    with storage_db.get_database(url).session() as session:
        return [c.name for c in session.exec(select(Case)).all()]


def test_the_chat_does_not_turn_clear_into_a_case(db_url: str, team, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = _run_chat(monkeypatch, capsys, ["clear", "Sunrise Textiles", "n", "/quit"])
    assert "“clear” is not a command" in out and "Check “Sunrise Textiles” as a company?" in out
    assert _cases(db_url) == []
    out = _run_chat(monkeypatch, capsys, ["Sunrise Textiles country=IR", "y", "/cases", "/open 1", "1", "repeat order",
                                          "", "2", "/quit"])
    assert _cases(db_url) == ["Sunrise Textiles"]
    # /open shows the card with its buttons; a sales user pressing Approve is refused before any question
    assert out.count("[7] Details") == 3 and "Only a manager can do this" in out
    assert "type the reason for the approval" not in out


def test_the_chat_reads_a_multi_line_paste_as_an_inquiry(db_url: str, team, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = _run_chat(monkeypatch, capsys, ["Best regards, Jane Doe", "Purchasing Manager", "Sunrise Textiles LLC",
                                          "jane@sunrise-textiles.ae", "", "/quit"])
    assert "paste mode" in out and len(_cases(db_url)) == 1


# --- rendering: decision first, one trust line, stop actions, escaping -----------------------------------------
def _stop_report(lang: str = "en", name: str = "Rosoboronexport") -> Report:
    report = Report(subject=Subject(name=name), lang=lang)
    report.sections.add(Finding(code="sanctions.hit", status=Status.FAIL, severity=Severity.CRITICAL,
                                title=f"{name} matches ROSOBORONEXPORT JSC on OFAC SDN", section=Section.RISK,
                                data=dict(ROSO)))
    report.sections.add(Finding(code="sanctions.hit", status=Status.FAIL, severity=Severity.CRITICAL,
                                title=f"{name} matches Rosoboronexport on US CSL", section=Section.RISK,
                                data={"source": "us_csl", "source_id": "442dc2", "listed_name": "Rosoboronexport"}))
    report.sources = [SourceResult(name="sanctions", status=SourceStatus.OK),
                      SourceResult(name="gleif", status=SourceStatus.UNAVAILABLE, detail="timeout")]
    report.lists_as_of = {"us_ofac_sdn": "2024-05-03", "us_csl": "2022-04-21"}
    report.warnings = ["Sanctions lists older than 30 days … Run `tradecheck lists update`."]
    report.risk = RiskAssessment(level=RiskLevel.CRITICAL, score=100, approval_required=True, confidence="incomplete",
                                 incomplete_note="incomplete: 1 of 2 sources unavailable (gleif)",
                                 payment_terms=["100% T/T in advance"], ask_next=["The company's website"])
    report.decision = Decision(code=DecisionCode.STOP, reason=f"{name} is on OFAC SDN <b>&</b>",
                               action="Do not quote; pass it to compliance.", codes=["sanctions.hit"])
    return report


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_renderer_puts_the_decision_first_and_one_trust_line_last(lang: str) -> None:
    card = build_card(_stop_report(lang), CaseInfo(id=1, status="pending_approval"))
    terminal = [line.strip("│ ") for line in render_text(card, width=120).splitlines()[1:]]
    assert terminal[0] == card.decision_badge and terminal[1] == card.decision_reason
    assert terminal[2] == "→ " + card.decision_action
    blocks = render_blocks(card)
    validate_blocks(blocks)
    assert len(blocks) <= 50 and blocks[0]["text"]["text"] == card.decision_badge
    assert blocks[2]["elements"][0]["action_id"] == "tc:escalate"  # the main button right under the decision
    assert render_message(card)["text"].startswith(card.decision_badge) and card.decision_reason[:10] in render_message(card)["text"]
    html = tg.render(card).text
    assert html.splitlines()[0] == f"<b>{card.decision_badge}</b>"
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>&</b>" not in html  # escaped
    # housekeeping is one line at the bottom, in full only in Details
    for text in (html, "\n".join(terminal)):
        assert "tradecheck lists update" not in text and "2024-05-03" not in text
    assert card.trust_line in html.splitlines()[-1] or card.trust_line.replace("“", "") in html
    # the oldest list (US CSL of 2022-04-21) counted in days to today, as the card counts it (UTC)
    age = (datetime.now(UTC).date() - date(2022, 4, 21)).days
    assert f"{age:,}" in card.trust_line or str(age) in card.trust_line.replace(",", "")
    full = build_card(_stop_report(lang), CaseInfo(id=1, status="pending_approval"), details=True)
    assert any("tradecheck lists update" in line for line in full.footer)


def test_a_stop_card_has_no_request_approval_no_terms_and_asks_nothing_of_the_buyer() -> None:
    card = build_card(_stop_report(), CaseInfo(id=1, status="pending_approval"))
    kinds = _kinds(card)
    assert ActionKind.REQUEST_APPROVAL not in kinds and ActionKind.APPROVE not in kinds
    assert kinds.count(ActionKind.CLEAR_MATCH) == 1  # one listed party on two lists: one button
    assert card.advice == [] or not any("T/T" in line for line in card.advice)
    assert card.ask_next == []
    assert next(a for a in card.actions if a.kind is ActionKind.SCHEDULE_RECHECK).arg == "7"


def test_an_unverified_check_is_never_a_green_all_clear() -> None:
    report = Report(subject=Subject(name="Bright Harbour Textiles Ltd", country="GB"), lang="en")
    report.risk = RiskAssessment(level=RiskLevel.LOW, score=0, confidence="low",
                                 incomplete_note="incomplete: 7 of 10 sources unavailable",
                                 payment_terms=["O/A 30-60 days only with export credit insurance"])
    report.decision = Decision(code=DecisionCode.PROCEED, reason="nothing found")
    card = build_card(report)
    assert card.decision is DecisionCode.VERIFY_FIRST and "✅" not in card.decision_badge
    assert "🟢" not in card.badge and "unverified" in card.badge
    assert "🟢" not in render_text(card) and "🟢" not in tg.render(card).text
    assert not any("O/A" in line for line in card.advice)  # no open-account terms before identity is settled


def test_the_approval_queue_puts_stop_first_then_level_then_age_with_requester_and_link() -> None:
    import json

    from bot.slack.home import HomeCase, home_view, queue_order
    from tests.bot.slack.blockkit import validate_view

    cases = [
        HomeCase(1, "Alpha", "pending_approval", "high", "", "verify_first", "li", 50.0),
        HomeCase(2, "Bravo", "pending_approval", "critical", "", "verify_first", "li", 1.0),
        HomeCase(3, "Charlie", "pending_approval", "medium", "", "stop", "wang", 2.0),
        HomeCase(4, "Delta", "pending_approval", "high", "", "verify_first", "li", 70.0,
                 "https://slack.com/archives/C1/p1700000000000001"),
    ]
    queue = sorted(cases, key=queue_order)
    assert [c.id for c in queue] == [3, 2, 4, 1]
    view = home_view("en", "manager", [], queue)
    validate_view(view)
    text = json.dumps(view, ensure_ascii=False)
    assert "asked by li, waiting 70 h" in text and "<https://slack.com/archives/C1/p1700000000000001|#4 Delta>" in text
    assert text.index("Charlie") < text.index("Bravo") < text.index("Delta") < text.index("Alpha")
    assert "Your role: manager" in text or "manager" in text
    assert "经理" in json.dumps(home_view("zh", "manager", [], queue), ensure_ascii=False)


def test_in_the_chat_compliance_approves_a_stop_with_reason_and_confirmation(  # type: ignore[no-untyped-def]
        db_url: str, team, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run_chat(monkeypatch, capsys, [
        "/check Rosoboronexport",
        "1",  # Escalate to compliance
        "the buyer says it is a namesake",
        "",  # no deal
        "/user boss",
        "2",  # a manager presses Approve: refused before any question
        "/user anna",
        "2",  # compliance: the reason, then the confirmation
        "licence OFAC-2026-114",
        "y",
        "/quit",
    ])
    assert "[1] Escalate to compliance" in out and "Request approval" not in out
    assert "only compliance can approve it" in out
    assert "You are approving a STOP case" in out and "Confirm: approve STOP case #1" in out
    assert "Case #1 approved" in out
    with storage_db.get_database(db_url).session() as session:
        assert session.exec(select(Case)).one().status == "approved"

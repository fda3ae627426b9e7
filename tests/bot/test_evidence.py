"""The evidence pack, on SQLite and PostgreSQL: a real case (a real hit on the bundled lists, a
cleared match, an approval, a note) exported as PDF and HTML in English and Chinese."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from bot import admin, evidence
from bot.app import Runtime
from bot.app.types import Actor
from bot.card import ActionKind
from bot.evidence import data as pack_data
from bot.evidence import html as html_writer
from checks.i18n import t
from checks.screening.explain import list_title
from storage import db as storage_db
from storage.models import AuditEvent, Case
from tests.runtimes import MakeRuntime
from tests.storage.support import db_url, pg_url, set_managers, sqlite_template  # noqa: F401  (fixtures)

LI = Actor("terminal", "li", "Li Wei")
BOSS = Actor("terminal", "boss", "Boss Wang")
OUTSIDER = Actor("slack", "U666", "Mallory", workspace="T-other")
COMPANY = "Mahan Air"  # the bundled lists: a strong CSL (DPL) hit and a possible OFAC SDN match
CLEAR_REASON = "The DPL entry is the airline's Dubai trading arm; our buyer is registered elsewhere"
NOTE = "Buyer sent its Dubai trade licence; 李经理已电话核实地址"


@pytest.fixture
def runtime(db_url: str, monkeypatch: pytest.MonkeyPatch, runtime_factory: MakeRuntime) -> Runtime:
    """The test's runtime over its database, boss a manager; its offline engine has the real bundled
    OFAC / CSL / UN lists."""
    set_managers(monkeypatch, "terminal:boss")
    return runtime_factory()


@pytest.fixture
async def story(runtime: Runtime) -> int:
    """A case with a sanctions match, a cleared match, an approval request, an approval and a note."""
    outcome = await runtime.checking.run_check(f"{COMPANY} email=sales@mahan-trading.ae country=AE", LI,
                                               offline=True)
    assert outcome.case is not None
    case_id = outcome.case.id
    codes = {f.code for f in outcome.report.sections.risk}
    assert {"sanctions.hit", "sanctions.possible"} <= codes, codes
    clears = [a for a in outcome.card.actions if a.kind is ActionKind.CLEAR_MATCH]
    trading = next(a for a in clears if a.arg.startswith("us_csl:"))
    for kind, actor, kwargs in (
        (ActionKind.CLEAR_MATCH, BOSS, {"arg": trading.arg, "reason": CLEAR_REASON}),
        (ActionKind.ADD_NOTE, LI, {"reason": NOTE}),
        (ActionKind.REQUEST_APPROVAL, LI, {"reason": "First order, 40 ft container, prepaid"}),
        (ActionKind.APPROVE, BOSS, {"reason": "100% T/T in advance only"}),
    ):
        result = await runtime.cases.perform_action(kind, case_id, actor, **kwargs)
        assert result.ok, result.message
    return case_id


def export(runtime: Runtime, case_id: int, fmt: str, lang: str) -> evidence.Exported:
    return evidence.export(runtime.ensure_database(), case_id, fmt, lang, Actor("cli", "root", "root"))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    """pypdf breaks table cells over lines: compare without whitespace."""
    return re.sub(r"\s+", "", text)


async def test_the_hash_is_stable_for_the_same_case_and_changes_with_it(story: int, runtime: Runtime) -> None:
    first = export(runtime, story, "pdf", "en")
    again = [export(runtime, story, fmt, lang) for fmt in ("pdf", "html") for lang in ("en", "zh")]
    assert {e.sha256 for e in again} == {first.sha256}  # exports (now in the audit trail) do not change it
    assert first.content.startswith(b"%PDF-")
    await runtime.cases.perform_action(ActionKind.ADD_NOTE, story, LI, reason="Sample shipped prepaid")
    assert export(runtime, story, "pdf", "en").sha256 != first.sha256


async def test_the_pdf_names_the_company_each_list_the_decision_and_who_approved(story: int, runtime: Runtime) -> None:
    with runtime.ensure_database().session() as session:
        gathered = pack_data.collect(session, session.get(Case, story))
    lists = gathered["screening"]["lists"]
    assert {"us_ofac_sdn", "us_csl", "un_sc"} <= set(lists)
    decision = gathered["decision"]["code"]
    for lang in ("en", "zh"):
        text = pdf_text(export(runtime, story, "pdf", lang).content)
        compact = flat(text)
        assert COMPANY in text
        for key, as_of in lists.items():
            assert flat(list_title(key, _translator(lang))) in compact, (lang, key)
            assert as_of in text
        assert flat(t(f"evidence.decision.{decision}", lang)) in compact
        assert flat(t("evidence.approval.approve", lang)) in compact and "BossWang" in compact
        assert flat(CLEAR_REASON) in compact and flat(NOTE) in compact  # the cleared match and the note
        assert "MAHANAIR" in compact and "SDGT" in compact  # a match: listed name and programme
        assert gathered and pack_data.digest(gathered) in compact
    zh = flat(pdf_text(export(runtime, story, "pdf", "zh").content))
    assert "背调证据包" in zh and "经理解除的匹配" in zh and "已批准" in zh


def _translator(lang: str):  # type: ignore[no-untyped-def]
    from checks.i18n import translator

    return translator(lang)


async def test_the_pdf_carries_its_data_and_verifies(story: int, runtime: Runtime, tmp_path: Path) -> None:
    exported = export(runtime, story, "pdf", "zh")
    attached = PdfReader(io.BytesIO(exported.content)).attachments["evidence-data.json"][0]
    data = json.loads(attached)
    assert pack_data.digest(data) == exported.sha256 and data["case"]["id"] == story
    path = tmp_path / "pack.pdf"
    path.write_bytes(exported.content)
    assert evidence.verify(path).ok


async def test_the_html_is_self_contained_and_tampering_is_detected(story: int, runtime: Runtime, tmp_path: Path) -> None:
    exported = export(runtime, story, "html", "en")
    page = exported.content.decode("utf-8")
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|@import|url\(", page, re.I)
    assert "default-src 'none'" in page
    assert re.findall(r"<script\b[^>]*>", page) == ['<script type="application/json" id="evidence-data">']
    embedded = html_writer.extract(exported.content)
    assert embedded is not None and pack_data.digest(embedded) == exported.sha256
    assert COMPANY in page and "Boss Wang" in page and CLEAR_REASON in page
    path = tmp_path / "pack.html"
    path.write_bytes(exported.content)
    assert evidence.verify(path).ok
    tampered = tmp_path / "tampered.html"
    tampered.write_text(page.replace("100% T/T in advance only", "open account 90 days"), encoding="utf-8")
    result = evidence.verify(tampered)
    assert not result.ok and result.actual != result.stated == exported.sha256


async def test_names_with_markup_are_escaped(db_url: str, runtime_factory: MakeRuntime) -> None:
    runtime = runtime_factory()
    outcome = await runtime.checking.run_check('"<script>alert(1)</script> & Co" country=AE', LI, offline=True)
    assert outcome.case is not None
    page = export(runtime, outcome.case.id, "html", "en").content.decode("utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "<script>" not in html_writer.embedded_json({"x": "</script><script>"})


async def test_cli_export_writes_the_file_and_records_it_in_the_audit_trail(story: int, runtime: Runtime, tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.pdf"
    assert admin.cases_main(["export", str(story), "--format", "pdf", "--out", str(out), "--lang", "zh"]) == 0
    said = capsys.readouterr().out
    assert str(out) in said and out.read_bytes().startswith(b"%PDF-")
    assert admin.cases_main(["verify", str(out)]) == 0
    assert "OK" in capsys.readouterr().out
    with storage_db.get_database(runtime.ensure_database().url).session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "evidence_exported")).all()
    assert len(events) == 1 and events[0].details["format"] == "pdf" and events[0].details["lang"] == "zh"
    assert events[0].details["sha256"] in said
    assert admin.cases_main(["export", "9999", "--format", "html", "--out", str(tmp_path / "y.html")]) == 1


async def test_the_button_hands_the_pdf_to_the_adapter_for_the_teams_own_cases_only(story: int, runtime: Runtime) -> None:
    card_result = await runtime.cases.perform_action(ActionKind.DETAILS, story, LI)
    assert card_result.card and any(a.kind is ActionKind.EVIDENCE_PACK for a in card_result.card.actions)
    result = await runtime.cases.perform_action(ActionKind.EVIDENCE_PACK, story, LI, lang="zh")
    assert result.ok and result.attachment is not None
    assert result.attachment.filename.endswith("-zh.pdf") and result.attachment.mime == "application/pdf"
    assert "背调证据包" in pdf_text(result.attachment.content)
    refused = await runtime.cases.perform_action(ActionKind.EVIDENCE_PACK, story, OUTSIDER)
    assert not refused.ok and refused.attachment is None


async def test_the_terminal_writes_the_pack_and_prints_its_path(story: int, runtime: Runtime, tmp_path: Path) -> None:
    from rich.console import Console

    from bot.chat import TerminalChat

    console = Console(file=io.StringIO(), width=200)
    chat = TerminalChat(runtime, "li", "en", offline=True, console=console)
    chat.export_dir = tmp_path
    try:
        card = (await runtime.cases.perform_action(ActionKind.DETAILS, story, chat.actor)).card
        assert card is not None
        chat.card = card
        number = next(a.number or i for i, a in enumerate(card.actions, 1) if a.kind is ActionKind.EVIDENCE_PACK)
        await _in_thread(chat.press, number)
    finally:
        await _in_thread(chat.runner.close)  # the chat's own loop, closed in a thread like it ran
    written = list(tmp_path.glob("evidence-case-*.pdf"))  # noqa: ASYNC240 - the test reads what the chat wrote
    assert len(written) == 1 and written[0].read_bytes().startswith(b"%PDF-")
    assert str(written[0].resolve()) in console.file.getvalue()  # type: ignore[attr-defined]


async def _in_thread(function, *args):  # type: ignore[no-untyped-def]
    import asyncio

    return await asyncio.to_thread(function, *args)

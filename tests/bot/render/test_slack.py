"""The Block Kit renderer: every payload parses with slack_sdk, stays within Slack's limits, and
user text cannot ping, mention or format."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import bot  # noqa: F401  (registers the bot's catalog)
from bot.card import ActionKind, Card, CardAction, CaseInfo, build_card
from bot.render.slack import (
    decode_action_id,
    decode_value,
    escape,
    fallback_text,
    link,
    loading_view,
    mrkdwn,
    render_blocks,
    render_details_view,
    render_message,
    render_reason_modal,
    shorten,
    split_text,
)
from checks.models import (
    Evidence,
    Finding,
    Report,
    RiskAssessment,
    RiskFactor,
    RiskLevel,
    Section,
    Severity,
    SourceResult,
    SourceStatus,
    Status,
    Subject,
)
from tests.bot.slack.blockkit import _texts, assert_harmless_mrkdwn, validate_blocks, validate_view

EVIL = "<!channel> *bold* _it_ ~strike~ `code` & <@U123> <#C1|general> <https://evil.example|click>"


def _report(lang: str = "en", *, name: str = "ACME Trading LLC", findings: int = 3, detail: str = "") -> Report:
    report = Report(subject=Subject(name=name, email="j@acme.ae", site="acme.ae", country="AE"), lang=lang)
    report.sections.add(Finding(code="phone.ok", status=Status.PASS, title="phone number is valid for AE"))
    report.sections.add(Finding(code="email.free_mail", status=Status.FLAG, severity=Severity.MEDIUM,
                                title=f"{name}: free mail", detail=detail or "gmail.com is a free mail provider"))
    for i in range(findings):
        report.sections.add(Finding(code=f"profile.f{i}", status=Status.INFO, title=f"fact {i} about {name}",
                                    section=Section.PROFILE, detail=detail,
                                    evidence=[Evidence(source="gleif", url=f"https://search.gleif.org/#/record/{i}?a=1&b=2")]))
    report.sections.add(Finding(code="sanctions.hit", status=Status.FAIL, severity=Severity.CRITICAL,
                                title=f"{name} matches OFAC SDN", section=Section.RISK,
                                data={"source": "us_ofac_sdn", "source_id": "36163"}))
    report.sources = [SourceResult(name="email", status=SourceStatus.OK, elapsed_ms=3),
                      SourceResult(name="gleif", status=SourceStatus.UNAVAILABLE, detail="timeout")]
    report.lists_as_of = {"us_ofac_sdn": "2026-11-28", "un_sc": "2026-11-27"}
    report.risk = RiskAssessment(level=RiskLevel.CRITICAL, score=100, approval_required=True,
                                 factors=[RiskFactor(code="sanctions.hit", points=100, reason=f"{name} is listed")],
                                 payment_terms=["100% prepayment by T/T"], ask_next=["a registry extract"])
    report.verdict = "inconsistent"
    return report


def _case(**kwargs: object) -> CaseInfo:
    return CaseInfo(id=42, **kwargs)  # type: ignore[arg-type]


def _all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _buttons(blocks: list[dict]) -> list[dict]:
    """Every button of a message: the main one beside the decision, the rest in actions blocks."""
    found = [b["accessory"] for b in blocks if b.get("accessory", {}).get("type") == "button"]
    return found + [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_card_parses_and_has_header_badge_sections_context_and_buttons(lang: str) -> None:
    card = build_card(_report(lang), _case())
    blocks = render_blocks(card)
    validate_blocks(blocks)
    # the decision first (header), its reason and action, then the buyer with the risk badge
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == card.decision_badge
    assert card.decision_reason in blocks[1]["text"]["text"] and card.decision_action in blocks[1]["text"]["text"]
    buyer = next(b for b in blocks[2:] if b["type"] == "section")  # after the main button
    assert "ACME Trading LLC" in buyer["text"]["text"] and "100/100" in buyer["text"]["text"]
    text = _all_text(blocks)
    for section in card.sections:
        assert section.title in text
    # key findings first: inside a section, problems come before passes
    verification = next(b for b in blocks if b["type"] == "section" and card.sections[0].title in b["text"]["text"])
    assert verification["text"]["text"].index("⚠️") < verification["text"]["text"].index("✅")
    # housekeeping is one trust line at the bottom; the list dates are in Details
    context = [b for b in blocks if b["type"] == "context"]
    assert [e["text"] for e in context[-1]["elements"]] == [mrkdwn(card.trust_line)]
    assert "2026-11-28" not in text and "2026-11-28" in _all_text(render_details_view(build_card(_report(lang), _case(), details=True))["blocks"])
    buttons = _buttons(blocks)
    kinds = [decode_action_id(b["action_id"]) for b in buttons]
    assert ActionKind.REQUEST_APPROVAL in kinds and ActionKind.RECHECK in kinds and ActionKind.DETAILS in kinds
    assert ActionKind.CLEAR_MATCH in kinds
    clear = buttons[kinds.index(ActionKind.CLEAR_MATCH)]
    assert decode_value(clear["value"]) == (42, "us_ofac_sdn:36163")
    assert "https://search.gleif.org/#/record/0?a=1&b=2" in text  # evidence links kept as links


def test_pending_approval_card_shows_approve_and_reject() -> None:
    card = build_card(_report(), _case(status="pending_approval", requested_by="Li Wei"))
    blocks = render_blocks(card)
    validate_blocks(blocks)
    buttons = {decode_action_id(e["action_id"]): e for e in _buttons(blocks)}
    assert buttons[ActionKind.APPROVE]["style"] == "primary"
    assert buttons[ActionKind.REJECT]["style"] == "danger"
    assert "Li Wei" in _all_text(blocks)


def test_decision_shows_who_and_when() -> None:
    decided = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    card = build_card(_report("zh"), _case(status="rejected", decision="reject", decided_by="王经理",
                                           decided_at=decided, decision_reason="bank in a third country"))
    text = _all_text(render_blocks(card))
    assert "王经理" in text and "2026-11-30 09:15" in text and "bank in a third country" in text


def test_user_text_cannot_ping_mention_or_format() -> None:
    card = build_card(_report(name=EVIL, detail=EVIL), _case())
    message = render_message(card)
    validate_blocks(message["blocks"])  # includes assert_harmless_mrkdwn on every mrkdwn text
    assert_harmless_mrkdwn(message["text"])
    text = _all_text(message["blocks"])
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "&amp;" in text
    mrkdwn_texts = " ".join(t["text"] for _, t in _texts(message["blocks"]) if t["type"] == "mrkdwn")
    for formatting in ("*bold*", "_it_", "~strike~", "`code`"):
        assert formatting not in mrkdwn_texts
    # the header is plain_text (the decision); the buyer's name is escaped in the buyer line
    assert message["blocks"][0]["text"]["type"] == "plain_text"
    assert "&lt;!channel&gt; ∗bold∗" in message["blocks"][3]["text"]["text"]


def test_mrkdwn_escaping_rules() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert mrkdwn("<!here>") == "&lt;!here&gt;"
    assert "*" not in mrkdwn("*bold*") and mrkdwn("*bold*") == "∗bold∗"
    assert mrkdwn("john_doe@acme.ae") == "john_doe@acme.ae"  # inside a word `_` cannot format: kept
    assert "_" not in mrkdwn("_italic_")
    assert link("https://x.example/a|b>c", "<label>") == "<https://x.example/a%7Cb%3Ec|&lt;label&gt;>"


def test_shorten_cuts_at_a_word_and_says_so() -> None:
    text = "alpha beta gamma delta epsilon"
    short = shorten(text, 18, "… (more)")
    assert len(short) <= 18 and short.endswith("… (more)") and short.startswith("alpha")
    assert short[: -len("… (more)")].strip() in ("alpha", "alpha beta")
    assert shorten(text, 100) == text
    pieces = split_text("word " * 2000, 3000)
    assert all(len(p) <= 3000 for p in pieces) and " ".join(pieces).split() == ("word " * 2000).split()


def test_long_findings_stay_within_limits_on_the_card_and_whole_in_details() -> None:
    long_detail = ("The registry lists several directors and addresses for this company " * 120).strip()
    card = build_card(_report(findings=6, detail=long_detail), _case())
    blocks = render_blocks(card)
    validate_blocks(blocks)
    text = _all_text(blocks)
    assert "(continued in Details)" in text
    assert long_detail not in text
    details = build_card(_report(findings=6, detail=long_detail), _case(), details=True)
    view = render_details_view(details)
    validate_view(view)
    joined = " ".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    # every word of the long detail is in the modal, split over blocks, none lost
    assert joined.count("registry lists several directors") >= 120


def test_escape_heavy_text_stays_within_3000_after_escaping() -> None:
    card = build_card(_report(name="&" * 290, detail="<>&" * 900), _case())
    validate_blocks(render_blocks(card))
    validate_view(render_details_view(build_card(_report(name="&" * 290, detail="<>&" * 900), _case(), details=True)))
    worst = build_card(_report(name="<&>" * 100, detail="x"), _case(), details=True)  # 300 characters, all escaped
    worst.subtitle, worst.verdict = "&" * 400, "<" * 800
    validate_view(render_details_view(worst))


def test_never_more_than_50_blocks_and_the_rest_is_announced() -> None:
    card = Card(lang="en", title="Many sections", badge="🟠 Risk: HIGH (70/100)", case_id=7)
    from bot.card import CardItem, CardSection

    for s in range(30):
        card.sections.append(CardSection(key=Section.PROFILE, title=f"Section {s}", items=[
            CardItem(code="x", status=Status.INFO, icon="ℹ️", text=f"item {s}.{i} " + "word " * 200) for i in range(5)
        ]))
    card.actions = [CardAction(kind=ActionKind.CLEAR_MATCH, label="Not this buyer", case_id=7, arg=f"un:{i}") for i in range(30)]
    card.footer = [f"line {i}" for i in range(14)]
    blocks = render_blocks(card)
    validate_blocks(blocks)
    assert len(blocks) == 50
    assert "more lines" in _all_text(blocks)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 30  # split over two actions blocks, every one kept


def test_in_progress_card_has_no_buttons() -> None:
    report = _report()
    report.pending = ["gleif", "rdap"]
    blocks = render_blocks(build_card(report))
    validate_blocks(blocks)
    assert not [b for b in blocks if b["type"] == "actions"]
    assert blocks[0]["text"]["text"].startswith("⏳")


def test_long_title_is_given_whole_in_the_buyer_line() -> None:
    name = "The Very Long International Trading and Manufacturing Company of the United Arab Emirates " * 3
    card = build_card(_report(name=name.strip()), _case())
    blocks = render_blocks(card)
    validate_blocks(blocks)
    assert len(blocks[0]["text"]["text"]) <= 150
    assert name.strip()[:250] in blocks[3]["text"]["text"]


@pytest.mark.parametrize("kind", [ActionKind.REJECT, ActionKind.ADD_NOTE, ActionKind.CLEAR_MATCH])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reason_modal(kind: ActionKind, lang: str) -> None:
    meta = {"k": kind.value, "c": 42, "a": "us_ofac_sdn:36163", "ch": "C1", "ts": "1.2", "th": None, "l": lang}
    view = render_reason_modal(kind, lang, meta)
    validate_view(view)
    assert json.loads(view["private_metadata"]) == meta
    assert view["blocks"][-1]["type"] == "input" and view["blocks"][-1]["optional"] is False


def test_loading_view_and_fallback_text() -> None:
    validate_view(loading_view("zh"))
    card = build_card(_report(name="<!everyone> ACME"), _case())
    assert "<!everyone>" not in fallback_text(card) and "&lt;!everyone&gt;" in fallback_text(card)


def test_action_ids_are_unique_and_decodable() -> None:
    assert decode_action_id("tc:approve") is ActionKind.APPROVE
    assert decode_action_id("tc:clear_match:3") is ActionKind.CLEAR_MATCH
    assert decode_action_id("tc:nonsense") is None and decode_action_id("other") is None
    assert decode_value("12|30") == (12, "30") and decode_value("x|y") == (None, "") and decode_value("") == (None, "")


def _context_texts(blocks: list[dict]) -> list[list[str]]:
    return [[e["text"] for e in b["elements"]] for b in blocks if b["type"] == "context"]


def test_details_footer_is_one_line_under_another() -> None:
    """A context block's elements sit side by side: the Details' housekeeping, one element a line, read as
    one run-on paragraph ("Sources: 1 ok, 1 unavailable the LEI register (GLEIF): unavailable …")."""
    report = _report()
    report.warnings = [f"warning {i} " + "word " * 60 for i in range(12)]  # over one block's 3,000 characters
    card = build_card(report, _case(), details=True)
    view = render_details_view(card)
    validate_view(view)
    notes = _context_texts(view["blocks"])
    assert len(notes) > 1 and all(len(elements) == 1 for elements in notes)
    text = "\n".join(elements[0] for elements in notes)
    assert text.split("\n") == [mrkdwn(line) for line in card.footer]  # each line whole, on its own line


def test_in_progress_card_shows_its_notes_one_under_another() -> None:
    report = _report()
    report.pending = ["gleif", "rdap"]
    card = build_card(report)
    blocks = render_blocks(card)
    validate_blocks(blocks)
    assert _context_texts(blocks) == [["\n".join(mrkdwn(line) for line in card.footer)]]
    assert "Still running: the LEI register (GLEIF), domain registration records (RDAP)" in card.footer

"""The Feishu card renderer: JSON 2.0 shapes, escaping, the 30 KB / 200-element limits, buttons, forms."""

from __future__ import annotations

import json
import re
from datetime import UTC

import pytest

import bot  # noqa: F401 - registers bot/locales
from bot.card import ActionKind, CaseInfo, build_card
from bot.render.feishu import (
    CARD_LIMIT,
    MAX_ELEMENTS,
    ReasonForm,
    count_elements,
    md,
    render_card,
    render_details,
    safe_url,
    size_of,
)
from checks.models import (
    Evidence,
    Finding,
    Report,
    RiskFactor,
    Section,
    Severity,
    Status,
    Subject,
)

LONG = "The registry's answer goes on and on about this party, its directors and addresses; " * 6


def report(name: str = "ACME Trading LLC", findings: int = 0, lang: str = "en", detail: str = LONG) -> Report:
    result = Report(subject=Subject(name=name, email="j@acme.ae", site="acme.ae", country="AE"), lang=lang)
    statuses = [Status.FAIL, Status.FLAG, Status.PASS, Status.INFO, Status.UNAVAILABLE]
    sections = [Section.VERIFICATION, Section.PROFILE, Section.RISK]
    for i in range(findings):
        result.sections.add(Finding(
            code=f"test.{i}", status=statuses[i % 5], severity=Severity.MEDIUM,
            title=f"Finding {i}: registry says <{name}> & **more** 检查结果 " + "long title " * 20,
            detail=detail, section=sections[i % 3],
            evidence=[Evidence(source="registry", url=f"https://example.org/r?id={i}&x=(y)")],
        ))
    result.risk.factors = [RiskFactor(code="f", points=20, reason="Free mail for a company <b>")]
    result.risk.actions = ["Ask for 30% deposit & L/C"]
    return result


def markdown_of(payload: dict) -> str:
    return "\n".join(e["content"] for e in _walk(payload) if e.get("tag") == "markdown")


def _walk(node):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        if "tag" in node:
            yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def unescape(text: str) -> str:
    return re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)


def test_the_card_is_json_2_with_the_decision_first() -> None:
    card = build_card(report(findings=3), CaseInfo(id=7))
    payload = render_card(card)
    assert payload["schema"] == "2.0" and payload["config"]["update_multi"] is True
    assert payload["header"]["title"] == {"tag": "plain_text", "content": card.decision_badge}
    assert payload["header"]["template"] in {"red", "orange", "yellow", "green"}
    first = payload["body"]["elements"][0]
    assert first["tag"] == "markdown" and unescape(card.decision_reason) in unescape(first["content"])
    assert payload["config"]["summary"]["content"].startswith(card.decision_badge)


def test_buyer_text_cannot_inject_markdown_or_tags() -> None:
    card = build_card(report("**ACME** <at id=all></at> [x](javascript:alert(1))", findings=2), CaseInfo(id=7))
    text = markdown_of(render_card(card))
    assert "<at" not in text and "**ACME**" not in text and "](javascript" not in text
    assert "**ACME** <at id=all></at> [x](javascript:alert(1))" in unescape(text)


def test_links_are_http_only_and_cannot_close_the_link() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://example.org/a b(c)") == "https://example.org/a%20b%28c%29"
    card = build_card(report(findings=1), CaseInfo(id=7))
    assert "(https://example.org/r?id=0&x=%28y%29)" in markdown_of(render_card(card))


def test_buttons_carry_the_action_and_case() -> None:
    card = build_card(report(findings=3), CaseInfo(id=7))
    payload = render_card(card)
    buttons = [e for e in _walk(payload) if e.get("tag") == "button"]
    kinds = {b["behaviors"][0]["value"]["a"] for b in buttons}
    assert {"recheck", "add_note", "details", "evidence_pack"} <= kinds
    assert all(b["behaviors"][0]["type"] == "callback" and b["behaviors"][0]["value"]["c"] == 7 for b in buttons)
    assert all(b["text"]["tag"] == "plain_text" for b in buttons)


def test_a_reason_is_asked_in_a_form_with_a_required_input() -> None:
    card = build_card(report(findings=3), CaseInfo(id=7))
    form = ReasonForm(ActionKind.APPROVE, 7, "Why approve?", confirm="Really?")
    payload = render_card(card, form=form)
    forms = [e for e in payload["body"]["elements"] if e.get("tag") == "form"]
    assert len(forms) == 1
    inside = list(_walk(forms[0]["elements"]))
    inputs = [e for e in inside if e["tag"] == "input"]
    assert inputs[0]["name"] == "reason" and inputs[0]["required"] is True
    submit = next(e for e in inside if e.get("form_action_type") == "submit")
    assert submit["behaviors"][0]["value"] == {"a": "approve", "c": 7, "f": 1}
    assert submit["confirm"]["text"]["content"] == "Really?"
    deal = render_card(card, form=ReasonForm(ActionKind.REQUEST_APPROVAL, 7, "Why?", ask_deal=True))
    assert [e["name"] for e in _walk(deal) if e.get("tag") == "input"] == ["reason", "deal"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_forty_long_findings_stay_within_the_card_limits(lang: str) -> None:
    card = build_card(report(findings=40, lang=lang), CaseInfo(id=12), details=True)
    payload = render_card(card, form=ReasonForm(ActionKind.REJECT, 12, "Why?"))
    assert size_of(payload) <= CARD_LIMIT
    assert count_elements(payload) <= MAX_ELEMENTS
    text = unescape(markdown_of(payload))
    more = re.findall(r"(\d+) (?:more|条)", text)
    # every finding is on the card or counted in a "…and N more (Details)" line
    assert text.count("Finding ") + sum(int(n) for n in more) == 40
    assert size_of(render_card(card, limit=10**9)) > CARD_LIMIT  # it did have to leave things out
    assert "❌" in text  # problems first
    assert any(e.get("tag") == "form" for e in payload["body"]["elements"])  # the form survives the cut


def test_details_pages_keep_every_finding_each_within_limits() -> None:
    card = build_card(report(findings=40), CaseInfo(id=12), details=True)
    pages = render_details(card)
    assert len(pages) > 1
    assert all(size_of(p) <= CARD_LIMIT and count_elements(p) <= MAX_ELEMENTS for p in pages)
    text = unescape("\n".join(markdown_of(p) for p in pages))
    assert all(f"Finding {i}:" in text for i in range(40))
    assert not any(e.get("tag") == "button" for p in pages for e in _walk(p))


def test_times_are_shown_in_each_readers_zone() -> None:
    from datetime import datetime

    info = CaseInfo(id=3, status="pending_approval", requested_by="Li Wei",
                    requested_at=datetime(2026, 12, 6, 10, 0, tzinfo=UTC), request_reason="repeat buyer")
    payload = render_card(build_card(report(findings=1), info))
    assert "<local_datetime millisecond='1796551200000'" in markdown_of(payload)
    json.dumps(payload)  # serialisable


def test_a_tighter_limit_drops_items_and_says_how_many() -> None:
    card = build_card(report(findings=40), CaseInfo(id=12), details=True)
    payload = render_card(card, limit=12_000)
    assert size_of(payload) <= 12_000
    text = unescape(markdown_of(payload))
    more = [int(n) for n in re.findall(r"(\d+) more", text)]
    assert more and text.count("Finding ") + sum(more) == 40
    assert text.index("❌") < text.index("✅") if "✅" in text else "❌" in text


def test_md_escapes_every_special_character() -> None:
    assert md("a*b_c~d<e>f[g](h)#i`j") == "a&#42;b&#95;c&#126;d&#60;e&#62;f&#91;g&#93;&#40;h&#41;&#35;i&#96;j"

"""The Telegram HTML renderer: escaping, the 4,096 limit, buttons and callback_data."""

from __future__ import annotations

import pytest

import bot  # noqa: F401 - registers bot/locales
from bot.card import ActionKind, CardAction, CaseInfo, build_card
from bot.render.buttons import MAX_BYTES, Pressed, arg_digest, decode, encode
from bot.render.telegram import MESSAGE_LIMIT, render, render_pages, utf16_len
from checks.models import Evidence, Finding, Report, RiskFactor, Section, Severity, Status, Subject
from tests.bot.telegram.fakeapi import EntityError, parse_html


def report(name: str = "ACME Trading LLC", findings: int = 0, lang: str = "en") -> Report:
    result = Report(subject=Subject(name=name, email="j@acme.ae", site="acme.ae", country="AE"), lang=lang)
    statuses = [Status.FAIL, Status.FLAG, Status.PASS, Status.INFO, Status.UNAVAILABLE]
    sections = [Section.VERIFICATION, Section.PROFILE, Section.RISK]
    for i in range(findings):
        result.sections.add(Finding(
            code=f"test.{i}", status=statuses[i % 5], severity=Severity.MEDIUM,
            title=f"Finding {i}: registry says <{name}> & more 检查结果",
            detail="Detail with <tags> & ampersands " * 4, section=sections[i % 3],
            evidence=[Evidence(source="registry", url=f"https://example.org/r?id={i}&x=<y>")],
        ))
    result.risk.factors = [RiskFactor(code="f", points=20, reason="Free mail for a company <b>")]
    result.risk.actions = ["Ask for 30% deposit & L/C"]
    return result


def test_company_name_with_markup_is_escaped_everywhere() -> None:
    card = build_card(report("<b>ACME</b> & Co", findings=3), CaseInfo(id=7))
    message = render(card, lines=None)  # the whole card, links included
    assert "&lt;b&gt;ACME&lt;/b&gt; &amp; Co" in message.text
    assert "<b>ACME</b>" not in message.text
    text, entities = parse_html(message.text)  # what Telegram would show: the name as typed
    assert "<b>ACME</b> & Co" in text
    assert 'href="https://example.org/r?id=0&amp;x=&lt;y&gt;"' in message.text


def test_many_findings_stay_within_4096_and_say_how_many_more() -> None:
    card = build_card(report(findings=400), CaseInfo(id=12), details=True)
    message = render(card, lines=None)  # the 4,096 limit alone (not a phone's first screen)
    assert utf16_len(message.text) <= MESSAGE_LIMIT
    parse_html(message.text)  # still valid HTML: nothing was cut mid-tag
    assert "…and " in message.text and "more (Details)" in message.text
    # failures are shown before anything else (the level's factors and the advice come after the problems)
    assert "❌" in message.text
    shown = message.text.count("Finding ")
    hidden = sum(int(part.split(" more")[0]) for part in message.text.split("…and ")[1:])
    # a list's "…and N more" line is there only under its title (a list left out entirely is in Details)
    advice_hidden = 1 if "What to do" in message.text and "Ask for 30% deposit" not in message.text else 0
    assert shown + hidden == 400 + advice_hidden


def test_limit_counts_utf16_units_for_chinese_and_emoji() -> None:
    card = build_card(report("深圳市华强贸易有限公司 🚢", findings=300, lang="zh"), CaseInfo(id=3), details=True)
    message = render(card)
    assert utf16_len(message.text) <= MESSAGE_LIMIT
    text, _ = parse_html(message.text)
    assert "……另有" in message.text
    assert "深圳市华强贸易有限公司 🚢" in text


def test_a_huge_single_value_is_clipped_not_the_markup() -> None:
    card = build_card(report("X" * 10_000, findings=1), CaseInfo(id=1))
    card.notices.append("N" * 20_000)
    message = render(card)
    assert utf16_len(message.text) <= MESSAGE_LIMIT
    parse_html(message.text)


def test_details_pages_keep_every_item_and_each_page_is_valid() -> None:
    card = build_card(report(findings=200), CaseInfo(id=5), details=True)
    pages = render_pages(card)
    assert len(pages) > 1
    for page in pages:
        assert utf16_len(page) <= MESSAGE_LIMIT
        parse_html(page)
    joined = "\n".join(pages)
    assert all(f"Finding {i}:" in joined for i in range(200))


def test_buttons_are_the_card_actions_within_64_bytes() -> None:
    result = report(findings=2)
    result.sections.add(Finding(code="sanctions.hit", status=Status.FAIL, title="Listed", section=Section.RISK,
                                data={"source": "us_csl", "source_id": "e" * 80}))
    result.sections.add(Finding(code="sanctions.hit", status=Status.FAIL, title="Listed", section=Section.RISK,
                                data={"source": "ofac_sdn", "source_id": "36617"}))
    card = build_card(result, CaseInfo(id=987654321, status="pending_approval", requested_by="Li Wei"))
    markup = render(card).reply_markup
    assert markup is not None
    rows = markup.inline_keyboard
    datas = [button.callback_data for row in rows for button in row]
    assert all(len(d.encode()) <= MAX_BYTES for d in datas)
    assert [b.callback_data for b in rows[0]] == ["a:987654321", "x:987654321"]  # decisions first
    assert "m:987654321:ofac_sdn:36617" in datas
    long_one = [d for d in datas if d.startswith("m:") and "#" in d]
    assert long_one and decode(long_one[0]) == Pressed(ActionKind.CLEAR_MATCH, 987654321,
                                                       arg_hash=arg_digest("us_csl:" + "e" * 80))
    assert len(datas) == len([a for a in card.actions if a.case_id is not None])


@pytest.mark.parametrize("kind", list(ActionKind))
def test_every_action_round_trips(kind: ActionKind) -> None:
    action = CardAction(kind=kind, label="x", case_id=42, arg="30" if kind is ActionKind.SCHEDULE_RECHECK else "")
    data = encode(action)
    assert data is not None and len(data.encode()) <= MAX_BYTES
    assert decode(data) == Pressed(kind, 42, arg=action.arg)


@pytest.mark.parametrize("data", ["", "zz:1", "a:", "a:x1", "a:1:" + "y" * 80, None, "a:-3"])
def test_foreign_or_broken_data_is_refused(data: str | None) -> None:
    assert decode(data) is None


def test_an_action_without_a_case_has_no_button() -> None:
    assert encode(CardAction(kind=ActionKind.DETAILS, label="d")) is None


def test_fake_parser_is_strict_like_telegram() -> None:
    for bad in ("<b>open", "a < b", "<div>x</div>", "AT&T", "<b><i>x</b></i>"):
        with pytest.raises(EntityError):
            parse_html(bad)


def _long_detail_report(length: int, marker: str) -> Report:
    """One finding whose detail is `length` characters of escaped-on-render text ending in `marker`."""
    result = report(findings=3)
    filler = ("Registry extract: shareholder <Gulf & Co> holds 51% since 2019; " * (length // 40 + 1))
    head = filler[: length - len(marker) - 1]
    detail = head.rstrip() + "." * (length - len(marker) - 1 - len(head.rstrip())) + " " + marker  # exactly `length`
    result.sections.add(Finding(code="test.long", status=Status.FLAG, severity=Severity.MEDIUM,
                                title="Ownership chain", detail=detail, section=Section.PROFILE))
    return result


def test_details_pages_keep_a_2400_character_detail_whole() -> None:
    marker = "ZANZIBARQUOKKA"
    result = _long_detail_report(2400, marker)
    detail = next(f.detail for f in result.sections.profile if f.code == "test.long")
    assert len(detail) == 2400 and detail.endswith(marker)
    card = build_card(result, CaseInfo(id=9), details=True)
    assert marker not in render(card).text  # the card itself clips the detail to DETAIL_MAX
    pages = render_pages(card)
    for page in pages:
        assert utf16_len(page) <= MESSAGE_LIMIT
        parse_html(page)
    assert marker in "\n".join(pages)
    shown = "".join(parse_html(page)[0] for page in pages)
    assert detail in shown  # not a character lost, escaping undone by the parser


def test_a_detail_longer_than_a_message_is_split_at_words_not_cut() -> None:
    marker = "ZANZIBARQUOKKA"
    result = _long_detail_report(9000, marker)
    detail = next(f.detail for f in result.sections.profile if f.code == "test.long")
    pages = render_pages(build_card(result, CaseInfo(id=9), details=True))
    assert len(pages) >= 3 and marker in pages[-1] + pages[-2]
    texts = []
    for page in pages:
        assert utf16_len(page) <= MESSAGE_LIMIT
        text, entities = parse_html(page)  # valid on its own: no tag or &amp; was split
        texts.append(text)
        if "Registry extract" in text:  # every piece of the detail is still italic
            assert any(e["type"] == "italic" for e in entities)
    # every word arrives whole, in order: the pieces were broken between words
    assert " ".join(" ".join(texts).split()).count(" ".join(detail.split())) == 1


def test_a_chinese_detail_without_spaces_is_split_between_characters() -> None:
    result = report(lang="zh")
    detail = "该公司登记地址与网站地址不一致，且股东信息无法核实。" * 400 + "终"
    result.sections.add(Finding(code="test.zh", status=Status.FLAG, title="地址不一致", detail=detail,
                                section=Section.PROFILE))
    pages = render_pages(build_card(result, CaseInfo(id=4), details=True))
    assert all(utf16_len(page) <= MESSAGE_LIMIT for page in pages)
    assert detail in "".join(parse_html(page)[0] for page in pages).replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_decision_and_the_main_button_are_on_a_phones_first_screen(lang: str) -> None:
    from bot.render.telegram import PHONE_LINES, phone_lines

    card = build_card(report(findings=40, lang=lang), CaseInfo(id=12, status="pending_approval"))
    message = render(card)
    assert phone_lines(message.text) <= PHONE_LINES < phone_lines(render(card, lines=None).text)
    assert message.text.startswith(f"<b>{card.decision_badge}</b>")
    assert card.decision_reason in message.text and card.decision_action in message.text
    assert "❌" in message.text  # the problems before the passes
    first_row = message.reply_markup.inline_keyboard[0]  # type: ignore[union-attr]
    assert first_row[0].text == next(a.label for a in card.actions if a.style == "primary")

"""A Chinese salesperson's card reads as Chinese: full-width punctuation inside Chinese sentences and no
English words except proper names and codes that have no Chinese form (OFAC, SDN, LEI, programme codes,
the buyer's own name and addresses).

Checked on the parts of real zh cards the bot writes (decision, badges, case status, trust line, buttons,
section titles, source names in Details) for several example buyers, on every platform's rendering.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.card import Card, CaseInfo, build_card, resolve_times
from checks.request import parse
from tests.runtimes import MakeRuntime

EXAMPLES = [
    "Rosoboronexport",
    "Siemens AG email=procurement@siemens-ag-group.com",
    "Bright Harbour Textiles Ltd country=GB",
    "Al Noor General Trading LLC email=alnoor.trading@gmail.com country=AE",
    "ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789",
]
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_ASCII_PUNCT = re.compile(rf"[{CJK}]\s*[;,:]|[;,:]\s*[{CJK}]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# proper names and codes with no Chinese form
NAMES = {"OFAC", "SDN", "CSL", "UN", "EU", "UK", "LEI", "GLEIF", "RDAP", "DNS", "VIES", "SEC", "EDGAR", "GDELT",
         "Wikidata", "UTC", "FATF", "VAT", "T", "L", "C", "B", "PI", "USD"}


def chinese_problems(text: str, own: set[str]) -> list[str]:
    """ASCII `; , :` touching a Chinese character, and English words that are not names, codes or the buyer's."""
    problems = [f"ASCII punctuation: …{m.group(0)}…" for m in _ASCII_PUNCT.finditer(text)]
    for line in text.splitlines():
        if not re.search(f"[{CJK}]", line):
            continue
        cleaned = re.sub(r"\S+@\S+|https?://\S+|\b[\w-]+(?:\.[\w-]+)+\b", " ", line)  # addresses and domains
        for word in _WORD.findall(cleaned):
            if word in NAMES or word in own or word.isupper() or any(ch.isdigit() for ch in word):
                continue
            problems.append(f"English word {word!r} in: {line.strip()[:120]}")
    return problems


def bot_texts(card: Card) -> list[str]:
    """What the bot itself writes on a card (the engine's findings are checked in checks/)."""
    texts = [card.decision_badge, card.decision_reason, card.decision_action, card.badge, card.trust_line,
             resolve_times(card.status_line, card), card.preview]
    texts += [section.title for section in card.sections] + [action.label for action in card.actions]
    return [text for text in texts if text]


@pytest.fixture
def cards(runtime_factory: MakeRuntime) -> list[tuple[Card, set[str]]]:
    import asyncio

    engine = runtime_factory().engine(offline=True)  # the product's offline engine
    out = []
    for n, text in enumerate(EXAMPLES, 1):
        request = parse(text + " lang=zh")
        report = asyncio.run(engine.run(request))
        own = set(_WORD.findall(" ".join(filter(None, [request.company, request.email, request.site]))))
        states = [CaseInfo(id=n, status="pending_approval"),
                  CaseInfo(id=n, status="pending_approval", requested_by="李伟", request_reason="老客户 复购",
                           requested_at=datetime(2026, 12, 6, 18, 15, tzinfo=UTC), deal="棉纱 2 柜"),
                  CaseInfo(id=n, status="approved", decision="approve", decided_by="王经理",
                           decided_at=datetime(2026, 12, 6, 18, 15, tzinfo=UTC),
                           expires_at=datetime(2027, 6, 4, tzinfo=UTC))]
        out += [(build_card(report, state), own) for state in states]
        details = build_card(report, states[0], details=True)
        out.append((details, own | {"name"}))
    return out


def test_zh_cards_use_full_width_punctuation_and_no_english_words(cards: list[tuple[Card, set[str]]]) -> None:
    problems: list[str] = []
    for card, own in cards:
        for text in bot_texts(card):
            problems += chinese_problems(text, own)
    assert problems == []


def test_zh_details_name_sources_in_chinese(cards: list[tuple[Card, set[str]]]) -> None:
    lines = [line for card, _ in cards for line in card.footer]
    source_lines = [line for line in lines if "：" in line and "——" in line]
    assert source_lines
    for line in source_lines:
        name = line.split("：", 1)[0]
        assert re.search(f"[{CJK}]", name) or name.isupper(), line


def test_the_detector_catches_what_the_issue_listed() -> None:
    assert chinese_problems("该公司 与 美国综合筛查名单（CSL）: Nonproliferation Sanctions", set())
    assert chinese_problems("你的角色：manager", set())
    assert chinese_problems("相同; 匹配的是别名", set())
    assert not chinese_problems("你的角色：经理", set())
    assert not chinese_problems("与 OFAC SDN 名单上的 ROSOBORONEXPORT JSC 相符（RUSSIA-EO14024）", set())

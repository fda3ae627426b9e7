"""The trade-remedy lines on a Chinese card are Chinese: only the publishers' own product names, case
numbers and dataset names (CBSA, TARIC, I-TIP …) stay as written. Same detectors as the card-wide test."""

from __future__ import annotations

import asyncio
import re

import pytest

from checks.engine import Engine
from checks.models import Report
from checks.registry import build_engine
from checks.request import parse
from tests.checks.test_chinese_wording import (
    ASCII_IN_CHINESE,
    CJK,
    ENGLISH_WORD,
    POLICY_KEY,
    names_in,
    strip_names,
    visible_texts,
)

REQUESTS = [
    "枫叶货架公司 国家=加拿大 海关编码=7308.90",
    "枫叶货架公司 country=CA hs=7308.90 transit=US",
    "Schrauben GmbH country=DE hs=7318.15, 8501.10",
    "Rod Buyer LLC country=US hs=7318.15",
    "Mumbai Steel Pvt Ltd country=IN hs=7308.90",
    "Harbour Steel Ltd country=GB hs=7208.10",
    "Bogota Aceros SAS country=CO hs=7210.61",
    "Maple Racking Inc country=CA goods=\"steel bar grating\"",
    "Maple Steel Inc country=CA hs=73",
]


@pytest.fixture(scope="module")
def reports() -> list[Report]:
    engine: Engine = build_engine(offline=True)

    async def run_all() -> list[Report]:
        return [await engine.run(parse(f"{text} lang=zh")) for text in REQUESTS]

    return asyncio.run(run_all())


def remedy_names(report: Report) -> set[str]:
    """What the publishers wrote: product names, case numbers, the words matched."""
    names = names_in(report)
    for remedy in report.trade_remedies:
        names.update({remedy.product, remedy.case or ""})
    names |= {word for name in list(names) for word in re.findall(r"[A-Za-z][\w'-]*", name)}
    names |= {name.lower() for name in names}  # the card writes "steel grating" for "Steel grating"
    return {n for n in names if n}


def texts(report: Report) -> list[str]:
    return [t for f in report.findings() if f.code.startswith("trade_remedy.") for t in (f.title, f.detail) if t] + [
        a for a in report.risk.ask_next if "DDP" in a or "第三国" in a] + [report.decision.reason, report.decision.action]


def test_trade_remedy_lines_are_chinese(reports: list[Report]) -> None:
    assert all(any(f.code.startswith("trade_remedy.") for f in r.findings()) for r in reports)
    words, punctuation, spaces = set(), [], []
    for report in reports:
        names = remedy_names(report)
        for text in texts(report):
            plain = strip_names(text, names)
            words.update((m.group(1), text) for m in ENGLISH_WORD.finditer(plain))
            punctuation += [(m.group(0), text) for m in ASCII_IN_CHINESE.finditer(plain)]
            spaces += [text for _ in re.finditer(rf"[{CJK}] +[{CJK}]", text)]
            assert not POLICY_KEY.search(text), text
    assert not words, "\n".join(f"{w!r} in {t}" for w, t in sorted(words))
    assert not punctuation, punctuation
    assert not spaces, spaces
    shown = set(visible_texts(reports[0]))
    assert all(text in shown for text in texts(reports[0]))  # these are texts the card shows

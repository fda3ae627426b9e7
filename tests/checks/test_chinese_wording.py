"""What a Chinese salesperson reads is Chinese: full-width punctuation inside Chinese sentences, no stray
English words, no policy keys or commands. Checked on the rendered texts of real checks (bundled lists,
offline engine), not on the catalog templates alone, because the names and lists are filled in at run time."""

from __future__ import annotations

import asyncio
import re

import pytest

from checks.engine import Engine
from checks.models import Report
from checks.registry import build_engine
from checks.request import parse
from tests.checks.test_decision import warm

REQUESTS = [
    "Rosoboronexport JSC country=RU",
    "Siemens AG email=procurement@siemens-ag-group.com",
    "Al Noor General Trading LLC email=alnoor.trading@gmail.com country=AE",
    "Bright Harbour Textiles Ltd country=GB bank_country=HK",
    "ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789",
    "Sunrise Textiles country=AE transit=IR",
    "Harbour Textiles Ltd person=\"Ismail HANIYA\" country=PS",
    "3K Aviation Consulting and Logistics country=TR",
    "Gulf Star FZE email=info@gulfstar-fze.ae country=AE bank_country=TR",
]

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
FULL = "，。；：、（）“”《》！？—…"
# ASCII , ; : right next to Chinese (or full-width punctuation): "原因: …", "名单; 欧盟"
ASCII_IN_CHINESE = re.compile(rf"[{CJK}{FULL}]\s*[,;:]|[,;:]\s*[{CJK}{FULL}]")
POLICY_KEY = re.compile(r"\b(points|credits|caps|force_level|severity_points|combinations|decisions|unavailable)\[|"
                        r"\bpolicy\b|评分规则|`|tradecheck |\b(un_sc|us_csl|us_ofac_sdn|us_ofac_cons|eu_fsf|uk_sl)\b")
# every-day English that must not appear on a Chinese card (source codes, role names, plain words)
ENGLISH_WORD = re.compile(r"(?<![\w.@/-])([a-z]{2,}(?:_[a-z]+)*)(?![\w.@/-])")


def visible_texts(report: Report) -> list[str]:
    """Everything a salesperson's card shows from the engine (Details-only data such as `rule` excluded)."""
    texts = [report.decision.reason, report.decision.action, report.risk.incomplete_note, *report.warnings,
             *report.verdict_reasons, *report.risk.actions, *report.risk.payment_terms, *report.risk.ask_next]
    texts += [f.reason for f in report.risk.factors]
    for finding in report.findings():
        texts += [finding.title, finding.detail, *finding.data.get("detail_lines", [])]
    return [t for t in texts if t]


def names_in(report: Report) -> set[str]:
    """Proper names that may stay as written: the buyer's, the listed parties', addresses and identifiers."""
    names = {report.subject.name, report.subject.email or "", *report.subject.persons}
    for finding in report.findings():
        data = finding.data
        for key in ("name", "listed_name", "primary_name", "query", "domain", "target", "provider"):
            if isinstance(data.get(key), str):
                names.add(data[key])
        for key in ("addresses", "identifiers"):
            names.update(str(v) for v in data.get(key, []) or [])
        for entry in data.get("entries", []) or []:
            names.update({str(entry.get("primary_name", "")), str(entry.get("matched_name", ""))})
    names |= {word for name in list(names) for word in re.findall(r"[A-Za-z][\w'-]*", name)}  # "and" of a name
    return {n for n in names if n}


def strip_names(text: str, names: set[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", " ", text)
    text = re.sub(r"“[^”]*”", " ", text)  # quoted names ("登记为“ROSOBORONEKSPORT OAO”")
    text = re.sub(r"\S+@\S+|\b[\w-]+(\.[\w-]+)+\b", " ", text)  # emails, domains, a.k.a.
    return text


@pytest.fixture(scope="module")
def reports() -> list[Report]:
    engine: Engine = build_engine(offline=True)
    warm(engine)

    async def run_all() -> list[Report]:
        return [await engine.run(parse(f"{text} lang=zh")) for text in REQUESTS]

    return asyncio.run(run_all())


def test_chinese_texts_use_full_width_punctuation(reports: list[Report]) -> None:
    bad = [(r.subject.name, m.group(0), text) for r in reports for text in visible_texts(r)
           for m in ASCII_IN_CHINESE.finditer(strip_names(text, names_in(r)))]
    assert not bad, "\n".join(f"{name}: {hit!r} in {text}" for name, hit, text in bad)
    semicolons = [(r.subject.name, text) for r in reports for text in visible_texts(r)
                  if ";" in strip_names(text, names_in(r))]
    assert not semicolons, semicolons


def test_no_stray_english_words_policy_keys_or_commands(reports: list[Report]) -> None:
    words = set()
    keys = []
    for report in reports:
        for text in visible_texts(report):
            plain = strip_names(text, names_in(report))
            words.update((m.group(1), text) for m in ENGLISH_WORD.finditer(plain))
            keys += [(m.group(0), text) for m in POLICY_KEY.finditer(text)]
    assert not words, "\n".join(f"{w!r} in {t}" for w, t in sorted(words))
    assert not keys, keys


def test_no_stray_spaces_between_chinese_characters(reports: list[Report]) -> None:
    stray = [(text) for r in reports for text in visible_texts(r) if re.search(rf"[{CJK}] +[{CJK}]", text)]
    assert not stray, stray


def test_the_checks_fail_on_what_the_issue_showed() -> None:
    """The detectors themselves: the texts a Chinese salesperson corrected are caught."""
    assert ASCII_IN_CHINESE.search("所在名单：OFAC 制裁项目（非全面）; 欧盟反洗钱高风险第三国")
    assert ASCII_IN_CHINESE.search("该公司 与 美国综合筛查名单（CSL）: Nonproliferation Sanctions (ISN) 上的")
    assert ENGLISH_WORD.search("数据源 gleif 无应答") and ENGLISH_WORD.search("你的角色：manager")
    assert POLICY_KEY.search("· 评分规则：points[sanctions.hit]") and POLICY_KEY.search("请运行 `tradecheck lists update`")
    assert re.search(rf"[{CJK}] +[{CJK}]", "该公司 与 美国")
    assert not ASCII_IN_CHINESE.search(strip_names("名单记录：OFAC SDN 名单登记为“HANIYEH, Ismail”", set()))


def test_english_cards_carry_no_policy_keys_list_codes_or_commands() -> None:
    engine: Engine = build_engine(offline=True)
    warm(engine)

    async def run_all() -> list[Report]:
        return [await engine.run(parse(text)) for text in REQUESTS]

    keys = [(m.group(0), text) for report in asyncio.run(run_all()) for text in visible_texts(report)
            for m in POLICY_KEY.finditer(text)]
    assert not keys, keys

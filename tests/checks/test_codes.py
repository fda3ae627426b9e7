"""The one list of finding codes: complete, bilingual, and docs/CODES.md up to date."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from checks.analyzers.profile import FACTS
from checks.codes import CODES, meaning, render_markdown
from checks.engine import CheckContext
from checks.policy import BUNDLED, _codes_used, known_code, load_policy
from checks.request import parse
from checks.sources.country import CountryRiskSource
from checks.sources.email import EmailSource
from checks.sources.identifiers import IdentifierSource
from checks.sources.phone import PhoneSource
from checks.sources.trade_fraud import trade_fraud_findings

ROOT = Path(__file__).parents[2]
# code="x.y" / _finding("x.y", ...) / code = "x.y" if ... else "x.z"
LITERAL = re.compile(r'(?:\bcode\s*=\s*|_finding\(\s*)"([a-z][a-z_]*\.[a-z_.]+)"')
TERNARY = re.compile(r'\bcode\s*=\s*"([a-z][a-z_]*\.[a-z_.]+)"\s+if\s+[^\n]+?\s+else\s+"([a-z][a-z_]*\.[a-z_.]+)"')


def test_docs_are_up_to_date() -> None:
    document = (ROOT / "docs" / "CODES.md").read_text(encoding="utf-8")
    assert document == render_markdown(), "run: python -m checks.codes > docs/CODES.md"


def test_every_code_has_a_section_and_both_languages() -> None:
    for code, info in CODES.items():
        assert re.fullmatch(r"[a-z][a-z_]*(\.[a-z_]+)+", code), code
        assert info.section in ("verification", "profile", "history", "risk"), code
        assert info.en and info.zh and re.search(r"[\u4e00-\u9fff]", info.zh), code
    assert meaning("email.free_mail", "zh").startswith("免费邮箱")
    assert meaning("no.such_code") == "no.such_code"


def emitted_in_source_files() -> set[str]:
    found: set[str] = set()
    for folder in ("checks", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            found.update(LITERAL.findall(text))
            for pair in TERNARY.findall(text):
                found.update(pair)
    return found


def test_every_code_written_in_the_code_base_is_listed() -> None:
    emitted = emitted_in_source_files()
    assert {"email.free_mail", "sanctions.hit", "lei.found", "lei.match", "history.rejected"} <= emitted  # the scan works
    missing = sorted(emitted - set(CODES))
    assert not missing, f"add these codes to checks/codes.py (one line each): {missing}"


def test_profile_codes_are_listed() -> None:
    assert {f"profile.{key}" for key in FACTS} <= set(CODES)


def test_policy_names_only_listed_codes() -> None:
    used = {code for _, code in _codes_used(load_policy(BUNDLED))}
    assert {code for code in used if not code.endswith("*")} <= set(CODES)
    patterns = {code for code in used if code.endswith("*")}
    assert patterns and all(known_code(code) for code in patterns)  # `domain.lookalike*` names listed codes
    assert not known_code("domain.lookalikes*") and not known_code("*")


SAMPLES = [
    "ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789",
    "Mueller GmbH email=info@mueller.de phone=+49 30 123456 country=DE vat=DE136695976 lei=213800KUD8LXJWSQ9D15",
    "X email=a@mailinator.com phone=12345 country=RU reg=1234 vat=100123456700003",
    "Y email=bad..dots@x.example phone=+44 5612 345678 country=GB reg=12 vat=123",
    "Z email=z@z.ae phone=0501234567 vat=ABCD1 bank_country=IR transit=KP country=MM",
    "W country=VN note=\"Sevastopol port; we changed our bank account\" bank_country=SG",
    "Sunrise Textiles country=IR transit=AE",
    "Q vat=100123456700003 country=AE phone=+971 50 123 4567",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_codes_my_sources_emit_are_listed_in_their_section(text: str) -> None:
    request = parse(text)
    ctx = CheckContext.for_lang("en")
    findings = list(trade_fraud_findings(request, ctx))
    for source in (EmailSource(), PhoneSource(), IdentifierSource(), CountryRiskSource()):
        if source.applicable(request):
            findings += asyncio.run(source.run(request, ctx))
    assert findings
    for finding in findings:
        assert finding.code in CODES, finding.code
        assert CODES[finding.code].section == finding.section.value, finding.code

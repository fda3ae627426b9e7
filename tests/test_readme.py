"""README is what a user reads: the numbers it quotes from the bundled policy and the sections that
`tradecheck --help` sends a user to must be the real ones."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import HELP
from checks.models import RiskLevel
from checks.policy import BUNDLED, read_policy

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
POLICY = read_policy(BUNDLED)


def _headings() -> set[str]:
    return {line.lstrip("#").strip() for line in README.splitlines() if line.startswith("#")}


def test_every_section_the_help_names_is_a_readme_heading() -> None:
    named = set(re.findall(r'"([^"]+)"', HELP))
    assert named >= {"Using it", "Configuration", "Database", "Sanctions screening"}
    headings = _headings() | {h.split(" (")[0] for h in _headings()}  # "Evidence pack (for the credit insurer, …)"
    assert named <= headings, named - headings


def test_the_help_names_no_file_a_user_does_not_have() -> None:
    assert "DESIGN" not in HELP and "shared/" not in HELP


def test_the_recheck_intervals_readme_quotes_are_the_policys() -> None:
    quoted = re.search(r"`recheck_days`: critical (\d+), high (\d+), medium (\d+), low (\d+) days", README)
    assert quoted, "README no longer quotes the re-check intervals: update this test"
    levels = (RiskLevel.CRITICAL, RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)
    assert {level: int(days) for level, days in zip(levels, quoted.groups(), strict=True)} == {
        level: POLICY.recheck_days[level] for level in levels}


def test_the_card_example_quotes_the_policys_numbers() -> None:
    cap = re.search(r"Verification problems count at most (\d+) points", README)
    assert cap and int(cap.group(1)) == POLICY.caps["verification"]
    example = re.search(r"Risk: HIGH \((\d+)/100\)", README)
    assert example and POLICY.thresholds.high <= int(example.group(1)) < POLICY.thresholds.critical
    button = re.search(r"Re-check in (\d+) days", README)  # the HIGH card's button: the policy's interval
    assert button and int(button.group(1)) == POLICY.recheck_days[RiskLevel.HIGH]


def test_readme_gives_the_database_default_of_the_code() -> None:
    assert "sqlite:///./tradecheck.db` |" not in README  # the old per-folder default is no longer the default
    assert "tradecheck.db` in your user data folder" in README

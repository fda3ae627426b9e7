"""The risk policy: what each finding costs, where the levels start, and what to advise.

A YAML file the team can edit (`checks/policy.yml` is the bundled default; `TRADECHECK_POLICY`
points at another). It is validated with pydantic when loaded, and every problem is reported with
the file, the field and what is wrong, so a typo in a finding code cannot silently switch a rule off.
"""

from __future__ import annotations

import logging
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import yamlfile
from .codes import CODES
from .models import DecisionCode, RiskLevel, Severity

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).parent / "policy.yml"
LEVELS = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)


class PolicyError(ValueError):
    """The policy file cannot be used; `problems` are 'field: what is wrong' lines."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"policy file {self.path} is invalid:\n{lines}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A user-facing text in both languages (both are required)."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Term(_Strict):
    term: Text
    reason: Text
    credit: bool = Field(False, description="open account / D/P: the buyer gets the goods before paying in full")


class LevelAdvice(_Strict):
    payment_terms: list[Term] = Field(min_length=1)
    actions: list[Text] = Field(default_factory=list)
    ask: list[Text] = Field(default_factory=list, description="always asked at this level")


class Thresholds(_Strict):
    low: int = 0
    medium: int
    high: int
    critical: int

    @model_validator(mode="after")
    def _increasing(self) -> Thresholds:
        if self.low != 0:
            raise ValueError("low must be 0 (every score is at least low)")
        if not 0 < self.medium < self.high < self.critical <= 100:
            raise ValueError(
                f"must rise: 0 < medium < high < critical <= 100 (got medium={self.medium}, high={self.high}, "
                f"critical={self.critical})"
            )
        return self

    def level_for(self, score: int) -> RiskLevel:
        if score >= self.critical:
            return RiskLevel.CRITICAL
        if score >= self.high:
            return RiskLevel.HIGH
        if score >= self.medium:
            return RiskLevel.MEDIUM
        return RiskLevel.LOW

    def floor(self, level: RiskLevel) -> int:
        return {RiskLevel.LOW: self.low, RiskLevel.MEDIUM: self.medium, RiskLevel.HIGH: self.high,
                RiskLevel.CRITICAL: self.critical}[level]


class Combination(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    section: str = Field("verification", pattern=r"^(verification|profile|history|risk)$")
    codes: list[str] = Field(min_length=2)
    min_count: int = Field(ge=2)
    points: int = Field(0, ge=0, le=100)
    min_level: RiskLevel | None = None
    reason: Text


    @model_validator(mode="after")
    def _reachable(self) -> Combination:
        if self.min_count > len(set(self.codes)):
            raise ValueError(f"min_count {self.min_count} can never be reached with {len(set(self.codes))} codes")
        if not self.points and self.min_level is None:
            raise ValueError("give points or a min_level, or the combination does nothing")
        return self


class AskRule(_Strict):
    codes: list[str] = Field(min_length=1)
    ask: Text
    identity: bool = Field(False, description="the answer settles who the buyer is (asked when verifying first)")


class SourceUnavailable(_Strict):
    points: int = Field(0, ge=0, le=100)
    min_level: RiskLevel | None = None


class Unavailable(_Strict):
    low_confidence_fraction: float = Field(0.34, gt=0, le=1)
    default_points: int = Field(0, ge=0, le=100)
    sources: dict[str, SourceUnavailable] = Field(default_factory=dict)


class Insurance(_Strict):
    levels: list[RiskLevel]
    hint: Text


# What a decision's reason and action may name (checks/decision.py fills them in); anything else is an error.
DECISION_VARIABLES = frozenset({
    "subject", "query", "title", "listed", "matched", "lists", "programs", "company", "official", "domain", "country",
    "bank_country", "missing", "answered", "total", "verdict_reason", "level", "term",
})


def _template_names(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


class DecisionText(Text):
    """A reason or action template: `{subject}`, `{listed}`, `{company}` ... are filled in from the finding."""

    @model_validator(mode="after")
    def _variables(self) -> DecisionText:
        for lang in ("en", "zh"):
            try:
                names = _template_names(getattr(self, lang))
            except ValueError as exc:
                raise ValueError(f"{lang}: {exc}") from None
            unknown = [n for n in names if n not in DECISION_VARIABLES]
            if unknown:
                raise ValueError(f"{lang}: unknown variable {{{unknown[0]}}} (use one of "
                                 f"{', '.join(sorted(DECISION_VARIABLES))})")
        return self


class AdviceFit(_Strict):
    """How a decision trims the level's advice, so that the advice never contradicts the decision.

    terms: level (the level's payment terms), no_credit (without open-account / D/P terms and the insurer's
    hint), none (no payment terms at all: there is nothing to negotiate with an impersonator).
    ask: all (every question the findings call for), identity (only questions that settle who the buyer is),
    none (ask the buyer nothing: never ask an impersonator or a listed party for documents).
    actions: level (the level's actions), none (only: keep the messages as evidence; the decision's own action
    says what to do).
    """

    terms: Literal["level", "no_credit", "none"] = "level"
    ask: Literal["all", "identity", "none"] = "all"
    actions: Literal["level", "none"] = "level"


ADVICE_BY_DECISION = {
    DecisionCode.STOP: AdviceFit(terms="level", ask="none"),
    DecisionCode.VERIFY_FIRST: AdviceFit(terms="no_credit", ask="identity"),
    DecisionCode.SAFE_TERMS: AdviceFit(terms="no_credit", ask="all"),
    DecisionCode.PROCEED: AdviceFit(terms="level", ask="all"),
}


class DecisionRule(_Strict):
    """One line of `decisions.rules`: every condition it gives must hold; the first rule that matches decides.

    `codes`, `min_severity` and `data` test one problem finding (a code ending in `*` matches every code that
    starts with the rest, e.g. `domain.lookalike*`); the others test the whole report.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    decision: DecisionCode
    codes: list[str] = Field(default_factory=list)
    min_severity: Severity | None = None
    data: dict[str, str | bool | int] = Field(default_factory=dict)
    min_level: RiskLevel | None = None
    max_level: RiskLevel | None = None
    confidence: list[Literal["complete", "incomplete", "low"]] = Field(default_factory=list)
    verdict: list[Literal["consistent", "inconsistent", "unknown"]] = Field(default_factory=list)
    offline: bool | None = None
    unavailable: list[str] = Field(default_factory=list, description="any of these sources did not answer")
    reason: DecisionText
    action: DecisionText
    advice: AdviceFit | None = Field(None, description="absent: ADVICE_BY_DECISION for the decision")

    @model_validator(mode="after")
    def _conditions(self) -> DecisionRule:
        finding_only = (self.min_severity is not None or self.data) and not self.codes
        if finding_only:
            raise ValueError("min_severity and data need codes (they test the finding those codes name)")
        if not (self.codes or self.min_level or self.max_level or self.confidence or self.verdict
                or self.offline is not None or self.unavailable):
            raise ValueError("give at least one condition (codes, min_level, max_level, confidence, verdict, "
                             "offline, unavailable)")
        if self.decision is DecisionCode.PROCEED and self.confidence != ["complete"]:
            raise ValueError("a proceed rule must require confidence: [complete] (never proceed unverified)")
        return self


class DecisionDefault(_Strict):
    decision: DecisionCode = DecisionCode.VERIFY_FIRST
    reason: DecisionText
    action: DecisionText
    advice: AdviceFit | None = None

    @field_validator("decision")
    @classmethod
    def _not_proceed(cls, value: DecisionCode) -> DecisionCode:
        if value is DecisionCode.PROCEED:
            raise ValueError("the default cannot be proceed: proceed needs a rule that verifies identity")
        return value


class Decisions(_Strict):
    rules: list[DecisionRule] = Field(min_length=1)
    default: DecisionDefault


Points = int | dict[Severity, int]


class Policy(_Strict):
    version: int = 1
    thresholds: Thresholds
    severity_points: dict[Severity, int]
    points: dict[str, Points] = Field(default_factory=dict)
    credits: dict[str, int] = Field(default_factory=dict)
    credit_cap: int = Field(0, ge=0, le=100)
    exclusive: list[list[str]] = Field(default_factory=list, description="groups of two or more codes")
    force_level: dict[str, RiskLevel] = Field(default_factory=dict)
    caps: dict[str, int] = Field(default_factory=dict)
    combinations: list[Combination] = Field(default_factory=list)
    unavailable: Unavailable = Field(default_factory=Unavailable)
    approval_level: RiskLevel
    approval_expiry_days: int = Field(ge=1, le=3650)
    recheck_days: dict[RiskLevel, int]
    advice: dict[RiskLevel, LevelAdvice]
    insurance: Insurance | None = None
    ask_next_max: int = Field(5, ge=1, le=20)
    ask_next: list[AskRule] = Field(default_factory=list)
    decisions: Decisions | None = Field(None, description="absent: the bundled policy's decisions apply")

    @field_validator("severity_points", "recheck_days", "advice")
    @classmethod
    def _complete(cls, value: dict[Any, Any], info: Any) -> dict[Any, Any]:
        wanted = list(Severity) if info.field_name == "severity_points" else list(LEVELS)
        missing = [w.value for w in wanted if w not in value]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        return value

    @field_validator("points", "credits", "severity_points", "caps", "recheck_days")
    @classmethod
    def _ranges(cls, value: dict[Any, Any], info: Any) -> dict[Any, Any]:
        high = 3650 if info.field_name == "recheck_days" else 100
        for key, points in value.items():
            for number in (points.values() if isinstance(points, dict) else [points]):
                if not 0 <= number <= high:
                    name = getattr(key, "value", key)
                    raise ValueError(f"{name}: {number} is outside 0..{high}")
        return value

    @field_validator("exclusive")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        for index, group in enumerate(value):
            if len(set(group)) < 2:
                raise ValueError(f"group {index} needs at least two different codes")
        return value

    @field_validator("caps")
    @classmethod
    def _sections(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = [k for k in value if k not in ("verification", "profile", "history", "risk")]
        if unknown:
            raise ValueError(f"unknown section {', '.join(unknown)} (verification, profile, history, risk)")
        return value

    def points_for(self, code: str, severity: Severity) -> tuple[int, str]:
        """(points, the policy line they come from) for a problem finding."""
        entry = self.points.get(code)
        if isinstance(entry, int):
            return entry, f"points[{code}]"
        if isinstance(entry, dict) and severity in entry:
            return entry[severity], f"points[{code}].{severity.value}"
        return self.severity_points[severity], f"severity_points.{severity.value}"

    def recheck_for(self, level: RiskLevel) -> int:
        return self.recheck_days[level]


def _codes_used(policy: Policy) -> list[tuple[str, str]]:
    """(field path, code) for every finding code the policy names."""
    used = [(f"points[{c}]", c) for c in policy.points] + [(f"credits[{c}]", c) for c in policy.credits]
    used += [(f"force_level[{c}]", c) for c in policy.force_level]
    used += [(f"exclusive[{i}]", c) for i, group in enumerate(policy.exclusive) for c in group]
    used += [(f"combinations[{i}].codes", c) for i, combo in enumerate(policy.combinations) for c in combo.codes]
    used += [(f"ask_next[{i}].codes", c) for i, rule in enumerate(policy.ask_next) for c in rule.codes]
    if policy.decisions is not None:
        used += [(f"decisions.rules[{i}].codes", c) for i, rule in enumerate(policy.decisions.rules) for c in rule.codes]
    return used


def known_code(code: str) -> bool:
    """A listed finding code, or a pattern `prefix*` that at least one listed code matches."""
    if code.endswith("*"):
        prefix = code[:-1]
        return bool(prefix) and any(c.startswith(prefix) for c in CODES)
    return code in CODES


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int) or "." in str(part):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def parse_policy(data: Any, path: Path | str = "<policy>") -> Policy:
    """Validate already-loaded YAML data; raises PolicyError listing every problem."""
    if not isinstance(data, dict):
        raise PolicyError(path, ["(top level): expected a mapping of settings"])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_loc(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise PolicyError(path, problems) from None
    unknown = [f"{where}: unknown finding code {code!r} (see docs/CODES.md)" for where, code in _codes_used(policy)
               if not (known_code(code) if where.startswith("decisions.") else code in CODES)]
    if unknown:
        raise PolicyError(path, unknown)
    return policy


def read_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(path, [f"cannot read the file: {exc.strerror or exc}"]) from None
    try:
        data = yamlfile.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        raise PolicyError(path, [f"not valid YAML at {where}: {getattr(exc, 'problem', exc)}"]) from None
    return parse_policy(data, path)


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> Policy:
    return read_policy(Path(path))


def policy_path(path: Path | str | None = None) -> Path:
    if path is not None:
        return Path(path)
    from .config import get_settings

    return get_settings().policy_path or BUNDLED


def load_policy(path: Path | str | None = None) -> Policy:
    """The policy at `path`, else at TRADECHECK_POLICY, else the bundled one; re-read when the file changes."""
    resolved = policy_path(path)
    try:
        mtime = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise PolicyError(resolved, [f"cannot read the file: {exc.strerror or exc}"]) from None
    return _cached(str(resolved.resolve()), mtime)


def bundled_policy() -> Policy:
    return load_policy(BUNDLED)

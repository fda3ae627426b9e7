"""The report model: what every adapter, the database and scripts read.

Kept stable on purpose: `tradecheck check --json` prints it, the database stores it, and
chat renderers build cards from it. Add fields; do not rename them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, Field

from .lifecycle import decision_rank, level_rank


def utcnow() -> datetime:
    return datetime.now(UTC)


class Status(str, Enum):
    """What a finding says about the buyer."""

    PASS = "pass"  # noqa: S105 - a finding status, not a password
    FLAG = "flag"
    FAIL = "fail"
    INFO = "info"
    UNAVAILABLE = "unavailable"


class Severity(str, Enum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Section(str, Enum):
    VERIFICATION = "verification"
    PROFILE = "profile"
    HISTORY = "history"
    RISK = "risk"


class RiskLevel(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return level_rank(self.value)  # the one order: checks.lifecycle.LEVELS


class SourceStatus(str, Enum):
    OK = "ok"
    UNAVAILABLE = "unavailable"
    SKIPPED = "skipped"
    ERROR = "error"


class Evidence(BaseModel):
    source: str
    url: str | None = None
    retrieved_at: datetime | None = None


class Finding(BaseModel):
    """One statement a source makes about the buyer, with its evidence."""

    code: str
    status: Status
    severity: Severity = Severity.INFO
    title: str
    detail: str = ""
    evidence: list[Evidence] = Field(default_factory=list)
    section: Section = Section.VERIFICATION
    data: dict[str, Any] = Field(default_factory=dict, description="machine-readable facts behind the finding")

    @property
    def is_problem(self) -> bool:
        return self.status in (Status.FLAG, Status.FAIL)


class SourceResult(BaseModel):
    name: str
    status: SourceStatus
    elapsed_ms: int = 0
    detail: str = ""


class RiskFactor(BaseModel):
    code: str
    points: int
    reason: str = Field(description="plain words for the card (no policy keys)")
    rule: str = Field("", description="the policy line it comes from, e.g. points[sanctions.hit]: Details, audit")


class RiskAssessment(BaseModel):
    level: RiskLevel = RiskLevel.LOW
    score: int = Field(0, ge=0, le=100)
    factors: list[RiskFactor] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list, description="what to do: payment terms, next questions")
    payment_terms: list[str] = Field(default_factory=list)
    ask_next: list[str] = Field(default_factory=list)
    approval_required: bool = False
    confidence: str = Field("complete", description=(
        "complete: online and every source that ran answered; incomplete: offline, or some did not answer; "
        "low: at least the policy's unavailable.low_confidence_fraction did not answer. Only `complete` "
        "can lead to a proceed decision; anything else the card shows as unverified"))
    incomplete_note: str = ""
    offline: bool = Field(False, description="checked without the online sources (registries, DNS, web)")
    answered: int = Field(0, description="sources that ran and answered (for 'checked 5 of 10 sources')")
    recheck_days: int = Field(0, description="the policy's re-check interval for this level: advice and button agree")
    total: int = Field(0, description="sources that ran (not skipped as not applicable)")


class DecisionCode(str, Enum):
    """What the salesperson should do, most severe first. The card leads with it."""

    STOP = "stop"  # strong sanctions/export-control match, embargoed country, impersonation: no business
    VERIFY_FIRST = "verify_first"  # identity not established: settle it before quoting or extending credit
    SAFE_TERMS = "safe_terms"  # identity holds together but there is risk: only on secure payment terms
    PROCEED = "proceed"  # identity verified by independent sources, nothing material found

    @property
    def rank(self) -> int:
        """Higher is more severe (proceed 0 … stop 3; the one order: checks.lifecycle.DECISIONS)."""
        return decision_rank(self.value)


class Decision(BaseModel):
    """One decision with one reason and one next action, in the report's language (policy `decisions`)."""

    code: DecisionCode = DecisionCode.VERIFY_FIRST
    reason: str = ""
    action: str = ""
    rule: str = Field("", description="the policy line that decided it, e.g. decisions.stop[sanctions.hit]")
    codes: list[str] = Field(default_factory=list, description="the finding codes behind the decision")
    verified: bool = Field(False, description=(
        "identity verified by independent sources with every source answering (only with proceed): "
        "cards show a green all-clear only when true, and 'unverified' otherwise"))


class Subject(BaseModel):
    """Who was checked, as the salesperson described them (after parsing)."""

    name: str = ""
    email: str | None = None
    site: str | None = None
    phone: str | None = None
    country: str | None = None
    vat: str | None = None
    lei: str | None = None
    reg: str | None = None
    persons: list[str] = Field(default_factory=list)
    bank: str | None = None
    bank_country: str | None = None
    hs: list[str] = Field(default_factory=list, description="HS / tariff codes of the goods, digits only")
    goods: str | None = None
    origin: str | None = Field(None, description="country of origin of the goods (None: China, the default)")


class TradeRemedy(BaseModel):
    """A trade-remedy measure (or case under way) of the buyer's country on these goods from this origin."""

    jurisdiction: str
    type: str = Field(description="anti_dumping | countervailing | undertaking | safeguard | ad_or_cvd | unspecified | investigation")
    case: str | None = None
    product: str = ""
    origin: str = ""
    codes: list[str] = Field(default_factory=list, description="the measure's codes that matched")
    since: str | None = None
    source: str = ""
    as_of: str = ""
    url: str | None = None
    duty: str | None = None
    match: str = Field("", description="code (exact | hs6 | heading | chapter) or name: how the goods matched")


class TradeRemedyCoverage(BaseModel):
    jurisdiction: str
    as_of: str | None = Field(None, description="None: no data for this jurisdiction (not checked)")
    complete: bool = False


class HolidayNote(BaseModel):
    date: date
    name: str = Field(description="in the report's language where known")
    name_en: str = ""


class CountryNotes(BaseModel):
    """Working notes on the buyer's country (checks/country_notes.py): when and how to write to them."""

    country: str
    timezone: str
    timezone_basis: str = Field("capital", description="capital | phone | address | only zone")
    local_time: datetime
    utc_offset: str = ""
    business_hours_now: bool
    business_hours: list[int] = Field(default_factory=lambda: [9, 18], description="[start hour, end hour) local")
    weekend: list[int] = Field(default_factory=list, description="weekday numbers, Monday = 0")
    holiday_today: bool = False
    holidays_next_14_days: list[HolidayNote] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list, description="BCP 47 codes of the business languages")
    etiquette: str = ""
    covered: bool = Field(True, description="False when the country is not in the data file (time and holidays only)")


class Sections(BaseModel):
    verification: list[Finding] = Field(default_factory=list)
    profile: list[Finding] = Field(default_factory=list)
    history: list[Finding] = Field(default_factory=list)
    risk: list[Finding] = Field(default_factory=list)

    def all(self) -> list[Finding]:
        return [*self.verification, *self.profile, *self.history, *self.risk]

    def add(self, finding: Finding) -> None:
        getattr(self, finding.section.value).append(finding)


class Report(BaseModel):
    subject: Subject
    sections: Sections = Field(default_factory=Sections)
    risk: RiskAssessment = Field(default_factory=RiskAssessment)
    decision: Decision = Field(default_factory=Decision)
    sources: list[SourceResult] = Field(default_factory=list)
    lists_as_of: dict[str, str] = Field(default_factory=dict)
    trade_remedies: list[TradeRemedy] = Field(default_factory=list)
    trade_remedies_coverage: list[TradeRemedyCoverage] = Field(default_factory=list)
    verdict: str = Field("unknown", description="identity consistency: consistent | inconsistent | unknown")
    verdict_reasons: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="plain words for everyone (stale lists ...)")
    admin_notes: list[str] = Field(default_factory=list, description=(
        "what an administrator can do about the warnings (commands such as `tradecheck lists update`): "
        "Details and admin output only, never the salesperson's card"))
    pending: list[str] = Field(default_factory=list, description="sources still running (progress updates)")
    lang: str = "en"
    created_at: datetime = Field(default_factory=utcnow)
    country_notes: CountryNotes | None = None

    def findings(self) -> list[Finding]:
        return self.sections.all()

    def codes(self) -> set[str]:
        return {f.code for f in self.findings()}

    def problems(self) -> list[Finding]:
        return [f for f in self.findings() if f.is_problem]

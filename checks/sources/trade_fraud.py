"""Trade-fraud rules: the patterns exporters meet again and again, as findings with an explanation.

An analyzer (it runs after the sources) because it reads the whole request: the pasted message
and the note for "we changed our bank account" or "urgent samples", the bank and transit countries,
and the email domain. Free mail and embargoes come from the same predicates the email and country
sources use, so the rules agree with them even when those sources did not run.
"""

from __future__ import annotations

import re

from .. import countries
from ..domains import claimed_domains
from ..engine import Analyzer, CheckContext
from ..models import Evidence, Finding, Report, Section, Severity, Status
from ..request import CheckRequest
from .country import load_lists
from .email import is_free_mail
from .identifiers import bank_country_of

SOURCE = "trade_fraud"

BANK_CHANGE = re.compile(
    r"\b(new|changed?|updated?|different|alternative|another)\s+(bank(ing)?\s+(account|details|information|info)|bank"
    r"|beneficiary(\s+(account|bank|details))?|(account|remittance|payment)\s+(details|information|info)"
    r"|receiving\s+account)\b"
    r"|\bchanged?\s+(of\s+)?(our|the|my)?\s*(bank|banking|beneficiary)\b"
    r"|\b(bank|account|banking|payment)\s+(details|information|info)\s+(has|have)\s+(been\s+)?(changed|updated)\b"
    r"|\b(bank\s+)?account\s+(is|was|has\s+been)\s+(under\s+audit|frozen|blocked|suspended|closed)\b"
    r"|\b(do\s+not|don'?t)\s+(pay|remit|send|transfer)\s+(\w+\s+){0,2}(old|previous)\s+account\b"
    r"|(更换|更改|变更)了?(银行|收款|付款)?(账户|帐户|账号|帐号)"
    r"|新的?(银行|收款|付款)(账户|帐户|账号|帐号)"
    r"|(换了|改了)(银行|收款)(账户|帐户|账号|帐号)?"
    r"|(银行|账户|帐户|收款)(信息|资料)?已?(变更|更改|更换)"
    r"|(账户|帐户)被?(冻结|审计|审查)",
    re.IGNORECASE,
)
URGENT = re.compile(
    r"\b(urgent(ly)?|asap|a\.s\.a\.p|immediately|right away|as soon as possible|rush|today|tomorrow|within\s+\d+\s+days?)\b"
    r"|紧急|加急|尽快|马上|立即|立刻|急需|急用|今天|明天",
    re.IGNORECASE,
)
SAMPLE = re.compile(r"\bsamples?\b|样品|样板|打样|样件|试样", re.IGNORECASE)
LARGE_CLAIM = re.compile(
    r"\b(fortune\s*500|fortune\s+global|multinational|multi-national|global\s+leader|world'?s\s+(largest|leading)|"
    r"largest|leading\s+(manufacturer|company|importer|distributor|group)|listed\s+(company|on)|government\s+(agency|tender)|"
    r"ministry\s+of|state-owned)\b|世界500强|500强|跨国|上市公司|龙头|国企|政府采购|最大的",
    re.IGNORECASE,
)


def _message(request: CheckRequest) -> str:
    """What the buyer wrote: the pasted inquiry and the note. In the key=value form the raw text also
    holds the company and bank names ("New Bank of Asia"), which must not read as a bank change."""
    parts = [request.raw_text if request.pasted else "", request.note or ""]
    return "\n".join(p for p in parts if p)


def bank_country(request: CheckRequest) -> tuple[str | None, str | None]:
    """(country of the buyer's bank, where it was read): an IBAN or SWIFT code in bank= is a fact and
    wins over the bank_country= the buyer stated."""
    derived = bank_country_of(request.bank)
    if derived is not None:
        return derived
    stated = (request.bank_country or "").upper() or None
    return (stated, "bank_country") if stated else (None, None)


def _words(matches: list[re.Match[str]]) -> str:
    return ", ".join(dict.fromkeys(m.group(0).strip() for m in matches))[:200]


class TradeFraudAnalyzer(Analyzer):
    name = "trade_fraud"

    def analyze(self, request: CheckRequest, report: Report, ctx: CheckContext) -> None:
        for finding in trade_fraud_findings(request, ctx):
            report.sections.add(finding)


def trade_fraud_findings(request: CheckRequest, ctx: CheckContext) -> list[Finding]:
    t = ctx.t
    text = _message(request)
    out: list[Finding] = []
    evidence = [Evidence(source=SOURCE)]

    changes = list(BANK_CHANGE.finditer(text))
    if changes:
        out.append(Finding(
            code="fraud.bank_change", status=Status.FLAG, severity=Severity.HIGH, section=Section.RISK,
            title=t("fraud.bank_change.title"), detail=t("fraud.bank_change.detail", words=_words(changes)),
            evidence=evidence, data={"words": [m.group(0) for m in changes][:10]},
        ))

    buyer = (request.country or "").upper() or None
    bank, bank_from = bank_country(request)
    if buyer and bank and len(bank) == 2 and bank != buyer:
        out.append(Finding(
            code="fraud.bank_country_mismatch", status=Status.FLAG, severity=Severity.MEDIUM, section=Section.RISK,
            title=t("fraud.bank_country_mismatch.title", bank_country=countries.name_of(bank, ctx.lang),
                    country=countries.name_of(buyer, ctx.lang)),
            detail=t("fraud.bank_country_mismatch.detail"), evidence=evidence,
            data={"country": buyer, "bank_country": bank, "bank": request.bank, "bank_country_from": bank_from},
        ))

    provider = request.email_domain
    if provider and is_free_mail(provider) and request.company:
        urgent = list(URGENT.finditer(text))
        sample = list(SAMPLE.finditer(text))
        large = list(LARGE_CLAIM.finditer(text))
        well_known, _ = claimed_domains(request.company)
        if urgent and sample and (large or well_known):
            out.append(Finding(
                code="fraud.urgent_sample_free_mail", status=Status.FLAG, severity=Severity.HIGH, section=Section.RISK,
                title=t("fraud.urgent_sample_free_mail.title", company=request.company),
                detail=t("fraud.urgent_sample_free_mail.detail", words=_words(urgent + sample + large), provider=provider),
                evidence=evidence,
                data={"provider": provider, "official_domains": sorted(well_known),
                      "words": [m.group(0) for m in urgent + sample + large][:10]},
            ))

    # an embargoed place anywhere counts, including the fields (bank="Bank Melli Iran")
    out.extend(_embargo_routes(request, "\n".join(x for x in (request.raw_text, request.note or "") if x), ctx))
    return out


def _embargo_routes(request: CheckRequest, text: str, ctx: CheckContext) -> list[Finding]:
    t = ctx.t
    embargoed = set(load_lists().ofac_comprehensive.countries)
    buyer = (request.country or "").upper() or None
    transit = (request.transit_country or "").upper() or None
    if buyer in embargoed and transit and transit != buyer:
        return [Finding(
            code="fraud.embargo_transit", status=Status.FAIL, severity=Severity.CRITICAL, section=Section.RISK,
            title=t("fraud.embargo_transit.title", embargoed=countries.name_of(buyer, ctx.lang),
                    transit=countries.name_of(transit, ctx.lang)),
            detail=t("fraud.embargo_transit.detail"), evidence=[Evidence(source=SOURCE)],
            data={"country": buyer, "transit_country": transit},
        )]
    if buyer in embargoed or not text:
        return []
    # the buyer claims a third country, but the message names an embargoed destination
    mentioned = [code for code in sorted(embargoed) if _mentions(text, code)]
    if not mentioned:
        return []
    names = ", ".join(countries.name_of(code, ctx.lang) for code in mentioned)
    claimed = countries.name_of(buyer, ctx.lang) if buyer else "?"
    return [Finding(
        code="fraud.embargo_transit", status=Status.FAIL, severity=Severity.CRITICAL, section=Section.RISK,
        title=t("fraud.embargo_mention.title", embargoed=names, country=claimed),
        detail=t("fraud.embargo_transit.detail"), evidence=[Evidence(source=SOURCE)],
        data={"country": buyer, "mentioned": mentioned, "transit_country": transit},
    )]


# Names and main ports of the embargoed countries, as they appear in inquiries (en, zh, local).
DESTINATION_WORDS: dict[str, re.Pattern[str]] = {
    "IR": re.compile(r"\b(iran|islamic republic of iran|tehran|teheran|bandar\s*abbas|bandar\s*imam|bushehr|chabahar)\b"
                     r"|伊朗|德黑兰|阿巴斯港|ایران", re.I),
    "KP": re.compile(r"\b(north\s+korea|dprk|pyongyang|nampo|nampho|chongjin|rajin)\b|朝鲜|平壤|南浦", re.I),
    "CU": re.compile(r"\b(cuba|havana|la\s+habana|mariel|santiago\s+de\s+cuba)\b|古巴|哈瓦那", re.I),
}


def _mentions(text: str, code: str) -> bool:
    pattern = DESTINATION_WORDS.get(code)
    return bool(pattern and pattern.search(text))

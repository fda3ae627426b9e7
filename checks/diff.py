"""What changed between two checks of the same buyer, and which of it is worth telling a salesperson.

Pure: two `Report`s in, a list of `Change`s out (nothing material: an empty list), so the scheduler
can stay quiet when nothing happened. Only these rules are material, each in both directions:

- sanctions: a new hit (by list and entry id), or a hit no longer found;
- risk: the risk level went up or down;
- registry: a register's status for the company changed (GLEIF, Companies House ...), or a status
  finding appeared or went away (dissolved, insolvency, LEI lapsed / retired, entity inactive);
- domain: a domain expired or stopped being registered, or was registered anew / moved registrar
  (a new holder may be behind it);
- country: the buyer's country joined or left a country list (embargo, FATF, EU high-risk);
- website: the website stopped answering, answers again, or turned into a parked / refused page;
- trade_remedy: a measure in force now covers the buyer's goods (HS code match), or no longer does.

A source that could not answer in one of the two checks says nothing about change: "unavailable" is
never read as "removed" (except the website itself, whose silence is the news). Everything else
(adverse media, mail DNS, wording of titles) is left out on purpose: noise teaches people to ignore
the bot.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel

from .i18n import has, translator
from .models import Finding, Report, SourceStatus

# the register behind a status finding: report source name, evidence source, codes it emits
REGISTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "gleif": ("GLEIF", ("lei.lapsed", "lei.retired", "lei.entity_inactive", "lei.not_found")),
    "companies_house": ("UK Companies House", ("company.dissolved", "company.insolvency", "company.not_found")),
}
STATUS_CODES = {code: source for source, (_, codes) in REGISTRIES.items() for code in codes}
WEBSITE_FLAGS = ("website.parked", "website.refused", "website.redirected")
DOMAIN_CODES = ("domain.age", "domain.young")
TROUBLED_WORDS = {"lapsed", "retired", "annulled", "inactive", "dissolved", "liquidation", "closed", "removed",
                  "receivership", "administration", "insolvency", "merged", "duplicate", "transferred", "converted"}


class Change(BaseModel):
    """One material change. `key` is stable across runs (used for de-duplication of alerts)."""

    rule: str  # sanctions | risk | registry | domain | country | website
    kind: str  # e.g. sanctions.new, risk.up, domain.expired, website.down
    key: str
    alert: bool  # worse (tell loudly) or better (good to know)
    text: str
    before: Any = None
    after: Any = None


def _source_status(report: Report, name: str) -> SourceStatus | None:
    for result in report.sources:
        if result.name == name:
            return result.status
    return None


def _ran(report: Report, name: str, codes: Iterable[str] = (), prefix: str | None = None) -> bool:
    """Did the source answer in this check? Its status when listed, else whether its findings are there."""
    status = _source_status(report, name)
    if status is not None:
        return status is SourceStatus.OK
    wanted = set(codes)
    return any(f.code in wanted or (prefix is not None and f.code.startswith(prefix)) for f in report.findings())


def _by_code(report: Report, code: str) -> list[Finding]:
    return [f for f in report.findings() if f.code == code]


# --- sanctions -------------------------------------------------------------------------------------
def sanctions_hits(report: Report) -> dict[str, Finding]:
    """Hits keyed `source:source_id` (a hit cleared by a manager counts as known, not as a new alert)."""
    hits: dict[str, Finding] = {}
    for finding in _by_code(report, "sanctions.hit"):
        source, source_id = finding.data.get("source"), finding.data.get("source_id")
        if source_id in (None, ""):
            continue
        hits.setdefault(f"{source or ''}:{source_id}", finding)
    return hits


def hit_params(finding: Finding) -> dict[str, Any]:
    data = finding.data
    score = data.get("score")
    return {
        "name": data.get("listed_name") or data.get("primary_name") or data.get("name") or finding.title,
        "list": data.get("list") or data.get("source") or "?",
        "query": data.get("query") or "",
        "score": f"{score:.0%}" if isinstance(score, (int, float)) else "?",
    }


def _sanctions(old: Report, new: Report, t: Any) -> list[Change]:
    if not (_ran(old, "sanctions", prefix="sanctions.") and _ran(new, "sanctions", prefix="sanctions.")):
        return []
    before, after = sanctions_hits(old), sanctions_hits(new)
    changes = []
    for key in sorted(after.keys() - before.keys()):
        finding = after[key]
        if finding.data.get("cleared"):
            continue
        changes.append(Change(rule="sanctions", kind="sanctions.new", key=f"sanctions:{key}", alert=True,
                              text=t("diff.sanctions.new", **hit_params(finding)), after=key))
    for key in sorted(before.keys() - after.keys()):
        changes.append(Change(rule="sanctions", kind="sanctions.removed", key=f"sanctions:{key}", alert=False,
                              text=t("diff.sanctions.removed", **hit_params(before[key])), before=key))
    return changes


# --- risk ----------------------------------------------------------------------------------------
def _risk(old: Report, new: Report, t: Any) -> list[Change]:
    if old.pending or new.pending or old.risk.level == new.risk.level:
        return []
    up = new.risk.level.rank > old.risk.level.rank
    return [Change(
        rule="risk", kind="risk.up" if up else "risk.down", key="risk", alert=up,
        text=t("diff.risk.up" if up else "diff.risk.down", before=t(f"diff.level.{old.risk.level.value}"),
               after=t(f"diff.level.{new.risk.level.value}"), score=new.risk.score),
        before=old.risk.level.value, after=new.risk.level.value,
    )]


# --- registry status -------------------------------------------------------------------------------
def registry_statuses(report: Report) -> dict[str, str]:
    """Register (evidence source) -> status as the register words it, from the sources' facts."""
    statuses: dict[str, str] = {}
    for finding in report.findings():
        if finding.code.startswith("profile."):
            continue  # the profile line merges registers; read each register's own fact
        facts = finding.data.get("facts")
        if isinstance(facts, dict) and facts.get("status") and finding.evidence:
            statuses.setdefault(finding.evidence[0].source, str(facts["status"]))
    return statuses


def _troubled(status: str) -> bool:
    words = set(status.casefold().replace("/", " ").replace("-", " ").split())
    return bool(words & TROUBLED_WORDS)


def _registry(old: Report, new: Report, t: Any) -> list[Change]:
    changes: list[Change] = []
    before, after = registry_statuses(old), registry_statuses(new)
    changed_registers: set[str] = set()
    for register in sorted(before.keys() & after.keys()):
        if before[register].strip().casefold() != after[register].strip().casefold():
            changed_registers.add(register)
            better = _troubled(before[register]) and not _troubled(after[register])
            changes.append(Change(rule="registry", kind="registry.status", key=f"registry:{register}", alert=not better,
                                  text=t("diff.registry.status", registry=register, before=before[register],
                                         after=after[register]),
                                  before=before[register], after=after[register]))
    for source, (register, codes) in REGISTRIES.items():
        if register in changed_registers or not (_ran(old, source, codes) and _ran(new, source, codes)):
            continue
        for code in codes:
            had, has = _by_code(old, code), _by_code(new, code)
            if has and not had:
                changes.append(Change(rule="registry", kind="registry.flag_new", key=f"registry:{code}", alert=True,
                                      text=t("diff.registry.flag_new", title=has[0].title), after=code))
            elif had and not has:
                changes.append(Change(rule="registry", kind="registry.flag_gone", key=f"registry:{code}", alert=False,
                                      text=t("diff.registry.flag_gone", title=had[0].title), before=code))
    return changes


# --- domains ---------------------------------------------------------------------------------------
def _domains(report: Report) -> dict[str, dict[str, Any]]:
    """Domain -> its RDAP facts (registered, expires, registrar), or {"unregistered": True}."""
    found: dict[str, dict[str, Any]] = {}
    for finding in report.findings():
        domain = finding.data.get("domain")
        if not domain:
            continue
        if finding.code in DOMAIN_CODES:
            found[domain] = {"registered": finding.data.get("registered"), "expires": finding.data.get("expires"),
                             "registrar": finding.data.get("registrar") or ""}
        elif finding.code == "domain.unregistered":
            found[domain] = {"unregistered": True}
    return found


def _expired(facts: dict[str, Any], on: date) -> bool:
    try:
        return bool(facts.get("expires")) and date.fromisoformat(str(facts["expires"])[:10]) < on
    except ValueError:
        return False


def _domain(old: Report, new: Report, t: Any) -> list[Change]:
    if not (_ran(old, "rdap", DOMAIN_CODES + ("domain.unregistered",))
            and _ran(new, "rdap", DOMAIN_CODES + ("domain.unregistered",))):
        return []
    changes: list[Change] = []
    before, after = _domains(old), _domains(new)
    for domain in sorted(before.keys() & after.keys()):
        was, now = before[domain], after[domain]
        key = f"domain:{domain}"
        if now.get("unregistered") and not was.get("unregistered"):
            changes.append(Change(rule="domain", kind="domain.unregistered", key=key, alert=True,
                                  text=t("diff.domain.unregistered", domain=domain)))
        elif was.get("unregistered") and not now.get("unregistered"):
            changes.append(Change(rule="domain", kind="domain.new_registration", key=key, alert=True,
                                  text=t("diff.domain.registered_again", domain=domain, date=now.get("registered") or "?"),
                                  after=now.get("registered")))
        elif not now.get("unregistered"):
            if _expired(now, new.created_at.date()) and not _expired(was, old.created_at.date()):
                changes.append(Change(rule="domain", kind="domain.expired", key=key, alert=True,
                                      text=t("diff.domain.expired", domain=domain, date=now.get("expires")),
                                      before=was.get("expires"), after=now.get("expires")))
            if was.get("registered") and now.get("registered") and was["registered"] != now["registered"]:
                changes.append(Change(rule="domain", kind="domain.new_registration", key=key + ":registered",
                                      alert=True, text=t("diff.domain.new_registration", domain=domain,
                                                         date=now["registered"], before=was["registered"]),
                                      before=was["registered"], after=now["registered"]))
            elif was.get("registrar") and now.get("registrar") and \
                    was["registrar"].strip().casefold() != now["registrar"].strip().casefold():
                changes.append(Change(rule="domain", kind="domain.registrar", key=key + ":registrar", alert=True,
                                      text=t("diff.domain.registrar", domain=domain, before=was["registrar"],
                                             after=now["registrar"]),
                                      before=was["registrar"], after=now["registrar"]))
    return changes


# --- country lists -----------------------------------------------------------------------------------
def country_lists(report: Report) -> dict[tuple[str, str], tuple[set[str], Finding]]:
    """(role, country) -> the country lists it is on (FATF, EU high-risk, OFAC ...) and the finding."""
    found: dict[tuple[str, str], tuple[set[str], Finding]] = {}
    for finding in report.findings():
        if not finding.code.startswith("country.") or finding.code == "country.clear" or not finding.is_problem:
            continue
        key = (str(finding.data.get("role") or "buyer"), str(finding.data.get("country") or report.subject.country or ""))
        lists = {str(x) for x in finding.data.get("lists") or []} or {finding.code}
        before = found.get(key)
        found[key] = ((before[0] if before else set()) | lists, before[1] if before else finding)
    return found


def _list_names(keys: Iterable[str], t: Any) -> str:
    return ", ".join(t(f"country.list.{key}") if has(f"country.list.{key}") else key for key in sorted(keys))


def _country(old: Report, new: Report, t: Any) -> list[Change]:
    ran_old = _ran(old, "country_risk", prefix="country.")
    ran_new = _ran(new, "country_risk", prefix="country.")
    if not (ran_old and ran_new) or (old.subject.country or "") != (new.subject.country or ""):
        return []  # no country answer, or the buyer's claimed country itself changed (not news of the lists)
    before, after = country_lists(old), country_lists(new)
    changes = []
    for key in sorted(before.keys() | after.keys()):
        nothing: tuple[set[str], Finding | None] = (set(), None)
        was, now = before.get(key, nothing), after.get(key, nothing)
        added, removed = now[0] - was[0], was[0] - now[0]
        role, country = key
        if added:
            changes.append(Change(rule="country", kind="country.added", key=f"country:{role}:{country}:+{','.join(sorted(added))}",
                                  alert=True, text=t("diff.country.added", title=now[1].title,  # type: ignore[union-attr]
                                                     lists=_list_names(added, t)),
                                  before=sorted(was[0]), after=sorted(now[0])))
        if removed:
            changes.append(Change(rule="country", kind="country.removed", key=f"country:{role}:{country}:-{','.join(sorted(removed))}",
                                  alert=False, text=t("diff.country.removed", title=was[1].title,  # type: ignore[union-attr]
                                                      lists=_list_names(removed, t)),
                                  before=sorted(was[0]), after=sorted(now[0])))
    return changes


# --- website -----------------------------------------------------------------------------------------
def _site(report: Report) -> str:
    for finding in _by_code(report, "website.summary"):
        if finding.data.get("url"):
            return str(finding.data["url"])
    return report.subject.site or (report.subject.email or "").rpartition("@")[2] or "?"


def _website(old: Report, new: Report, t: Any) -> list[Change]:
    was, now = _source_status(old, "website"), _source_status(new, "website")
    site = _site(new) if now is SourceStatus.OK else _site(old)
    if was is SourceStatus.OK and now is SourceStatus.UNAVAILABLE:
        return [Change(rule="website", kind="website.down", key="website", alert=True,
                       text=t("diff.website.down", site=site), before="ok", after="unavailable")]
    if was is SourceStatus.UNAVAILABLE and now is SourceStatus.OK:
        return [Change(rule="website", kind="website.up", key="website", alert=False,
                       text=t("diff.website.up", site=site), before="unavailable", after="ok")]
    if not (_ran(old, "website", prefix="website.") and _ran(new, "website", prefix="website.")):
        return []
    changes = []
    for code in WEBSITE_FLAGS:
        had, has = _by_code(old, code), _by_code(new, code)
        if has and not had:
            changes.append(Change(rule="website", kind="website.flag_new", key=f"website:{code}", alert=True,
                                  text=t("diff.website.flag_new", title=has[0].title), after=code))
        elif had and not has:
            changes.append(Change(rule="website", kind="website.flag_gone", key=f"website:{code}", alert=False,
                                  text=t("diff.website.flag_gone", title=had[0].title), before=code))
    return changes


# --- trade remedies -------------------------------------------------------------------------------
SETTLED_MATCHES = ("exact", "hs6")


def trade_remedy_keys(report: Report) -> dict[str, Any]:
    """Measures in force on the buyer's goods, matched by code (not cases under way, not name-only)."""
    out: dict[str, Any] = {}
    for remedy in report.trade_remedies:
        if remedy.type == "investigation" or remedy.match not in SETTLED_MATCHES:
            continue
        what = remedy.case or remedy.product or ",".join(remedy.codes)
        out.setdefault(f"{remedy.jurisdiction}:{what}:{remedy.type}:{remedy.origin}", remedy)
    return out


def _trade_remedies(old: Report, new: Report, t: Any) -> list[Change]:
    """Only where both checks looked at the same jurisdiction: a check from before the goods were
    known (or before this rule) must not make every existing measure 'new'."""
    checked_before = {c.jurisdiction for c in old.trade_remedies_coverage if c.as_of}
    checked_now = {c.jurisdiction for c in new.trade_remedies_coverage if c.as_of}
    both = checked_before & checked_now
    if not both or old.subject.hs != new.subject.hs:
        return []
    before, after = trade_remedy_keys(old), trade_remedy_keys(new)
    changes = []
    for key in sorted(after.keys() - before.keys()):
        remedy = after[key]
        if remedy.jurisdiction in both:
            changes.append(Change(rule="trade_remedy", kind="trade_remedy.new", key=f"trade_remedy:{key}", alert=True,
                                  text=t("diff.trade_remedy.new", **_remedy_params(remedy, t)), after=key))
    for key in sorted(before.keys() - after.keys()):
        remedy = before[key]
        if remedy.jurisdiction in both:
            changes.append(Change(rule="trade_remedy", kind="trade_remedy.removed", key=f"trade_remedy:{key}",
                                  alert=False, text=t("diff.trade_remedy.removed", **_remedy_params(remedy, t)),
                                  before=key))
    return changes


def _remedy_params(remedy: Any, t: Any) -> dict[str, str]:
    return {"jurisdiction": remedy.jurisdiction, "type": t(f"tr.type.{remedy.type}"),
            "product": remedy.product or ", ".join(remedy.codes[:3]), "origin": remedy.origin,
            "case": remedy.case or remedy.source}


RULES = (_sanctions, _risk, _registry, _domain, _country, _website, _trade_remedies)


def diff_reports(old: Report, new: Report, lang: str | None = None) -> list[Change]:
    """The material changes from `old` to `new`, worst news first; [] when nothing material changed."""
    t = translator(lang or new.lang)
    changes = [change for rule in RULES for change in rule(old, new, t)]
    return sorted(changes, key=lambda c: (not c.alert, RULES_ORDER.get(c.rule, 9)))


RULES_ORDER = {"sanctions": 0, "registry": 1, "country": 2, "trade_remedy": 3, "risk": 4, "domain": 5, "website": 6}


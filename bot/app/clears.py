"""Cleared sanctions matches ("Not this buyer"): pure functions over a report and the stored clears.

A clear names one list entry in one version (its fingerprint): the same entry is shown as cleared
(info, never hidden) and not scored; a changed entry alerts again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from checks.i18n import t
from checks.models import Finding, Report, Severity, Status

from ..card import hit_keys, party_key
from .text import date_text

_ENTRY_KEYS = ("name", "names", "entry_name", "matched_name", "aliases", "programs", "program", "list", "list_name",
               "type", "countries", "identifiers", "dates_of_birth", "listed_on", "remarks")



def entry_fingerprint(data: dict[str, Any]) -> str:
    """The list entry's version, or a hash of what the entry says (never of the query's score).

    Uses `entry_version` / `fingerprint` / `entry_fingerprint` from the finding's data when the
    screening source provides one; otherwise hashes the entry's names, programs, list and the like.
    """
    for key in ("entry_version", "entry_fingerprint", "fingerprint"):
        if data.get(key):
            return str(data[key])[:128]
    content = {key: data[key] for key in _ENTRY_KEYS if data.get(key) not in (None, "", [], {})}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()


def entry_name(data: dict[str, Any]) -> str:
    for key in ("name", "entry_name", "matched_name"):
        if isinstance(data.get(key), str) and data[key]:
            return data[key]
    names = data.get("names")
    if isinstance(names, list) and names:
        return str(names[0])
    return str(data.get("source_id", ""))


SCREENING_HITS = ("sanctions.hit", "sanctions.possible")  # one finding per listed party (all its lists)


MATCH_CODES = ("sanctions.hit", "sanctions.possible")  # a list match a manager can clear ("Not this buyer")


def hits(report: Report) -> list[Finding]:
    """The report's screening hits that name a list entry."""
    return [f for f in report.findings() if f.code in SCREENING_HITS and f.data.get("source_id")]


def apply_clears(report: Report, clears: list[Any], lang: str) -> tuple[bool, list[dict[str, str]]]:
    """Mark hits a manager cleared (same entry version) as info, never hidden; a changed entry alerts again.

    Returns (changed anything, re-alerts). Run before scoring so the scorer does not count them.
    """
    changed = False
    realerts: list[dict[str, str]] = []
    for finding in hits(report):
        source, source_id = str(finding.data.get("source", "")), str(finding.data.get("source_id"))
        matching = [c for c in clears if c.source == source and c.source_id == source_id]
        if not matching:
            continue
        latest = matching[0]  # newest first
        fingerprint = entry_fingerprint(finding.data)
        if any(c.fingerprint == fingerprint for c in matching):
            clear = next(c for c in matching if c.fingerprint == fingerprint)
            finding.data["cleared"] = True
            finding.data["cleared_by"] = clear.cleared_by
            finding.data["severity_before_clear"] = finding.severity.value
            finding.status = Status.INFO
            finding.severity = Severity.INFO  # nothing downstream (score, ask-next rules) treats it as serious
            finding.detail = t("flows.cleared.detail", lang, who=clear.cleared_by, when=date_text(clear.created_at),
                               reason=clear.reason) + (" — " + finding.detail if finding.detail else "")
            changed = True
        else:
            finding.data["cleared_stale"] = True
            finding.detail = t("flows.cleared.changed", lang, who=latest.cleared_by, when=date_text(latest.created_at)) + (
                " — " + finding.detail if finding.detail else "")
            realerts.append({"source": source, "source_id": source_id, "old": latest.fingerprint, "new": fingerprint})
    return changed, realerts



def applied(report: Report, clear: Any) -> bool:
    """Whether the report already shows `clear` as cleared."""
    return any(f.data.get("cleared") and f.data.get("source") == clear.source
               and str(f.data.get("source_id")) == clear.source_id for f in hits(report))


def cleared_keys(report: Report, clears: list[Any]) -> list[str]:
    """`source:source_id` of every hit that is cleared (in the report, or by a clear of its version)."""
    return [
        f"{f.data.get('source')}:{f.data.get('source_id')}" for f in hits(report)
        if f.data.get("cleared") or any(
            c.source == str(f.data.get("source", "")) and c.source_id == str(f.data.get("source_id"))
            and c.fingerprint == entry_fingerprint(f.data) for c in clears)
    ]


def party_in_report(report: Report | None, arg: str) -> list[Finding]:
    """The sanctions hit `source:source_id` as the last stored check found it (not as a payload says),
    with every other hit of the same listed party."""
    if report is None or ":" not in arg:
        return []
    chosen = next((f for f in hits(report) if arg in hit_keys(f)), None)
    if chosen is None:
        return []
    party = party_key(chosen)
    return [chosen] + [f for f in hits(report) if f is not chosen and party_key(f) == party]


"""Adverse media from the GDELT DOC 2.0 API: news about the company with fraud, scam, sanction,
lawsuit or bankruptcy words, shown as a few headlines with links.

GDELT allows one request every 5 seconds (enforced by the shared rate limiter) and answers
errors as plain text, sometimes with HTTP 200 — both are handled. A hit is a lead to read, not a
verdict: the card shows the headlines so a person can judge whether they are about this buyer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..domains import name_tokens
from ..engine import CheckContext, SourceSkipped, SourceUnavailable
from ..http import OnlineSource
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest

API = "https://api.gdeltproject.org/api/v2/doc/doc"
TERMS = ("fraud", "scam", "sanction", "sanctions", "lawsuit", "bankruptcy")
MAX_HEADLINES = 5


def build_query(company: str) -> str | None:
    """`"acme trading" (fraud OR scam OR ...)`; None when the name is too short to search."""
    words = name_tokens(company)
    phrase = " ".join(words)
    if len(phrase.replace(" ", "")) < 4:
        return None
    return f'"{phrase}" (' + " OR ".join(TERMS) + ")"


def _seen(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).date().isoformat()
    except ValueError:
        return None


class GdeltSource(OnlineSource):
    name = "gdelt"
    needs = ("company",)
    retries = 1
    backoff = 5.2  # GDELT asks for at most one request every 5 s

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        t = ctx.t
        query = build_query(request.company)
        if query is None:
            raise SourceSkipped(t("gdelt.name_too_short"))
        http = self.http(ctx, headers={"Accept": "application/json, text/plain"})
        params = {"query": query, "mode": "artlist", "format": "json", "maxrecords": 25, "sort": "datedesc"}
        response = await http.get(API, params=params)
        text = response.text.strip()
        if not text or text == "{}":
            articles: list[dict[str, Any]] = []
        elif not text.startswith("{"):
            # GDELT's errors are plain text, sometimes with HTTP 200 ("keywords too short, too long or too common")
            if "too short" in text or "too common" in text or "too long" in text:
                raise SourceSkipped(t("gdelt.query_rejected"))
            raise SourceUnavailable(t("gdelt.error", message=text[:120]))
        else:
            try:
                data = json.loads(text)
            except ValueError:
                raise SourceUnavailable(t("http.bad_response", source=self.name)) from None
            articles = [a for a in data.get("articles") or [] if isinstance(a, dict) and a.get("url")]
        search_url = "https://api.gdeltproject.org/api/v2/doc/doc?" + "&".join(
            f"{k}={v}" for k, v in (("query", query.replace(" ", "%20").replace('"', "%22")), ("mode", "artlist")))
        if not articles:
            return [Finding(code="media.none", status=Status.INFO, severity=Severity.INFO, section=Section.RISK,
                            title=t("gdelt.none.title", company=request.company), detail=t("gdelt.none.detail"),
                            evidence=[Evidence(source="GDELT", url=search_url, retrieved_at=self.now())])]
        unique: dict[str, dict[str, Any]] = {}
        for article in articles:
            key = (article.get("title") or article["url"]).strip().lower()
            unique.setdefault(key, article)
        shown = list(unique.values())[:MAX_HEADLINES]
        headlines = [{"title": a.get("title") or a["url"], "url": a["url"], "domain": a.get("domain"),
                      "date": _seen(a.get("seendate")), "language": a.get("language")} for a in shown]
        lines = [f"• {h['title']} ({h['domain'] or ''}{', ' + h['date'] if h['date'] else ''})" for h in headlines]
        return [Finding(
            code="media.adverse", status=Status.FLAG, severity=Severity.MEDIUM, section=Section.RISK,
            title=t("gdelt.found.title", count=len(unique), company=request.company),
            detail=t("gdelt.found.detail") + "\n" + "\n".join(lines),
            evidence=[Evidence(source=f"GDELT: {h['domain'] or 'news'}", url=h["url"], retrieved_at=self.now())
                      for h in headlines],
            data={"headlines": headlines, "total": len(unique), "query": query},
        )]

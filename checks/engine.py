"""The check engine: a `CheckRequest` in, a `Report` out.

Sources run concurrently; each has its own timeout and its failure is recorded, never raised, so
one broken service cannot fail a check. Analyzers run after the sources, over all their findings
(cross-source comparisons such as the identity verdict); the risk scorer runs last.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, ClassVar, Iterable

from .i18n import Translator, normalize_lang, translator
from .models import Finding, Report, SourceResult, SourceStatus, Subject
from .request import CheckRequest

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Report], Awaitable[None]]


class SourceUnavailable(Exception):
    """The service could not answer (network, timeout, 5xx, rate limit): the check goes on."""


class SourceSkipped(Exception):
    """The source does not apply or is not configured (e.g. no API key): say how to enable it."""


@dataclass
class CheckContext:
    """What a source may use besides the request: the user's language and shared facts."""

    lang: str = "en"
    t: Translator = field(default_factory=lambda: translator("en"))
    shared: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_lang(cls, lang: str) -> "CheckContext":
        lang = normalize_lang(lang)
        return cls(lang=lang, t=translator(lang))


class Source(ABC):
    """One producer of findings. Subclasses set `name`, `needs`, and implement `run`."""

    name: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()  # request fields; the source applies if any is present
    online: ClassVar[bool] = False
    timeout: float = 8.0

    def applicable(self, request: CheckRequest) -> bool:
        return not self.needs or any(getattr(request, need, None) for need in self.needs)

    @abstractmethod
    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        """Return findings; raise SourceUnavailable or SourceSkipped to say why there are none."""

    def lists_as_of(self) -> dict[str, str]:
        """Dates of the data this source relies on (watchlists, country lists)."""
        return {}

    def warnings(self, ctx: CheckContext) -> list[str]:
        """Card-level warnings in plain words, e.g. a stale list (no commands or codes: salespeople read them)."""
        return []

    def admin_notes(self, ctx: CheckContext) -> list[str]:
        """What an administrator can do about a warning (e.g. the command that updates the lists): Details only."""
        return []


class Analyzer(ABC):
    """Runs after every source, over all findings: cross-source comparisons."""

    name: ClassVar[str]

    @abstractmethod
    def analyze(self, request: CheckRequest, report: Report, ctx: CheckContext) -> None:
        """Add findings to, or set the verdict of, the report in place."""


class Scorer(ABC):
    @abstractmethod
    def score(self, report: Report, ctx: CheckContext) -> None:
        """Set `report.risk` from the findings."""


class Engine:
    def __init__(
        self,
        sources: Iterable[Source],
        analyzers: Iterable[Analyzer] = (),
        scorer: Scorer | None = None,
    ) -> None:
        self.sources = list(sources)
        self.analyzers = list(analyzers)
        self.scorer = scorer

    async def run(
        self,
        request: CheckRequest,
        on_progress: ProgressCallback | None = None,
        extra_findings: Iterable[Finding] = (),
    ) -> Report:
        """Run every applicable source at once; `extra_findings` come from outside (history)."""
        ctx = CheckContext.for_lang(request.lang)
        report = Report(subject=subject_of(request), lang=ctx.lang)
        for finding in extra_findings:
            report.sections.add(finding)
        for source in self.sources:
            report.lists_as_of.update(source.lists_as_of())
            report.warnings.extend(source.warnings(ctx))
            report.admin_notes.extend(source.admin_notes(ctx))

        applicable = [s for s in self.sources if s.applicable(request)]
        for source in self.sources:
            if source not in applicable:
                report.sources.append(
                    SourceResult(name=source.name, status=SourceStatus.SKIPPED, detail=ctx.t("source.not_applicable"))
                )
        report.pending = [s.name for s in applicable]
        tasks = {asyncio.ensure_future(self._run_one(s, request, ctx)): s for s in applicable}
        try:
            for done in asyncio.as_completed(list(tasks)):
                result, findings = await done
                for finding in findings:
                    report.sections.add(finding)
                report.sources.append(result)
                if result.name in report.pending:
                    report.pending.remove(result.name)
                if on_progress is not None and report.pending:
                    await self._notify(on_progress, report)
        finally:
            for task in tasks:
                task.cancel()

        for analyzer in self.analyzers:
            try:
                analyzer.analyze(request, report, ctx)
            except Exception:  # an analyzer bug must not lose the sources' findings
                log.exception("analyzer %s failed", analyzer.name)
        self.score(report, ctx)
        order = {s.name: i for i, s in enumerate(self.sources)}
        report.sources.sort(key=lambda r: order.get(r.name, len(order)))
        return report

    def score(self, report: Report, ctx: CheckContext | None = None) -> None:
        """Score and decide (again, e.g. after a manager cleared a match): every report ends in a decision,
        also with a scorer that does not decide itself (tests, custom scorers get the policy's rules)."""
        ctx = ctx or CheckContext.for_lang(report.lang)
        if self.scorer is not None:
            self.scorer.score(report, ctx)
        if not getattr(self.scorer, "decides", False):
            from .decision import decide

            report.decision = decide(report)

    @staticmethod
    async def _notify(on_progress: ProgressCallback, report: Report) -> None:
        try:
            await on_progress(report.model_copy(deep=True))
        except Exception:  # a chat update that fails must not stop the check
            log.exception("progress callback failed")

    async def _run_one(
        self, source: Source, request: CheckRequest, ctx: CheckContext
    ) -> tuple[SourceResult, list[Finding]]:
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            findings = await asyncio.wait_for(source.run(request, ctx), timeout=source.timeout)
        except asyncio.TimeoutError:
            detail = ctx.t("source.timeout", seconds=f"{source.timeout:g}")
            return SourceResult(name=source.name, status=SourceStatus.UNAVAILABLE, elapsed_ms=elapsed(), detail=detail), []
        except SourceUnavailable as exc:
            return SourceResult(name=source.name, status=SourceStatus.UNAVAILABLE, elapsed_ms=elapsed(), detail=str(exc)), []
        except SourceSkipped as exc:
            return SourceResult(name=source.name, status=SourceStatus.SKIPPED, elapsed_ms=elapsed(), detail=str(exc)), []
        except Exception as exc:  # isolation: a bug in one source is an `error`, not a failed check
            log.exception("source %s failed", source.name)
            detail = ctx.t("source.error", error=type(exc).__name__)
            return SourceResult(name=source.name, status=SourceStatus.ERROR, elapsed_ms=elapsed(), detail=detail), []
        return SourceResult(name=source.name, status=SourceStatus.OK, elapsed_ms=elapsed()), list(findings)


def subject_of(request: CheckRequest) -> Subject:
    return Subject(
        name=request.company,
        email=request.email,
        site=request.site,
        phone=request.phone,
        country=request.country,
        vat=request.vat,
        lei=request.lei,
        reg=request.reg,
        persons=list(request.persons),
        bank=request.bank,
        bank_country=request.bank_country,
    )

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
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from .i18n import Translator, normalize_lang, translator
from .models import Finding, Report, SourceResult, SourceStatus, Subject
from .request import CheckRequest
from .workers import WorkerPool

if TYPE_CHECKING:
    from .http import HttpClient
    from .screening.service import ScreeningService

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Report], Awaitable[None]]


class SourceUnavailable(Exception):
    """The service could not answer (network, timeout, 5xx, rate limit): the check goes on."""


class SourceSkipped(Exception):
    """The source does not apply or is not configured (e.g. no API key): say how to enable it."""


@dataclass
class CheckContext:
    """What a source may use besides the request: the user's language and its translator."""

    lang: str = "en"
    t: Translator = field(default_factory=lambda: translator("en"))

    @classmethod
    def for_lang(cls, lang: str | None) -> CheckContext:
        lang = normalize_lang(lang)
        return cls(lang=lang, t=translator(lang))


class Source(ABC):
    """One producer of findings. Subclasses set `name`, `needs`, and implement `run`."""

    name: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()  # request fields; the source applies if any is present
    online: ClassVar[bool] = False
    # CPU work (screening, parsing numbers): run on a worker thread with its own event loop, so a
    # server's loop keeps answering while 20 checks screen at once. Set by the registry.
    in_thread: bool = False
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
        http: HttpClient | None = None,
        *,
        cpu: WorkerPool | None = None,
        screening: ScreeningService | None = None,
    ) -> None:
        self.sources = list(sources)
        self.analyzers = list(analyzers)
        self.scorer = scorer
        # the online sources' HTTP client (connections, cache, rate limits): its owner, the runtime that
        # built this engine, closes it; None for an engine without online sources
        self.http = http
        # the thread for CPU work (sources with `in_thread`, list notes, analyzers and scoring): the
        # runtime's when given (it closes it), else this engine's own, closed by `close()`
        self.cpu = cpu if cpu is not None else WorkerPool("checks-cpu")
        self._owns_cpu = cpu is None
        # the sanctions lists the sanctions source screens against (build_engine's), for whoever needs
        # to reload them (after a list update) or load them early
        self.screening = screening

    def close(self) -> None:
        """Stop this engine's own CPU thread (a given one is its owner's to close). Usable again after."""
        if self._owns_cpu:
            self.cpu.close()

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
        threaded = any(source.in_thread for source in self.sources)
        if threaded:  # list dates are read from files: that too waits for the GIL, off the loop
            await self.cpu.run(self._list_notes, report, ctx)
        else:
            self._list_notes(report, ctx)
        if request.country_input:  # dropped from the check: the card says so, not only the ack
            report.warnings.append(ctx.t("request.country_unknown", country=request.country_input[:100]))

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

        if threaded:  # a server: keep the CPU work off its loop
            await self.cpu.run(self._analyze_and_score, request, report, ctx)
        else:
            self._analyze_and_score(request, report, ctx)
        order = {s.name: i for i, s in enumerate(self.sources)}
        report.sources.sort(key=lambda r: order.get(r.name, len(order)))
        return report

    def _list_notes(self, report: Report, ctx: CheckContext) -> None:
        for source in self.sources:
            report.lists_as_of.update(source.lists_as_of())
            report.warnings.extend(source.warnings(ctx))
            report.admin_notes.extend(source.admin_notes(ctx))

    def _analyze_and_score(self, request: CheckRequest, report: Report, ctx: CheckContext) -> None:
        for analyzer in self.analyzers:
            try:
                analyzer.analyze(request, report, ctx)
            except Exception:  # an analyzer bug must not lose the sources' findings
                log.exception("analyzer %s failed", analyzer.name)
        self.score(report, ctx)

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
            if source.in_thread:  # its timeout runs on the thread: time waiting for the thread is not its own
                findings = await self.cpu.run(self._run_on_thread_loop, source, request, ctx)
            else:
                findings = await asyncio.wait_for(source.run(request, ctx), timeout=source.timeout)
        except TimeoutError:
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

    def _run_on_thread_loop(self, source: Source, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        """Run an async source to completion, within its timeout, on the CPU thread's own (reused) event
        loop. The timeout starts when the source does, not while it queued behind other checks."""
        return self.cpu.run_async(lambda: asyncio.wait_for(source.run(request, ctx), timeout=source.timeout))


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
        hs=list(request.hs),
        goods=request.goods,
        origin=request.origin,
    )

"""The engine: concurrency, per-source timeout, failure isolation, statuses and progress."""

from __future__ import annotations

import asyncio

from checks.engine import CheckContext, Engine, Source, SourceSkipped, SourceUnavailable
from checks.models import Finding, Report, Section, Severity, SourceStatus, Status
from checks.request import CheckRequest


class Sleeper(Source):
    name = "sleeper"

    def __init__(self, name: str, seconds: float, timeout: float = 1.0) -> None:
        self.name = name  # type: ignore[misc]
        self.seconds = seconds
        self.timeout = timeout

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        await asyncio.sleep(self.seconds)
        return [Finding(code=f"{self.name}.done", status=Status.PASS, title=self.name)]


class Broken(Source):
    name = "broken"

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        raise KeyError("bug")


class Down(Source):
    name = "down"

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        raise SourceUnavailable("HTTP 503")


class NoKey(Source):
    name = "nokey"

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        raise SourceSkipped("set NOKEY_API_KEY to enable")


class NeedsEmail(Source):
    name = "needs_email"
    needs = ("email",)

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        return [Finding(code="email.seen", status=Status.FLAG, severity=Severity.LOW, title="x", section=Section.VERIFICATION)]


def _status(report: Report) -> dict[str, SourceStatus]:
    return {s.name: s.status for s in report.sources}


class Rendezvous(Source):
    """Finishes only once all `n` of its kind have started: run one after another, the first times out."""

    needs = ()

    def __init__(self, name: str, started: list[str], everyone: asyncio.Event, n: int) -> None:
        self.name = name  # type: ignore[misc]
        self.started, self.everyone, self.n = started, everyone, n
        self.timeout = 30.0

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        self.started.append(self.name)
        if len(self.started) == self.n:
            self.everyone.set()
        await self.everyone.wait()
        return [Finding(code=f"{self.name}.done", status=Status.PASS, title=self.name)]


async def test_sources_run_concurrently() -> None:
    started: list[str] = []
    everyone = asyncio.Event()
    engine = Engine([Rendezvous(f"s{i}", started, everyone, 5) for i in range(5)])
    report = await engine.run(CheckRequest(company="ACME"))
    assert sorted(started) == [f"s{i}" for i in range(5)]
    assert len(report.findings()) == 5
    assert all(s.status is SourceStatus.OK for s in report.sources)


async def test_timeout_and_failures_are_isolated() -> None:
    engine = Engine([Sleeper("fast", 0.01), Sleeper("slow", 5, timeout=0.1), Broken(), Down(), NoKey()])
    report = await engine.run(CheckRequest(company="ACME"))
    assert _status(report) == {
        "fast": SourceStatus.OK,
        "slow": SourceStatus.UNAVAILABLE,
        "broken": SourceStatus.ERROR,
        "down": SourceStatus.UNAVAILABLE,
        "nokey": SourceStatus.SKIPPED,
    }
    details = {s.name: s.detail for s in report.sources}
    assert "0.1" in details["slow"]
    assert details["down"] == "HTTP 503"
    assert "KeyError" in details["broken"]
    assert "NOKEY_API_KEY" in details["nokey"]
    assert report.codes() == {"fast.done"}
    assert [s.name for s in report.sources] == ["fast", "slow", "broken", "down", "nokey"]


async def test_source_without_its_input_is_skipped() -> None:
    report = await Engine([NeedsEmail()]).run(CheckRequest(company="ACME"))
    assert _status(report) == {"needs_email": SourceStatus.SKIPPED}
    report = await Engine([NeedsEmail()]).run(CheckRequest(company="ACME", email="a@b.c"))
    assert _status(report) == {"needs_email": SourceStatus.OK}
    assert report.sections.verification[0].code == "email.seen"


async def test_progress_reports_partial_results() -> None:
    snapshots: list[Report] = []

    async def on_progress(report: Report) -> None:
        snapshots.append(report)

    engine = Engine([Sleeper("a", 0.01), Sleeper("b", 0.1), Sleeper("c", 0.2)])
    final = await engine.run(CheckRequest(company="ACME"), on_progress=on_progress)
    assert [len(s.sources) for s in snapshots] == [1, 2]
    assert snapshots[0].pending == ["b", "c"]
    assert final.pending == [] and len(final.sources) == 3


async def test_failing_progress_callback_does_not_fail_the_check() -> None:
    async def on_progress(report: Report) -> None:
        raise RuntimeError("chat API down")

    report = await Engine([Sleeper("a", 0.01), Sleeper("b", 0.02)]).run(CheckRequest(company="X"), on_progress=on_progress)
    assert len(report.sources) == 2


async def test_extra_findings_land_in_their_section() -> None:
    history = Finding(code="history.earlier_check", status=Status.INFO, title="h", section=Section.HISTORY)
    report = await Engine([]).run(CheckRequest(company="X"), extra_findings=[history])
    assert report.sections.history == [history]


async def test_report_language_follows_request() -> None:
    report = await Engine([Sleeper("slow", 5, timeout=0.05)]).run(CheckRequest(company="X", lang="zh"))
    assert report.lang == "zh"
    assert "秒" in report.sources[0].detail

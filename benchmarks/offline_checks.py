"""Time of the offline email, phone, identifier and country sources, the trade-fraud rules and the policy
scorer, per check (run by hand: python benchmarks/offline_checks.py). They run on every check, so they
must stay a small part of the engine's 20 ms budget (benchmarks/engine.py measures the whole engine).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks.engine import CheckContext, subject_of  # noqa: E402
from checks.models import Report  # noqa: E402
from checks.policy import BUNDLED, load_policy  # noqa: E402
from checks.request import parse  # noqa: E402
from checks.risk import assess  # noqa: E402
from checks.sources.country import CountryRiskSource  # noqa: E402
from checks.sources.email import EmailSource  # noqa: E402
from checks.sources.identifiers import IdentifierSource  # noqa: E402
from checks.sources.phone import PhoneSource  # noqa: E402
from checks.sources.trade_fraud import trade_fraud_findings  # noqa: E402

REQUESTS = [
    "ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789",
    "Gulf Star FZE email=info@gulfstar-fze.ae phone=+971 50 123 4567 country=AE bank_country=TR "
    "note=\"we changed our bank account\"",
    "Sunrise Textiles country=IR transit=AE",
    "Schneider GmbH email=m.schneider@schneider-maschinenbau.de vat=DE811115368 country=DE lei=5493001KJTIIGC8Y1R12",
    "深圳市华达进出口贸易有限公司 email=zhangwei@huada-trade.cn phone=+86 755 8888 6666 country=CN reg=91110000600037341L",
]


async def one(request, sources, policy, ctx) -> dict[str, float]:  # type: ignore[no-untyped-def]
    times: dict[str, float] = {}
    report = Report(subject=subject_of(request))
    for source in sources:
        started = time.perf_counter()
        if source.applicable(request):
            for finding in await source.run(request, ctx):
                report.sections.add(finding)
        times[source.name] = time.perf_counter() - started
    started = time.perf_counter()
    for finding in trade_fraud_findings(request, ctx):
        report.sections.add(finding)
    times["trade_fraud"] = time.perf_counter() - started
    started = time.perf_counter()
    report.risk = assess(report, policy, ctx)
    times["scorer"] = time.perf_counter() - started
    return times


async def main(n: int = 1000) -> None:
    sources = [EmailSource(), PhoneSource(), IdentifierSource(), CountryRiskSource()]
    policy = load_policy(BUNDLED)
    requests = [parse(text) for text in REQUESTS]
    for lang in ("en", "zh"):
        ctx = CheckContext.for_lang(lang)
        for request in requests:  # warm-up: data files, stdnum modules, phone metadata
            await one(request, sources, policy, ctx)
        totals: dict[str, list[float]] = {}
        for i in range(n):
            for name, seconds in (await one(requests[i % len(requests)], sources, policy, ctx)).items():
                totals.setdefault(name, []).append(seconds * 1000)
        per_check = [sum(values) for values in zip(*totals.values(), strict=True)]
        parts = ", ".join(f"{name} {statistics.mean(v):.3f}" for name, v in totals.items())
        print(f"[{lang}] {n} checks: mean {statistics.mean(per_check):.2f} ms, "
              f"p99 {sorted(per_check)[int(n * 0.99) - 1]:.2f} ms  ({parts} ms)")


if __name__ == "__main__":
    asyncio.run(main())

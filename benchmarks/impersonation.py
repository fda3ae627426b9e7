"""Impersonation benchmark: a buyer claims a real company and writes from its domain, a look-alike, or free mail.

    python benchmarks/impersonation.py [../shared/eval/impersonation_dev_v2.csv] [--misses N]

Each row is one offline check (no network: only what ships in the product) of `company`, `email`, `site` and
`country`: the offline email source, the consistency analyzer (name against domain), the policy scorer and,
where the engine has one, the decision. Prints per `kind` (the dnstwist fuzzer that made the look-alike):

- look-alikes caught: a `domain.*` finding flagged or failed AND the decision `stop` or `verify_first`
  (when the engine computes no decision, only the finding part is measured, and the header says so);
- real domains left clean: no `domain.*` finding flagged or failed;
- free mail flagged: an `email.free_mail*` finding flagged or failed;
- for every company with both rows, whether the look-alike's decision is at least as severe as free mail's;
- the time of the consistency analyzer (the name-versus-domain analysis) per check.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks import countries  # noqa: E402
from checks.analyzers.consistency import ConsistencyAnalyzer  # noqa: E402
from checks.engine import CheckContext, subject_of  # noqa: E402
from checks.models import Report, Status  # noqa: E402
from checks.policy import BUNDLED, load_policy  # noqa: E402
from checks.request import CheckRequest  # noqa: E402
from checks.risk import assess  # noqa: E402
from checks.sources.email import EmailSource  # noqa: E402

DEFAULT = next((p / "shared" / "eval" / "impersonation_dev_v2.csv" for p in Path(__file__).resolve().parents
                if (p / "shared" / "eval" / "impersonation_dev_v2.csv").exists()), Path("impersonation_dev_v2.csv"))
PROBLEM = (Status.FLAG, Status.FAIL)
SEVERE = ("stop", "verify_first")


def _decide():  # type: ignore[no-untyped-def]
    """The engine's decision function when there is one (checks/decision.py), else None."""
    try:
        from checks import decision
    except ImportError:
        return None
    for name in ("decide", "apply", "make_decision"):
        if callable(getattr(decision, name, None)):
            return getattr(decision, name)
    return None


class Row:
    def __init__(self, raw: dict[str, str]) -> None:
        self.raw = raw
        self.kind = raw["kind"]
        self.company = raw["company"]


async def run_row(raw: dict[str, str], ctx: CheckContext, policy, decide, analyzer_time: list[float]):  # type: ignore[no-untyped-def]
    request = CheckRequest(company=raw["company"], email=raw["email"] or None, site=raw["site"] or None,
                           country=countries.to_code(raw.get("country") or "") if raw.get("country") else None)
    report = Report(subject=subject_of(request))
    source = EmailSource()
    if source.applicable(request):
        for finding in await source.run(request, ctx):
            report.sections.add(finding)
    started = time.process_time()  # CPU time: the machine's other load does not count
    ConsistencyAnalyzer().analyze(request, report, ctx)
    analyzer_time.append(time.process_time() - started)
    report.risk = assess(report, policy, ctx, offline=True)
    decided = None
    if decide is not None:
        try:
            result = decide(report, policy, offline=True)
        except TypeError:
            result = decide(report, policy)
        if result is not None and hasattr(result, "code"):
            report.decision = result
        decided = report.decision.code.value
    return report, decided


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=str(DEFAULT))
    parser.add_argument("--misses", type=int, default=30, help="misses to print per group")
    args = parser.parse_args()
    path = Path(args.path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    ctx = CheckContext.for_lang("en")
    policy = load_policy(BUNDLED)
    decide = _decide()
    ok: Counter[str] = Counter()
    total: Counter[str] = Counter()
    finding_ok: Counter[str] = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    decisions: dict[tuple[str, str], str | None] = {}
    analyzer_time: list[float] = []
    started = time.perf_counter()

    async def run_all() -> None:
        for raw in rows:
            report, decided = await run_row(raw, ctx, policy, decide, analyzer_time)
            kind = raw["kind"]
            problems = [f for f in report.findings() if f.status in PROBLEM]
            domain_flags = sorted({f.code for f in problems if f.code.startswith("domain.")})
            if kind == "real_domain":
                good = found = not domain_flags
            elif kind == "free_mail":
                good = found = any(f.code.startswith("email.free_mail") for f in problems)
                decisions[(raw["company"], "free_mail")] = decided
            else:
                found = bool(domain_flags)
                good = found and (decided is None or decided in SEVERE)
                decisions.setdefault((raw["company"], "lookalike"), decided)
            total[kind] += 1
            ok[kind] += good
            finding_ok[kind] += found
            if not good:
                codes = sorted({f"{f.code}:{f.severity.value}" for f in problems})
                misses[kind].append(f"  {raw['company'][:40]!r:42} {raw['email'] or raw['site']:40} {decided} {codes}")

    asyncio.run(run_all())
    elapsed = time.perf_counter() - started
    lookalike_kinds = sorted(k for k in total if k not in ("real_domain", "free_mail"))
    mode = "decision computed" if decide else "NO decision in this engine: 'caught' = a domain.* finding flagged only"
    print(f"{path.name}: {len(rows)} rows in {elapsed:.1f} s; {mode}")
    analyzer_time = sorted(analyzer_time[1:])
    n = len(analyzer_time)
    print(f"consistency analyzer per check (CPU time, first check warms the caches): mean {1000 * sum(analyzer_time) / n:.3f} ms, "
          f"p50 {1000 * analyzer_time[n // 2]:.3f} ms, p99 {1000 * analyzer_time[int(n * 0.99)]:.3f} ms")
    print(f"{'kind':15} {'ok':>5} {'of':>5} {'rate':>7}   (finding only)")
    for kind in lookalike_kinds + ["real_domain", "free_mail"]:
        print(f"  {kind:13} {ok[kind]:5} {total[kind]:5} {100 * ok[kind] / total[kind]:6.1f}%"
              f"   {100 * finding_ok[kind] / total[kind]:6.1f}%")
    hit, all_ = sum(ok[k] for k in lookalike_kinds), sum(total[k] for k in lookalike_kinds)
    worst = min(lookalike_kinds, key=lambda k: ok[k] / total[k]) if lookalike_kinds else ""
    print(f"look-alikes caught: {hit}/{all_} = {100 * hit / max(all_, 1):.1f}% (target >= 90%); "
          f"worst kind {worst} {100 * ok[worst] / max(total[worst], 1):.1f}% (target >= 75%)")
    for label, kind, target in (("real domains clean", "real_domain", 98), ("free mail flagged", "free_mail", 98)):
        print(f"{label}: {ok[kind]}/{total[kind]} = {100 * ok[kind] / max(total[kind], 1):.1f}% (target >= {target}%)")
    if decide:
        rank = {"proceed": 0, "safe_terms": 1, "verify_first": 2, "stop": 3}
        pairs = [(c, decisions[(c, "lookalike")], decisions[(c, "free_mail")]) for (c, k) in decisions
                 if k == "free_mail" and (c, "lookalike") in decisions]
        worse = [p for p in pairs if rank.get(p[1] or "", 0) < rank.get(p[2] or "", 0)]
        print(f"look-alike at least as severe as free mail: {len(pairs) - len(worse)}/{len(pairs)}")
        for company, look, free in worse[: args.misses]:
            print(f"  {company!r}: look-alike {look} < free mail {free}")
    for kind in lookalike_kinds + ["real_domain", "free_mail"]:
        if misses[kind] and args.misses:
            print(f"misses {kind} ({len(misses[kind])}):")
            print("\n".join(misses[kind][: args.misses]))


if __name__ == "__main__":
    main()

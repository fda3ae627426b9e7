"""Impersonation benchmark: does the offline consistency analyzer catch a fake 'well-known buyer'?

    python benchmarks/impersonation.py [../shared/eval/impersonation_dev.csv]

Each row is a check with only the bundled data (no network, no online source): the email and site
of a buyer claiming a well-known company. Prints, per kind, how many rows came out as expected:
look-alike kinds should raise `domain.lookalike` (target >= 90%), `free_mail` should raise
`email.free_mail_for_company` (>= 95%), `real_domain` should raise neither (>= 97%).
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks.analyzers.consistency import ConsistencyAnalyzer  # noqa: E402
from checks.engine import CheckContext, subject_of  # noqa: E402
from checks.models import Report  # noqa: E402
from checks.request import CheckRequest  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "impersonation_dev.csv"
DOMAIN_FLAGS = {"domain.lookalike", "domain.other_company", "domain.mismatch", "domain.not_official"}


def run_row(row: dict[str, str]) -> set[str]:
    request = CheckRequest(company=row["company"], email=row["email"] or None, site=row["site"] or None)
    report = Report(subject=subject_of(request))
    ConsistencyAnalyzer().analyze(request, report, CheckContext.for_lang("en"))
    return {f.code for f in report.findings() if f.is_problem}


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    ok: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: list[str] = []
    started = time.perf_counter()
    for row in rows:
        codes = run_row(row)
        kind = row["kind"]
        if kind == "real_domain":
            good = not (codes & DOMAIN_FLAGS)
        elif kind == "free_mail":
            good = "email.free_mail_for_company" in codes
        else:
            good = "domain.lookalike" in codes
        total[kind] += 1
        ok[kind] += good
        if not good:
            misses.append(f"  {kind:12} {row['company']!r} {row['email']} -> {sorted(codes)}")
    elapsed = time.perf_counter() - started
    groups = {
        "look-alikes flagged (target >= 90%)": [k for k in total if k not in ("real_domain", "free_mail")],
        "free mail for the company flagged (target >= 95%)": ["free_mail"],
        "real domain left unflagged (target >= 97%)": ["real_domain"],
    }
    print(f"{path.name}: {len(rows)} rows in {elapsed * 1000:.0f} ms ({elapsed / max(len(rows), 1) * 1000:.2f} ms/row)")
    for kind in sorted(total):
        print(f"  {kind:12} {ok[kind]:4}/{total[kind]:<4} {100 * ok[kind] / total[kind]:6.1f}%")
    for label, kinds in groups.items():
        hit, all_ = sum(ok[k] for k in kinds), sum(total[k] for k in kinds)
        print(f"{label}: {hit}/{all_} = {100 * hit / max(all_, 1):.1f}%")
    if misses:
        print("misses:")
        print("\n".join(misses[:40]))


if __name__ == "__main__":
    main()

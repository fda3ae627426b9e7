"""Screening quality and speed, printed side by side with a plain baseline.

Run by hand: ``python benchmarks/screening.py [--eval FILE] [--no-baseline] [--no-speed]``.

Quality on the labelled set (default /work/shared/eval/screening_dev.csv): recall per kind of variant
(the target entry is among the reported matches) and false alerts per 1,000 clean names (any match on a
`clear` row), persons and companies apart. Baseline: rapidfuzz WRatio >= 90 against every listed name,
which is what simple screening bots do. Speed: index build time and memory, one-query p50/p99 latency,
throughput of a 10,000-name batch. Everything runs on one core (the baseline may use all cores).
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks.screening.index import Index  # noqa: E402
from checks.screening.matcher import Matcher, Query  # noqa: E402
from checks.watchlists import load_all  # noqa: E402

DEFAULT_EVAL = Path("/work/shared/eval/screening_dev.csv")
DEFAULT_EVALS = [DEFAULT_EVAL, DEFAULT_EVAL.parent / "screening_dev_v2.csv"]


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def evaluate(rows: list[dict[str, str]], found: list[set[str]] | list[dict[str, str]]) -> dict[str, tuple[int, int]]:
    """kind -> (successes, total): for hit rows the target found, for clear rows any alert."""
    result: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row, keys in zip(rows, found, strict=True):
        kind = row["kind"]
        result[kind][1] += 1
        if row["expect"] == "hit":
            result[kind][0] += row["target"] in keys
        else:
            result[kind][0] += bool(keys)
    return {kind: (a, b) for kind, (a, b) in result.items()}


def print_strength(rows: list[dict[str, str]], graded: list[dict[str, str]]) -> None:
    """Per kind: for hit rows the share whose target is found strong / only possible; for clean rows
    strong and possible alerts per 1,000 (a row counts once, under its strongest match)."""
    print(f"\n{'kind':28} {'n':>5} {'strong':>12} {'possible':>12} {'any':>12}")
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row, found in zip(rows, graded, strict=True):
        counts = kinds[row["kind"]]
        counts[2] += 1
        if row["expect"] == "hit":
            grade = found.get(row["target"])
        else:
            grade = "strong" if "strong" in found.values() else ("possible" if found else None)
        if grade == "strong":
            counts[0] += 1
        elif grade == "possible":
            counts[1] += 1
    for kind in sorted(kinds, key=lambda k: (k.endswith("_clear"), k)):
        strong, possible, n = kinds[kind]
        if kind.endswith("_clear"):
            cells = [f"{1000 * v / n:8.1f}/1000" for v in (strong, possible, strong + possible)]
        else:
            cells = [f"{v / n:12.3f}" for v in (strong, possible, strong + possible)]
        print(f"{kind:28} {n:5d} {cells[0]:>12} {cells[1]:>12} {cells[2]:>12}")


def baseline(rows: list[dict[str, str]], entities) -> list[set[str]]:
    from rapidfuzz import fuzz, process, utils

    names, owners = [], []
    for entity in entities:
        for name in entity.names:
            names.append(utils.default_process(name.value))
            owners.append(f"{entity.source}:{entity.source_id}")
    found: list[set[str]] = []
    for row in rows:
        query = utils.default_process(row["query"])
        hits = process.extract(query, names, scorer=fuzz.WRatio, processor=None, score_cutoff=90, limit=None)
        found.append({owners[i] for _, _, i in hits})
    return found


def print_quality(rows, ours, base) -> None:
    mine = evaluate(rows, ours)
    theirs = evaluate(rows, base) if base is not None else {}
    print(f"\n{'kind':28} {'n':>5} {'tradecheck':>12} {'baseline':>12}")
    for kind in sorted(mine, key=lambda k: (k.endswith("_clear"), k)):
        a, n = mine[kind]
        if kind.endswith("_clear"):
            ours_text = f"{1000 * a / n:8.1f}/1000"
            base_text = f"{1000 * theirs[kind][0] / n:8.1f}/1000" if kind in theirs else "-"
        else:
            ours_text = f"{a / n:12.3f}"
            base_text = f"{theirs[kind][0] / n:12.3f}" if kind in theirs else "-"
        print(f"{kind:28} {n:5d} {ours_text:>12} {base_text:>12}")
    hits = [k for k in mine if not k.endswith("_clear")]
    total = sum(mine[k][0] for k in hits), sum(mine[k][1] for k in hits)
    line = f"{'recall, all kinds':28} {total[1]:5d} {total[0] / total[1]:12.3f}"
    if theirs:
        line += f" {sum(theirs[k][0] for k in hits) / total[1]:12.3f}"
    print(line)


EXTRA = DEFAULT_EVAL.parent / "sources" / "people"


def extra(matcher: Matcher, show: int) -> None:
    rows = list(csv.DictReader((EXTRA / "un_benchmark_variants.csv").open(encoding="utf-8")))
    found = 0
    misses = []
    for row in rows:
        keys = {f"{m.entity.source}:{m.entity.source_id}" for m in matcher.screen(Query(row["query_name_treated"]))}
        if f"un_sc:{row['un_reference_number']}" in keys:
            found += 1
        else:
            misses.append((row["query_name_treated"], row["untreated_name"]))
    print(f"\nUN benchmark variants (yente treatments: typos, reordering, non-ASCII replaced): recall "
          f"{found / len(rows):.3f} of {len(rows)}")
    for query, listed in misses[:show]:
        print(f"  miss {query!r} listed {listed!r}")
    for name, limit in (("negatives_global.csv", 7000), ("negatives_us.csv", 3000)):
        people = list(csv.DictReader((EXTRA / name).open(encoding="utf-8")))
        random.seed(11)
        sample = random.sample(people, limit)
        alerts = [(p["full_name"], matcher.screen(Query(p["full_name"]))) for p in sample]
        alerts = [(q, m) for q, m in alerts if m]
        print(f"{name}: {1000 * len(alerts) / limit:.1f} false alerts per 1,000 ({len(alerts)} of {limit}, untyped queries)")
        for query, matches in alerts[:show]:
            print(f"  alert {query!r} -> {matches[0].name!r} {matches[0].score}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, action="append",
                        help="labelled CSV (repeatable); default: screening_dev.csv and screening_dev_v2.csv")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--show-misses", type=int, default=0, help="print up to N misses and false alerts")
    parser.add_argument("--extra", action="store_true",
                        help="also measure on data the rules were never looked at with: UN benchmark variants "
                             "(recall) and 10,000 synthetic persons from yente's negatives (false alerts)")
    args = parser.parse_args(argv)
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core for our timings
        one_core = True
    except (AttributeError, OSError):
        one_core = False

    gc.collect()
    rss_before = rss_mb()
    started = time.perf_counter()
    loaded = load_all()
    load_seconds = time.perf_counter() - started
    entities = [e for item in loaded for e in item.entities]
    index = Index.build(entities)
    gc.collect()
    rss_after = rss_mb()
    matcher = Matcher(index)
    print(f"lists: {', '.join(f'{i.info.source} {i.info.count} ({i.info.as_of})' for i in loaded)}")
    print(f"load (decompress + parse): {load_seconds:.2f} s; index build: {index.build_seconds:.2f} s "
          f"for {len(index.names)} names, {len(index.words)} words; memory: process RSS +{rss_after - rss_before:.0f} MB "
          f"for the loaded lists and the index; one core: {one_core}")
    import tempfile

    from checks.screening.service import _read_cache, _write_cache
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "screening-index-bench.index"
        _write_cache(path, index, [item.info for item in loaded])
        started = time.perf_counter()
        cached = _read_cache(path)
        assert cached is not None
        Matcher(cached[0])  # opened, and its first query answered
        print(f"start-up from the index cache (memory-mapped, {path.stat().st_size / 2**20:.0f} MB): "
              f"{time.perf_counter() - started:.2f} s")

    def query_of(row):
        return Query(row["query"], type=None)

    all_rows: list[dict[str, str]] = []
    for eval_path in args.eval or DEFAULT_EVALS:
        rows = list(csv.DictReader(eval_path.open(encoding="utf-8")))
        all_rows += rows
        graded = [{f"{m.entity.source}:{m.entity.source_id}": getattr(m, "strength", "strong")
                   for m in matcher.screen(query_of(row))} for row in rows]
        ours = [set(found) for found in graded]
        base = None
        if not args.no_baseline:
            started = time.perf_counter()
            base = baseline(rows, entities)
            print(f"baseline: {time.perf_counter() - started:.1f} s for {len(rows)} queries")
        print(f"\n== {eval_path.name}")
        print_quality(rows, ours, base)
        print_strength(rows, graded)
        show_misses(args.show_misses, rows, ours, matcher, query_of)
    rows = all_rows
    if args.extra:
        extra(matcher, args.show_misses)
    speed(args, rows, matcher)
    return 0


def show_misses(count: int, rows, ours, matcher, query_of) -> None:
    if count:
        shown = 0
        for row, keys in zip(rows, ours, strict=True):
            wrong = (row["expect"] == "hit" and row["target"] not in keys) or (row["expect"] == "clear" and keys)
            if wrong and shown < count:
                shown += 1
                matches = matcher.screen(query_of(row))
                print(f"  {row['kind']:24} {row['query']!r:50} listed={row['listed_name']!r} got="
                      f"{[(m.name, m.score, getattr(m, 'strength', '')) for m in matches[:2]]}")


def speed(args, rows, matcher) -> None:
    if not args.no_speed:
        queries = [row["query"] for row in rows]
        random.seed(7)
        sample = random.sample(queries, min(2000, len(queries)))
        timings, cpu = [], []
        for text in sample:
            started, started_cpu = time.perf_counter(), time.thread_time()
            matcher.screen(Query(text))
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        timings.sort()
        cpu.sort()

        def pct(values: list[float], share: float) -> float:
            return values[max(0, int(len(values) * share) - 1)]

        batch = [random.choice(queries) for _ in range(10_000)]
        started, started_cpu = time.perf_counter(), time.process_time()
        for text in batch:
            matcher.screen(Query(text))
        elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"\none query (wall clock): p50 {statistics.median(timings):.2f} ms, p99 {pct(timings, 0.99):.2f} ms, "
              f"max {timings[-1]:.2f} ms ({len(sample)} queries)")
        print(f"one query (CPU time):   p50 {statistics.median(cpu):.2f} ms, p99 {pct(cpu, 0.99):.2f} ms")
        print(f"batch of 10,000 names: {elapsed:.2f} s wall = {10_000 / elapsed:.0f} names/s; "
              f"{elapsed_cpu:.2f} s CPU = {10_000 / elapsed_cpu:.0f} names/s per core (load average {load:.1f})")


if __name__ == "__main__":
    raise SystemExit(main())

"""Start-up cost of one-shot commands: wall time, CPU time and peak memory of each, median of several runs.

Run by hand: ``python benchmarks/startup.py [--runs 5] [--cold-runs 3] [--only check-no-store ...]``.

Every command runs as its own process (`tradecheck ...` from this interpreter's environment); its peak
memory is the child's maximum resident set size (`os.wait4`), its CPU time user + system (steadier than
wall time on a busy machine). "warm" runs share one index cache folder filled beforehand; "cold" runs
each get an empty one (the sanctions index is built from the lists and written). Storing checks write
to SQLite files in a temporary folder, never the user's database: "check-store (new db)" gives each run
a fresh file (it creates the schema through the migrations, as a user's very first check does), "check-store
(existing db)" reuses one made beforehand (a user's every later check). Children run with Python's
bytecode cache on (PYTHONDONTWRITEBYTECODE removed), as an installed command does; a first run fills it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NAME = "ACME Ltd"
COMMANDS: dict[str, list[str]] = {
    "check-no-store": ["check", "--offline", "--no-store", NAME],
    "check-store-new-db": ["check", "--offline", NAME],
    "check-store-existing-db": ["check", "--offline", NAME],
    "screen": ["screen", NAME],
    "help": ["--help"],
}
LABELS = {"check-store-new-db": "check-store (new db)", "check-store-existing-db": "check-store (existing db)"}
# commands also run with a cold index cache (the existing-db check would only repeat the new-db one's index build)
USES_INDEX = {"check-no-store", "check-store-new-db", "screen"}
EXISTING_DB = "check-store-existing-db"  # runs share one database, made (schema and a first case) beforehand


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float
    code: int


SOURCE: Path | None = None  # --source: run `python -m bot.cli` from this checkout instead (e.g. an older commit)


def tradecheck() -> list[str]:
    script = Path(sys.executable).with_name("tradecheck")
    return [str(script)] if script.exists() and SOURCE is None else [sys.executable, "-m", "bot.cli"]


def run_once(args: list[str], env: dict[str, str]) -> Run:
    started = time.perf_counter()
    child = subprocess.Popen([*tradecheck(), *args], env=env, cwd=SOURCE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode:
        print(f"  {' '.join(args)} exited {child.returncode}: {error.strip()[-300:]}", file=sys.stderr)
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale / 2**20, child.returncode)


def environment(cache: Path, data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TRADECHECK_INDEX_CACHE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user runs it: compiled modules cached (else ~0.5 s more)
    env["XDG_CACHE_HOME"] = str(cache)
    env["XDG_DATA_HOME"] = str(data)
    env["DATABASE_URL"] = f"sqlite:///{data / 'tradecheck.db'}"
    return env


def measure(name: str, runs: int, cold: bool, base: Path) -> list[Run]:
    results = []
    for attempt in range(runs):
        cache = base / (f"cold-{name}-{attempt}" if cold else "warm")
        data = base / ("data-existing" if name == EXISTING_DB else f"data-{name}-{'cold' if cold else 'warm'}-{attempt}")
        data.mkdir(parents=True, exist_ok=True)
        results.append(run_once(COMMANDS[name], environment(cache, data)))
        if cold:
            shutil.rmtree(cache, ignore_errors=True)
    return results


def report(name: str, label: str, runs: list[Run]) -> None:
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    peak = statistics.median(r.peak_mb for r in runs)
    failed = sum(1 for r in runs if r.code)
    note = f"  ({failed} failed)" if failed else ""
    print(f"{LABELS.get(name, name):26s} {label:5s} {len(runs):4d} {wall:8.2f} {cpu:8.2f} {peak:9.0f}{note}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs per command (default 5)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold-cache runs per index command (default 3; 0 skips)")
    parser.add_argument("--only", nargs="*", choices=sorted(COMMANDS), help="commands to measure (default all)")
    parser.add_argument("--source", type=Path, help="a checkout to run instead of the installed package")
    args = parser.parse_args(argv)
    global SOURCE
    SOURCE = args.source.resolve() if args.source else None
    names = args.only or list(COMMANDS)
    with tempfile.TemporaryDirectory(prefix="tradecheck-startup-") as folder:
        base = Path(folder)
        data = base / "data-fill"
        data.mkdir()
        run_once(COMMANDS["screen"], environment(base / "warm", data))  # fill the warm index cache
        existing = base / "data-existing"
        existing.mkdir()
        if run_once(COMMANDS[EXISTING_DB], environment(base / "warm", existing)).code:
            print("could not make the existing database", file=sys.stderr)
        print(f"{sys.platform}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; median of runs")
        print(f"{'command':26s} {'cache':5s} {'runs':>4s} {'wall s':>8s} {'cpu s':>8s} {'peak MB':>9s}")
        for name in names:
            report(name, "warm", measure(name, args.runs, False, base))
            if name in USES_INDEX and args.cold_runs > 0:
                report(name, "cold", measure(name, args.cold_runs, True, base))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

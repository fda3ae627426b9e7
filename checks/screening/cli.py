"""`tradecheck screen` and `tradecheck lists` (wired into the tradecheck CLI by bot/cli.py).

screen NAME... | --file CSV [--json] [--type company|person] [--country CC] [--lang en|zh]
  Each NAME argument is one name (quote names with spaces). The CSV has a header with `name` and
  optionally `type` (company|person) and `country`. With --json: one JSON object per input name, in
  order: {"query", "hit", "matches": [{"source", "source_id", "name", "score", "list", "reasons", "strength"}]},
  strength is "strong" (every distinctive listed word found, nothing contradicts) or "possible".
  matches at or above the alert threshold only, best first. Exit status 0 when screening ran (hit or
  not), 2 on bad usage or an unreadable file.
lists update [--source KEY]... | lists status
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TextIO

from .. import countries
from ..config import get_settings
from ..i18n import normalize_lang, translator
from ..watchlists.store import SOURCE_KEYS, SPECS, age_days, list_dates, resolve_lists_dir
from .explain import list_label, reasons
from .matcher import ALERT_THRESHOLD, Query
from .service import Screener, ScreeningService

TYPES = {"company": "company", "organization": "company", "org": "company", "entity": "company",
         "person": "person", "individual": "person"}


def _read_text(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030: what Excel on a Chinese Windows saves as "CSV"."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _queries_from_csv(path: Path) -> Iterator[Query]:
    with io.StringIO(_read_text(path), newline="") as stream:
        reader = csv.DictReader(stream)
        fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
        if "name" not in fields:
            raise ValueError(f"{path}: the header has no `name` column")
        for row in reader:
            def get(key: str, row: dict[str, str | None] = row) -> str:
                column = fields.get(key)
                return (row.get(column) or "").strip() if column else ""
            yield Query(get("name"), type=TYPES.get(get("type").lower()), country=countries.to_code(get("country")))


def screen_main(argv: list[str], out: TextIO | None = None, screener: Screener | None = None) -> int:
    """`screener`: screen with these lists (tests); by default the lists of TRADECHECK_LISTS_DIR, read
    from the index cache file (or built and written once)."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="tradecheck screen", description="Screen names against sanctions lists.")
    parser.add_argument("names", nargs="*", metavar="NAME", help="one name per argument (quote names with spaces)")
    parser.add_argument("--file", type=Path, help="CSV with a `name` column, optional `type` and `country`")
    parser.add_argument("--json", action="store_true", help="one JSON object per name")
    parser.add_argument("--type", choices=["company", "person"], help="type of the NAME arguments")
    parser.add_argument("--country", help="country of the NAME arguments (code or name)")
    parser.add_argument("--lang", help="language of the reasons: en or zh")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not args.names and not args.file:
        parser.print_usage(sys.stderr)
        print("tradecheck screen: give NAME... or --file CSV", file=sys.stderr)
        return 2
    settings = get_settings()
    t = translator(normalize_lang(args.lang or settings.tradecheck_lang))
    queries: list[Query] = [Query(n, type=args.type, country=countries.to_code(args.country)) for n in args.names]
    if args.file:
        try:
            queries += list(_queries_from_csv(args.file))
        except (OSError, ValueError, UnicodeDecodeError, csv.Error) as exc:
            print(f"tradecheck screen: {exc}", file=sys.stderr)
            return 2
    screener = screener or ScreeningService(settings.lists_dir).screener()
    if not args.json:
        print(t("screening.cli.lists_header", lists=", ".join(f"{i.source} {i.as_of}" for i in screener.lists)), file=out)
    for query in queries:
        matches = screener.screen(query) if query.text.strip() else []
        if args.json:
            record = {
                "query": query.text,
                "hit": bool(matches),
                "matches": [
                    {"source": m.entity.source, "source_id": m.entity.source_id, "name": m.name, "score": m.score,
                     "list": list_label(m), "reasons": reasons(m, query, t), "strength": m.strength}
                    for m in matches
                ],
            }
            print(json.dumps(record, ensure_ascii=False), file=out)
            continue
        if not matches:
            print(f"CLEAR  {query.text}: {t('screening.cli.clear', threshold=ALERT_THRESHOLD)}", file=out)
            continue
        print(f"HIT    {query.text}: {t('screening.cli.hit', count=len(matches))}", file=out)
        for m in matches:
            print(f"  {m.score:.3f}  {m.name}  [{list_label(m)}, {m.entity.source}:{m.entity.source_id}] "
                  f"{t('screening.strength.' + m.strength)}", file=out)
            if m.entity.url:
                print(f"         {m.entity.url}", file=out)
            for line in reasons(m, query, t):
                print(f"         - {line}", file=out)
    return 0


def lists_main(argv: list[str], out: TextIO | None = None,
               on_updated: Callable[[list[str]], str | None] | None = None) -> int:
    """`on_updated(sources)` runs after an update that changed at least one list (the bot passes its
    re-screening of watched cases there; this engine knows nothing of cases); what it returns is printed."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="tradecheck lists", description="Update or show the sanctions lists.")
    sub = parser.add_subparsers(dest="command")
    update = sub.add_parser("update", help="download the current lists from their official addresses")
    from ..trade_remedies.update import KEYS as TRADE_REMEDY_KEYS

    update.add_argument("--source", action="append", choices=list(SOURCE_KEYS) + list(TRADE_REMEDY_KEYS),
                        help="only this list (repeatable)")
    sub.add_parser("status", help="each list's date, count and age")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    settings = get_settings()
    if args.command == "update":
        from ..trade_remedies.update import update_trade_remedies
        from ..watchlists.update import update_lists

        wanted = args.source or list(SOURCE_KEYS) + list(TRADE_REMEDY_KEYS)
        sanctions = [key for key in wanted if key in SOURCE_KEYS]
        remedies = [key for key in wanted if key in TRADE_REMEDY_KEYS]
        results = update_lists(settings.lists_dir, sanctions) if sanctions else []
        results += update_trade_remedies(settings.lists_dir, remedies) if remedies else []
        for result in results:
            extra = f"{result.count} entries, as of {result.as_of}" if result.status in ("updated", "unchanged") else result.detail
            print(f"{result.source:13} {result.status:9} {extra}", file=out)
        # no loaded index to forget here: each screening service is its owner's (`on_updated` reloads the bot's)
        print(f"lists folder: {resolve_lists_dir(settings.lists_dir)}", file=out)
        changed = [result.source for result in results if result.status == "updated"]
        if changed and on_updated is not None:
            said = on_updated(changed)
            if said:
                print(said, file=out)
        return 0 if all(r.status in ("updated", "unchanged") for r in results) else 1
    if args.command == "status":
        infos = list_dates(settings.lists_dir)
        print(f"{'list':13} {'as of':10} {'entries':>8} {'age':>6}  origin", file=out)
        for key in SOURCE_KEYS:
            info = infos.get(key)
            if info is None:
                print(f"{key:13} {'-':10} {'-':>8} {'-':>6}  not loaded ({SPECS[key].title}: run `tradecheck lists update`)", file=out)
                continue
            days = age_days(info.as_of, date.today())
            stale = " STALE" if days is None or days > settings.list_max_age_days else ""
            print(f"{key:13} {info.as_of:10} {info.count:8d} {str(days) + 'd' if days is not None else '?':>6}  "
                  f"{info.origin}{stale}", file=out)
        from ..trade_remedies.store import load as load_trade_remedies

        for coverage in load_trade_remedies(settings.lists_dir).coverage.values():
            days = age_days(coverage.as_of, date.today())
            print(f"{'tr_' + coverage.jurisdiction.lower():13} {coverage.as_of:10} {'':>8} {str(days) + 'd':>6}  "
                  f"trade remedies: {coverage.source} ({'complete' if coverage.complete else 'partial'})", file=out)
        print(f"lists folder: {resolve_lists_dir(settings.lists_dir)}", file=out)
        return 0
    parser.print_usage(sys.stderr)
    return 2


if __name__ == "__main__":  # python -m checks.screening.cli screen|lists ...
    command, *rest = sys.argv[1:] or ["--help"]
    raise SystemExit(screen_main(rest) if command == "screen" else lists_main(rest))

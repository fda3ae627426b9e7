"""The newest good trade-remedy data: the bundled snapshot, with each downloaded part laid over it.

`tradecheck lists update` keeps each official download, normalised, in
``<lists_dir>/trade_remedies/<key>.json``; a download replaces the snapshot's measures from the same
source and dates that part of the jurisdiction's coverage. A damaged file is ignored (the snapshot
stays), never read as "no measures".
"""

from __future__ import annotations

import json
import logging
import lzma
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..watchlists.store import resolve_lists_dir
from . import parse
from .build import SNAPSHOT
from .model import Measure, Snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpdateSpec:
    key: str
    jurisdiction: str
    source: str  # the Measure.source it replaces
    url: str
    parse: Callable[[bytes], list[Measure]]
    complete: bool = False  # the download alone is the jurisdiction's complete list
    also_replaces: tuple[str, ...] = ()  # further Measure.source values the download replaces
    pages: bool = False  # `url` is a list of links to follow, not the file itself (see update.py)
    bundled_parts: tuple[tuple[str, str], ...] = ()  # bundled data the download is joined to, with its date
    cases_only: bool = False  # count only measures with a case when checking a download did not shrink

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source, *self.also_replaces)


UK_LIVE_CODES = Path(__file__).resolve().parent / "data" / "uk_live_codes_2026-08.txt"


@lru_cache(maxsize=1)
def uk_live_codes() -> tuple[str, ...]:
    """The UK tariff's codes carrying a live trade-remedy measure (census of 28 Aug 2026, bundled)."""
    return tuple(parse.parse_uk_codes(UK_LIVE_CODES.read_bytes()))


def parse_uk_download(data: bytes) -> list[Measure]:
    return parse.parse_uk_register(data, uk_live_codes())


SPECS: dict[str, UpdateSpec] = {
    "tr_ca_cbsa": UpdateSpec("tr_ca_cbsa", "CA", "CBSA SIMA measures in force", parse.CBSA_MENU, parse.parse_ca_html,
                          complete=True),
    "tr_eu_tron": UpdateSpec("tr_eu_tron", "EU", "EU TRON ongoing cases", parse.TRON_ONGOING, parse.parse_eu_tron),
    "tr_us_usitc": UpdateSpec("tr_us_usitc", "US", "USITC AD/CVD orders in place", parse.USITC_ORDERS,
                              parse.parse_us_orders),
    "tr_uk_tra": UpdateSpec("tr_uk_tra", "GB", "UK Trade Remedies Authority case register + UK Trade Tariff",
                            parse.TRA_PUBLIC_FILE, parse_uk_download,
                            also_replaces=("UK Trade Tariff (live trade-remedy measure types 551-555, 561-566, "
                                           "570, 690, 696)",), pages=True, cases_only=True,
                            bundled_parts=(("UK Trade Tariff live trade-remedy codes (bundled census)", "2026-08-28"),)),
}


def counted(spec: UpdateSpec, measures: list[Measure]) -> int:
    """How many measures a download is compared on: for the UK only those with a TRA case, since live
    codes no case explains are filled in as 'origin not stated' and would hide a shrunk register."""
    return sum(1 for m in measures if m.case or not spec.cases_only)


def folder(lists_dir: Path | None) -> Path:
    return resolve_lists_dir(lists_dir) / "trade_remedies"


def read_download(lists_dir: Path | None, key: str) -> dict | None:
    """The last good download of one source: {as_of, count, fetched_at, measures}, or None."""
    try:
        record = json.loads((folder(lists_dir) / f"{key}.json").read_text(encoding="utf-8"))
        record["measures"] = [Measure.model_validate(m) for m in record["measures"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if record["measures"] else None


@lru_cache(maxsize=1)
def bundled() -> Snapshot:
    return Snapshot.model_validate_json(lzma.decompress(SNAPSHOT.read_bytes()))


def _fingerprint(lists_dir: Path | None) -> tuple[tuple[str, int], ...]:
    out = []
    for key in SPECS:
        try:
            out.append((key, (folder(lists_dir) / f"{key}.json").stat().st_mtime_ns))
        except OSError:
            out.append((key, 0))
    return tuple(out)


def load(lists_dir: Path | None = None) -> Snapshot:
    """The snapshot with every good download laid over it (cached until a download changes)."""
    return _load(str(resolve_lists_dir(lists_dir)), _fingerprint(lists_dir))


@lru_cache(maxsize=4)
def _load(lists_dir: str, fingerprint: tuple[tuple[str, int], ...]) -> Snapshot:
    snapshot = bundled().model_copy(deep=True)
    for key, spec in SPECS.items():
        record = read_download(Path(lists_dir), key)
        if record is None:
            continue
        snapshot.measures = [m for m in snapshot.measures
                             if not (m.jurisdiction == spec.jurisdiction and m.source in spec.sources)]
        snapshot.measures += record["measures"]
        coverage = snapshot.coverage.get(spec.jurisdiction)
        if coverage is not None:
            parts = {**coverage.parts, **dict(spec.bundled_parts), spec.source: str(record.get("as_of") or "")}
            snapshot.coverage[spec.jurisdiction] = coverage.model_copy(
                update={"parts": parts, "as_of": min(v for v in parts.values() if v)})
    return snapshot

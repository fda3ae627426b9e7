"""Build the bundled snapshot from the collected source files (../shared/trade_remedies).

    python -m checks.trade_remedies.build /work/shared/trade_remedies

writes `checks/trade_remedies/data/snapshot.json.xz`: every measure normalised (`Measure`) and, per
jurisdiction, its as-of date, whether it is complete, and what it leaves out. Only the files named
here are read (see SOURCES.md there: public repositories are full of invented AD/CVD tables).
"""

from __future__ import annotations

import lzma
import sys
from datetime import UTC, datetime
from pathlib import Path

from . import parse
from .model import Coverage, Measure, Snapshot

DATA_DIR = Path(__file__).parent / "data"
SNAPSHOT = DATA_DIR / "snapshot.json.xz"

FILES = {
    "ca": "ca_cbsa_sima_measures_in_force_2026-08.json",
    "uk_codes": "uk_tariff_trade_remedy_commodity_codes_2026-08.txt",
    "uk_cases": "uk_tra_case_register_2026-08.jsonl",
    "eu_flags": "eu_taric_china_adcvd_flags_hs6_ch72-73_2026-09.csv",
    "eu_tron": "eu_tron_ongoing_cases_2026-08.json",
    "eu_summary": "eu_taric_duty_summary_by_origin_2026-09.csv",
    "us_orders": "us_usitc_adcvd_orders_in_place_2020-08.csv",
    "us_itip": "us_wto_itip_us_antidumping_export_2020-09.csv",
    "co": "co_mincit_ad_safeguard_measures_2025-03.csv",
}

# What each collected file is as of (SOURCES.md), and what it leaves out.
COVERAGE = {
    "CA": Coverage(jurisdiction="CA", name="Canada", as_of="2026-08-28", complete=True,
                   source="CBSA SIMA measures in force", url=parse.CBSA_MENU,
                   parts={"CBSA SIMA measures in force": "2026-08-28"},
                   scope="All SIMA measures in force (anti-dumping, countervailing, undertakings), every origin."),
    "GB": Coverage(jurisdiction="GB", name="United Kingdom", as_of="2026-08-27", complete=False,
                   source="UK Trade Tariff live trade-remedy codes + TRA case register",
                   url="https://www.trade-tariff.service.gov.uk/",
                   scope="Commodity codes carrying a live trade-remedy measure (origin not stated) and the TRA "
                         "case register (92 cases); measures carried over from the EU without a TRA case show "
                         "as 'origin not stated'."),
    "EU": Coverage(jurisdiction="EU", name="European Union", as_of="2026-08-28", complete=False,
                   source="EU TARIC AD/CVD flags (HS6, chapters 72-73) + TRON ongoing cases",
                   url="https://tron.trade.ec.europa.eu/investigations/ongoing",
                   scope="Anti-dumping/countervailing flags for chapters 72-73 only (TARIC, 29 Sep 2026) and "
                         "ongoing proceedings (TRON, 28 Aug 2026, no CN codes). Other chapters: not checked.",
                   hs_chapters=["72", "73"],
                   parts={"EU TARIC anti-dumping/countervailing flags (HS6)": "2026-09-29",
                          "EU TRON ongoing cases": "2026-08-28"}),
    "US": Coverage(jurisdiction="US", name="United States", as_of="2020-08-26", complete=False,
                   source="USITC orders in place (Aug 2020) + WTO I-TIP US anti-dumping (Sep 2020)",
                   url="https://www.usitc.gov/trade_remedy/documents/orders.xls",
                   parts={"USITC AD/CVD orders in place": "2020-08-26", "WTO I-TIP (US anti-dumping measures)": "2020-09-10"},
                   scope="Data from 2020: orders imposed since then are missing and some listed ones have "
                         "been revoked. HS codes only for anti-dumping (I-TIP); countervailing orders by product "
                         "name only."),
    "CO": Coverage(jurisdiction="CO", name="Colombia", as_of="2025-03-16", complete=False,
                   source="Colombia MinCIT resolutions (hand-compiled list)", url=parse.MINCIT,
                   scope="Steel and aluminium lines only (HS 7210-7608); not a complete register.",
                   hs_chapters=["72", "73", "76"]),
}


def build(folder: Path) -> Snapshot:
    read = lambda key: (folder / FILES[key]).read_bytes()  # noqa: E731 - one line per file below
    measures: list[Measure] = []
    measures += parse.parse_ca_json(read("ca"))
    live = parse.parse_uk_codes(read("uk_codes"))
    cases = parse.parse_uk_cases(read("uk_cases"), live)
    measures += cases + parse.uk_code_measures(live, cases)
    measures += parse.parse_eu_flags(read("eu_flags")) + parse.parse_eu_tron(read("eu_tron"))
    orders = parse.parse_us_orders(read("us_orders"))
    measures += orders + parse.join_us(parse.parse_us_itip(read("us_itip")), orders)
    measures += parse.parse_co(read("co"))
    coverage = dict(COVERAGE)
    coverage["EU"] = coverage["EU"].model_copy(update={"origin_counts": parse.parse_eu_origin_counts(read("eu_summary"))})
    return Snapshot(built=datetime.now(UTC).date().isoformat(), coverage=coverage, measures=measures)


def write(snapshot: Snapshot, path: Path = SNAPSHOT) -> int:
    data = lzma.compress(snapshot.model_dump_json(exclude_none=True).encode("utf-8"), preset=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "../shared/trade_remedies")
    snapshot = build(folder)
    size = write(snapshot)
    counts: dict[str, int] = {}
    for measure in snapshot.measures:
        counts[measure.jurisdiction] = counts.get(measure.jurisdiction, 0) + 1
    print(f"{SNAPSHOT}: {size} bytes, {len(snapshot.measures)} measures {counts}")
    return 0


if __name__ == "__main__":  # pragma: no cover - a build script
    raise SystemExit(main(sys.argv[1:]))

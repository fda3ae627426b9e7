"""Rebuild `well_known_domains.json`, the bundled list of well-known company domains.

Run by hand when the source lists change (never at check time):
    python -m checks.data.build_well_known ../shared/eval/sources/companies/fortune500.csv

Inputs: the Fortune 500 list (UTF-16, with a `website` column) and `global_company_domains.yml`
(Forbes Global 2000 names outside the US with their domains). The output maps each registrable
domain to the names the company goes by, so the consistency analyzer can find the official domain
of the company a buyer claims to be, and spot look-alikes of any of them.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import yaml

from checks.domains import registrable_domain

HERE = Path(__file__).parent


def build(fortune500_csv: Path) -> dict[str, dict[str, list[str]]]:
    domains: dict[str, dict[str, list[str]]] = {}

    def add(domain: str | None, name: str, source: str) -> None:
        if not domain:
            return
        entry = domains.setdefault(domain, {"names": [], "sources": []})
        name = " ".join(name.split())
        if name and name not in entry["names"]:
            entry["names"].append(name)
        if source not in entry["sources"]:
            entry["sources"].append(source)

    with fortune500_csv.open(encoding="utf-16", newline="") as handle:
        for row in csv.DictReader(handle):
            add(registrable_domain(row.get("website") or ""), row.get("company_name") or "", "fortune500")
    curated = yaml.safe_load((HERE / "global_company_domains.yml").read_text(encoding="utf-8"))
    for domain, names in curated.items():
        for name in names:
            add(registrable_domain(domain), str(name), "forbes_global_2000")
    return dict(sorted(domains.items()))


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/eval/sources/companies/fortune500.csv")
    data = build(source)
    out = HERE / "well_known_domains.json"
    out.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(data)} domains -> {out}")


if __name__ == "__main__":
    main()

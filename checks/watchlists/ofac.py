"""OFAC's legacy CSV files: the SDN list (sdn/alt/add/sdn_comments.csv) and the non-SDN lists (cons_*.csv).

Quirks handled (all seen in the real files): no header row; `-0-` (with a trailing space) for empty;
a DOS end-of-file byte 0x1A after the last line of sdn.csv; remarks cut at about 1,000 characters and
continued in *_comments.csv; weak a.k.a.s only appear inside remarks, quoted: ``a.k.a. 'BNC'``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Mapping

from .common import clean, country_code, decode, unique
from .model import Entity, EntityType, Name, NameKind

SDN_FILES = ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
CONS_FILES = ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")
OFAC_DETAIL_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={id}"

_TYPES = {"individual": EntityType.PERSON, "vessel": EntityType.VESSEL, "aircraft": EntityType.AIRCRAFT}
_ALT_KINDS = {"aka": NameKind.AKA, "fka": NameKind.FKA, "nka": NameKind.AKA}
_WEAK_AKA_RE = re.compile(r"a\.k\.a\.,?\s+'([^']+)'")
_DOB_RE = re.compile(r"\bDOB ([^;]+)")
_NATIONALITY_RE = re.compile(r"\b(?:nationality|citizen) ([^;]+)")
_ID_RE = re.compile(
    r"((?:Passport|National ID No\.|Tax ID No\.|Registration Number|Registration ID|Legal Entity Number|"
    r"Identification Number|Cedula No\.|C\.U\.R\.P\.|R\.F\.C\.|NIT #|V\.A\.T\. Number|SWIFT/BIC|IMO|MMSI|"
    r"Business Registration Number|Company Number|D-U-N-S Number|Unified Social Credit Code \(USCC\)|"
    r"Commercial Registry Number|Aircraft Manufacturer's Serial Number \(MSN\)|Vessel Registration "
    r"Identification|Government Gazette Number|Business Number|Trade License No\.|Public Registration Number|"
    r"Chamber of Commerce Number|Folio Mercantil No\.|C\.R\. No\.|Digital Currency Address - \w+) [^;]+)"
)
_ESTABLISHED_RE = re.compile(r"Organization Established Date ([^;]+)")


def _rows(data: bytes) -> list[list[str]]:
    text = decode(data).replace("\x1a", "")  # the DOS EOF byte after sdn.csv's last line
    return [row for row in csv.reader(io.StringIO(text)) if row and any(cell.strip() for cell in row)]


def _parse(files: Mapping[str, bytes], names: tuple[str, str, str, str], source: str) -> list[Entity]:
    main, alt, add, comments = names
    extra_remarks: dict[str, str] = {}
    if comments in files:
        for row in _rows(files[comments]):
            if len(row) >= 2:
                extra_remarks[row[0].strip()] = extra_remarks.get(row[0].strip(), "") + clean(row[1])
    aliases: dict[str, list[Name]] = defaultdict(list)
    for row in _rows(files.get(alt, b"")):
        if len(row) >= 4 and clean(row[3]):
            kind = _ALT_KINDS.get(clean(row[2]).lower(), NameKind.AKA)
            aliases[row[0].strip()].append(Name(clean(row[3]), kind))
    addresses: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in _rows(files.get(add, b"")):
        if len(row) >= 5:
            text = ", ".join(part for part in (clean(row[2]), clean(row[3]), clean(row[4])) if part)
            addresses[row[0].strip()].append((text, clean(row[4])))

    entities: list[Entity] = []
    for row in _rows(files[main]):
        if len(row) < 12:
            row = row + [""] * (12 - len(row))
        ent_num = row[0].strip()
        if not ent_num.isdigit() or not clean(row[1]):
            continue
        remarks = clean(row[11])
        if ent_num in extra_remarks:
            remarks = remarks + extra_remarks[ent_num]
        entity_names = [Name(clean(row[1]), NameKind.PRIMARY), *aliases.get(ent_num, [])]
        known = {n.value.lower() for n in entity_names}
        for weak in _WEAK_AKA_RE.findall(remarks):
            if weak.lower() not in known:
                entity_names.append(Name(weak.strip(), NameKind.WEAK_AKA))
                known.add(weak.lower())
        entity_addresses = addresses.get(ent_num, [])
        country_texts = [c for _, c in entity_addresses if c]
        country_texts += [m.strip(" .") for m in _NATIONALITY_RE.findall(remarks)]
        codes = unique(code or text for text in country_texts for code in [country_code(text)])
        programs = [p.strip(" []") for p in re.split(r"\]\s*\[|;", clean(row[3])) if p.strip(" []")]
        established = _ESTABLISHED_RE.findall(remarks)
        entities.append(
            Entity(
                source=source,
                source_id=ent_num,
                type=_TYPES.get(clean(row[2]).lower(), EntityType.ORGANIZATION),
                names=entity_names,
                list_name="SDN" if source == "us_ofac_sdn" else "Non-SDN",
                countries=codes,
                addresses=unique(text for text, _ in entity_addresses),
                dates_of_birth=unique([d.strip(" .") for d in _DOB_RE.findall(remarks)] + established),
                identifiers=unique(m.strip(" .") for m in _ID_RE.findall(remarks)),
                programs=programs,
                remarks=remarks,
                url=OFAC_DETAIL_URL.format(id=ent_num),
            )
        )
    return entities


def parse_sdn(files: Mapping[str, bytes]) -> list[Entity]:
    """Entities of the SDN list from sdn.csv (required) and alt/add/sdn_comments.csv (optional)."""
    return _parse(files, SDN_FILES, "us_ofac_sdn")


def parse_cons(files: Mapping[str, bytes]) -> list[Entity]:
    """Entities of OFAC's consolidated non-SDN lists (SSI, NS-MBS, CMIC, PLC, FSE...)."""
    return _parse(files, CONS_FILES, "us_ofac_cons")

"""The UK Sanctions List (FCDO), XML: the only official UK list since OFSI closed its Consolidated List.

No real copy of this file is in the project's snapshot: this parser follows the published layout
described in SOURCES.md (one `Designation` per party: UniqueID, IndividualEntityShip, Names/Name with
Name1..Name6 and NameType, NonLatinNames, Addresses/Address, IndividualDetails, ShipDetails,
RegimeName, DateDesignated as dd/mm/yyyy...) and is tested on a small sample written by hand in that
layout (tests/checks/watchlists/samples/uk_sl_sample.xml). Check it against a real download first.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from .common import country_code, iso_date, unique
from .model import Entity, EntityType, Name, NameKind

UK_FILE = "uk_sl.xml"
UK_PAGE_URL = "https://www.gov.uk/government/publications/the-uk-sanctions-list"
_TYPES = {"individual": EntityType.PERSON, "entity": EntityType.ORGANIZATION, "ship": EntityType.VESSEL}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find_all(element: ET.Element, name: str) -> list[ET.Element]:
    return [node for node in element.iter() if _local(node.tag) == name]


def _text(element: ET.Element | None, name: str) -> str:
    if element is None:
        return ""
    for child in element:
        if _local(child.tag) == name:
            return " ".join((child.text or "").split())
    return ""


def _name(node: ET.Element) -> str:
    given = [_text(node, f"Name{i}") for i in range(1, 6)]
    return " ".join(p for p in [*given, _text(node, "Name6")] if p)


def parse_uk(files: Mapping[str, bytes]) -> list[Entity]:
    root = ET.fromstring(files[UK_FILE])
    entities: list[Entity] = []
    for element in _find_all(root, "Designation"):
        unique_id = _text(element, "UniqueID")
        entity_type = _TYPES.get(_text(element, "IndividualEntityShip").lower(), EntityType.ORGANIZATION)
        names: list[Name] = []
        for node in _find_all(element, "Name"):
            value = _name(node)
            if not value or any(n.value.lower() == value.lower() for n in names):
                continue
            is_primary = "primary" in _text(node, "NameType").lower()
            names.append(Name(value, NameKind.PRIMARY if is_primary else NameKind.AKA))
        for node in _find_all(element, "NameNonLatinScript"):
            value = " ".join((node.text or "").split())
            if value:
                names.append(Name(value, NameKind.AKA))
        if not unique_id or not names:
            continue
        names.sort(key=lambda n: n.kind is not NameKind.PRIMARY)
        addresses, country_texts = [], []
        for node in _find_all(element, "Address"):
            lines = [_text(node, f"AddressLine{i}") for i in range(1, 7)]
            country = _text(node, "AddressCountry")
            addresses.append(", ".join(p for p in [*lines, _text(node, "AddressPostalCode"), country] if p))
            country_texts.append(country)
        country_texts += [" ".join((n.text or "").split()) for n in _find_all(element, "Nationality")]
        dobs = [" ".join((n.text or "").split()) for n in _find_all(element, "DOB")]
        identifiers = [f"IMO {' '.join((n.text or '').split())}" for n in _find_all(element, "IMONumber")]
        identifiers += [" ".join((n.text or "").split()) for n in _find_all(element, "PassportNumber")]
        identifiers += [" ".join((n.text or "").split()) for n in _find_all(element, "NationalIdentifierNumber")]
        sanctions = [s.strip() for s in _text(element, "SanctionsImposed").split("|") if s.strip()]
        entities.append(
            Entity(
                source="uk_sl",
                source_id=unique_id,
                type=entity_type,
                names=names,
                list_name=f"UK {_text(element, 'RegimeName')}".strip(),
                countries=unique(code for text in country_texts for code in [country_code(text)] if code),
                addresses=[a for a in addresses if a],
                dates_of_birth=unique(d for d in dobs if d),
                identifiers=unique(i for i in identifiers if i.strip()),
                programs=unique([_text(element, "RegimeName"), *sanctions]),
                remarks=_text(element, "OtherInformation"),
                listed_on=iso_date(_text(element, "DateDesignated")),
                url=UK_PAGE_URL,
            )
        )
    return entities


def generated_date(files: Mapping[str, bytes]) -> str | None:
    """The newest LastUpdated/DateDesignated in the file (the export date when the root carries none)."""
    root = ET.fromstring(files[UK_FILE])
    for key in ("DateGenerated", "dateGenerated", "ExportDate"):
        if root.get(key):
            return iso_date(root.get(key))
    dates = [iso_date(" ".join((n.text or "").split())) for n in root.iter() if _local(n.tag) in ("LastUpdated", "DateDesignated", "DateGenerated")]
    found = [d for d in dates if d]
    return max(found) if found else None

"""The EU Financial Sanctions File (FSF), XML version 1.1.

No real copy of this file is in the project's snapshot: this parser follows the published schema
(root `export` in namespace http://eu.europa.ec/fpi/fsd/export; `sanctionEntity` with euReferenceNumber,
`subjectType code="person|enterprise"`, `nameAlias` wholeName/firstName/lastName with strong="true|false",
`citizenship`, `birthdate`, `address`, `identification`, `regulation programme`) and is tested on a small
sample written by hand in that schema (tests/checks/watchlists/samples/eu_fsf_sample.xml). Check it
against a real download (`tradecheck lists update`) before relying on it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from .common import iso_date, unique
from .model import Entity, EntityType, Name, NameKind

EU_FILE = "eu_fsf.xml"
EU_PAGE_URL = "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def parse_eu(files: Mapping[str, bytes]) -> list[Entity]:
    root = ET.fromstring(files[EU_FILE])
    entities: list[Entity] = []
    for element in root.iter():
        if _local(element.tag) != "sanctionEntity":
            continue
        reference = element.get("euReferenceNumber") or element.get("logicalId") or ""
        subject = next(iter(_children(element, "subjectType")), None)
        code = (subject.get("code") if subject is not None else "") or ""
        entity_type = EntityType.PERSON if code.lower() == "person" else EntityType.ORGANIZATION
        names: list[Name] = []
        for alias in _children(element, "nameAlias"):
            whole = (alias.get("wholeName") or "").strip() or " ".join(
                filter(None, [alias.get("firstName"), alias.get("middleName"), alias.get("lastName")])
            )
            if not whole or any(n.value.lower() == whole.lower() for n in names):
                continue
            strong = (alias.get("strong") or "true").lower() != "false"
            kind = NameKind.PRIMARY if not names else (NameKind.AKA if strong else NameKind.WEAK_AKA)
            names.append(Name(whole, kind))
        if not reference or not names:
            continue
        codes = unique(
            node.get("countryIso2Code") or ""
            for tag in ("citizenship", "address", "birthdate")
            for node in _children(element, tag)
            if (node.get("countryIso2Code") or "") not in ("", "00")
        )
        addresses = [
            ", ".join(filter(None, [a.get("street"), a.get("city"), a.get("zipCode"), a.get("countryDescription")]))
            for a in _children(element, "address")
        ]
        births = [b.get("birthdate") or b.get("year") or "" for b in _children(element, "birthdate")]
        identifiers = [
            " ".join(filter(None, [i.get("identificationTypeDescription"), i.get("number"), i.get("countryIso2Code")]))
            for i in _children(element, "identification")
        ]
        regulations = _children(element, "regulation")
        programs = unique(r.get("programme") or "" for r in regulations)
        dates = sorted(filter(None, (iso_date(r.get("publicationDate")) for r in regulations)))
        remark = " ".join((r.text or "").strip() for r in _children(element, "remark"))
        entities.append(
            Entity(
                source="eu_fsf",
                source_id=reference,
                type=entity_type,
                names=names,
                list_name="EU FSF",
                countries=codes,
                addresses=[a for a in addresses if a],
                dates_of_birth=unique(births),
                identifiers=unique(identifiers),
                programs=programs,
                remarks=remark,
                listed_on=dates[0] if dates else None,
                url=EU_PAGE_URL,
            )
        )
    return entities


def generated_date(files: Mapping[str, bytes]) -> str | None:
    root = ET.fromstring(files[EU_FILE])
    return iso_date(root.get("generationDate"))

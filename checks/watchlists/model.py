"""One neutral entity model for every watchlist, so that matching never knows which list it reads.

Plain slotted dataclasses rather than pydantic: about 35,000 entities are built at start-up and a
validation pass per field would triple the load time. The boundaries (CLI JSON, findings) are pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class EntityType(str, Enum):
    PERSON = "person"
    ORGANIZATION = "organization"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"


class NameKind(str, Enum):
    """How the publisher qualifies a name. Weak a.k.a.s (OFAC 'weak', UN 'Low') score lower."""

    PRIMARY = "primary"
    AKA = "aka"
    WEAK_AKA = "weak_aka"
    FKA = "fka"


@dataclass(slots=True)
class Name:
    value: str
    kind: NameKind = NameKind.PRIMARY


@dataclass(slots=True)
class Entity:
    """One listed party as its publisher describes it."""

    source: str  # us_ofac_sdn | us_ofac_cons | us_csl | un_sc | eu_fsf | uk_sl
    source_id: str  # the official id: OFAC ent_num, UN reference number, CSL entity_number or _id, ...
    type: EntityType
    names: list[Name]
    list_name: str = ""  # the list inside the source (e.g. "Entity List (EL)", "SDGT" program family)
    countries: list[str] = field(default_factory=list)  # ISO alpha-2 where known, else the text as published
    addresses: list[str] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)  # as published: YYYY, YYYY-MM-DD, "circa 1961"...
    identifiers: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    remarks: str = ""
    listed_on: str | None = None  # ISO date when known
    url: str | None = None  # the official entry or list page

    @property
    def primary_name(self) -> str:
        for name in self.names:
            if name.kind is NameKind.PRIMARY:
                return name.value
        return self.names[0].value if self.names else ""


@dataclass(slots=True)
class ListInfo:
    """What is loaded for one source: its publication date, size and where it came from."""

    source: str
    as_of: str  # ISO date of the publication
    count: int
    origin: str  # "bundled" or "downloaded"
    version: str  # content hash, changes whenever the files change
    fetched_at: str | None = None

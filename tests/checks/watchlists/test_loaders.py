"""Each loader on the real snapshot files (and EU/UK on samples written in their published schema)."""

from __future__ import annotations

import lzma
from pathlib import Path

import pytest

from checks.watchlists import csl, eu, ofac, uk, un
from checks.watchlists.model import EntityType, NameKind
from checks.watchlists.store import DATA_DIR, bundled_files, load_source

SHARED = Path("/work/shared/watchlists")
SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture(scope="module")
def sdn():
    return {e.source_id: e for e in ofac.parse_sdn(bundled_files("us_ofac_sdn"))}


def test_bundled_snapshot_is_the_shared_files():
    raw = lzma.decompress((DATA_DIR / "us_ofac_sdn" / "sdn.csv.xz").read_bytes())
    if (SHARED / "us_ofac_sdn" / "sdn.csv").exists():
        assert raw == (SHARED / "us_ofac_sdn" / "sdn.csv").read_bytes()
    assert raw.endswith(b"\r\n\x1a")  # OFAC's DOS end-of-file byte is really there


def test_sdn_counts_and_eof_byte(sdn):
    assert len(sdn) == 14965
    assert not any("\x1a" in e.primary_name or "\x1a" in e.remarks for e in sdn.values())
    assert sum(len([n for n in e.names if n.kind is NameKind.AKA or n.kind is NameKind.FKA]) for e in sdn.values()) >= 17_000


def test_sdn_known_entry_and_empty_fields(sdn):
    bank = sdn["306"]
    assert bank.primary_name == "BANCO NACIONAL DE CUBA"
    assert bank.type is EntityType.ORGANIZATION  # SDN_Type "-0-" means an entity
    assert bank.programs == ["CUBA"]
    assert "-0-" not in " ".join(bank.addresses + [bank.remarks])
    assert {"NATIONAL BANK OF CUBA"} <= {n.value for n in bank.names if n.kind is NameKind.AKA}
    assert ("BNC", NameKind.WEAK_AKA) in [(n.value, n.kind) for n in bank.names]  # weak a.k.a. from the remarks
    assert "CH" in bank.countries
    assert bank.url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=306"
    assert sdn["36"].remarks == ""  # a row made of -0- fields


def test_sdn_person_with_comments_and_ids(sdn):
    sber = sdn["17018"]
    assert "SWIFT/BIC SABRRUMM" in sber.identifiers
    assert "SBERBANK MUMBAI" in [n.value for n in sber.names]  # a.k.a. in the continuation in sdn_comments.csv
    persons = [e for e in sdn.values() if e.type is EntityType.PERSON]
    assert len(persons) > 6000
    assert any(e.dates_of_birth for e in persons)


def test_cons():
    entities = ofac.parse_cons(bundled_files("us_ofac_cons"))
    assert len(entities) == 442
    first = next(e for e in entities if e.source_id == "9639")
    assert first.primary_name == "HANIYA, Ismail Abdul Salah" and first.type is EntityType.PERSON
    assert first.dates_of_birth == ["1962"] and first.programs == ["NS-PLC"]


def test_csl_drops_the_ofac_copies():
    entities = csl.parse_csl(bundled_files("us_csl"))
    assert len(entities) == 3625  # 14,160 rows less the Treasury lists already loaded from OFAC's files
    lists = {e.list_name for e in entities}
    assert "Entity List (EL)" in lists and not any("Treasury" in name or "SDN" in name for name in lists)
    assert sum(e.list_name == "Entity List (EL)" for e in entities) == 2001
    ash = next(e for e in entities if e.source_id == "deb7a1d5743a85c354ca1a2c7f2664e2104b32d7")
    assert ash.primary_name == "I. ASH" and ash.listed_on == "2003-06-19" and ash.url


def test_un():
    files = bundled_files("un_sc")
    entities = {e.source_id: e for e in un.parse_un(files)}
    assert len(entities) == 1003
    assert sum(e.type is EntityType.PERSON for e in entities.values()) == 730
    agha = entities["QDi.018"]
    assert agha.primary_name == "ABDUL MANAN AGHA"
    assert any(n.kind is NameKind.WEAK_AKA for n in agha.names)  # QUALITY Low
    assert "عبد المنان آغا" in [n.value for n in agha.names]  # original script kept
    assert entities["CDe.001"].type is EntityType.ORGANIZATION
    assert un.generated_date(files) == "2026-02-27"


def test_eu_sample():
    files = {eu.EU_FILE: (SAMPLES / "eu_fsf_sample.xml").read_bytes()}
    entities = eu.parse_eu(files)
    assert [e.source_id for e in entities] == ["EU.1.12", "EU.7742.51"]
    person, company = entities
    assert person.type is EntityType.PERSON and company.type is EntityType.ORGANIZATION
    assert [(n.value, n.kind) for n in person.names] == [("Ahmad Example Rahimi", NameKind.PRIMARY),
                                                          ("Abu Example", NameKind.WEAK_AKA)]
    assert person.countries == ["AF"] and person.dates_of_birth == ["1965-03-04"]
    assert person.programs == ["EU.AQD"] and person.listed_on == "2002-05-27"
    assert company.countries == ["RU"] and "АО Пример Машзавод" in [n.value for n in company.names]
    assert eu.generated_date(files) == "2026-03-02"


def test_uk_sample():
    files = {uk.UK_FILE: (SAMPLES / "uk_sl_sample.xml").read_bytes()}
    person, ship = uk.parse_uk(files)
    assert person.source_id == "RUS0999" and person.type is EntityType.PERSON
    assert person.names[0].value == "Ivan Petrovich EXAMPLOV" and person.names[0].kind is NameKind.PRIMARY
    assert "Иван Петрович Экзамплов" in [n.value for n in person.names]
    assert person.countries == ["RU"] and person.dates_of_birth == ["12/05/1970"] and person.listed_on == "2022-02-24"
    assert ship.type is EntityType.VESSEL and ship.identifiers == ["IMO 9123456"]
    assert uk.generated_date(files) == "2026-03-01"


def test_load_source_bundled_reports_its_date(tmp_path):
    loaded = load_source("un_sc", tmp_path)
    assert loaded is not None and loaded.info.origin == "bundled" and loaded.info.as_of == "2026-02-27"
    assert load_source("eu_fsf", tmp_path) is None  # nothing bundled, nothing downloaded

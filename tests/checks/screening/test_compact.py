"""The on-disk index (compact.py): read back from its file, it screens exactly as the index built in memory."""

from __future__ import annotations

import pytest

from checks.screening import service
from checks.screening.compact import HashedLists, Records, Slices, hash64, read_index, write_index
from checks.screening.index import Index
from checks.screening.matcher import Matcher, Query
from checks.watchlists.model import Entity, EntityType, ListInfo, Name, NameKind

QUERIES = [
    "Banco Nacional de Cuba", "SBERBANK OF RUSIA", "ROSNEFTTRADING", "ООО Газпромнефть", "Huawei Technologies Co Ltd",
    "Hashim Ahmad Al-Tai Sultan", "عبد المنان آغا", "HANIYYA Ismaeel", "吴彬", "김정수", "Mohammed Ali Trading",
    "Golden Phoenix Import Export", "Hizballah", "Makingenterprise", "ACME Ltd", "Shenzhen Bright Electronics Co Ltd",
]


def _signature(matches):
    return [(m.entity, m.name, m.name_kind, m.score, m.strength, m.doubts, m.country, m.type_mismatch,
             [(p.query, p.listed, p.how) for p in m.pairs], m.ignored, m.missing_query, m.missing_listed)
            for m in matches]


@pytest.fixture(scope="module")
def from_file(screener, tmp_path_factory) -> Index:
    path = tmp_path_factory.mktemp("index") / "screening-index-test.index"
    write_index(path, screener.matcher.index, screener.lists)
    index, lists = read_index(path)
    assert lists == screener.lists
    return index


def test_the_file_screens_like_the_built_index(screener, from_file):
    built = screener.matcher
    mapped = Matcher(from_file)
    for text in QUERIES:
        for kind in (None, "person", "company"):
            query = Query(text, type=kind, country="CN")
            assert _signature(mapped.screen(query, threshold=0.5)) == _signature(built.screen(query, threshold=0.5)), text


def test_every_part_reads_back_equal(screener, from_file):
    built = screener.matcher.index
    assert len(from_file.names) == len(built.names) and len(from_file.entities) == len(built.entities)
    for i in (0, 1, len(built.names) // 2, len(built.names) - 1, -1):
        assert from_file.names[i] == built.names[i]
    for i in (0, len(built.entities) // 3, -1):
        assert from_file.entities[i] == built.entities[i]
    assert from_file.vocab == built.vocab and from_file.words == built.words
    assert list(from_file.idf) == list(built.idf) and from_file.max_idf == built.max_idf
    assert all(list(from_file.postings[t]) == list(built.postings[t]) for t in range(0, len(built.words), 97))
    assert list(from_file.name_entities) == list(built.name_entities)
    for table in ("deletes", "skeletons"):
        mine, theirs = getattr(from_file, table), getattr(built, table)
        for key in list(theirs)[::53]:
            assert list(mine.get(key)) == theirs[key]
        assert list(mine.get("no such key here")) == []
    assert set(from_file.common_person) == set(built.common_person)


def test_an_entity_with_every_field_survives_the_file(tmp_path):
    entity = Entity("us_csl", "X-1", EntityType.VESSEL, [Name("Sea Star", NameKind.PRIMARY), Name("Star", NameKind.WEAK_AKA)],
                    list_name="Entity List (EL)", countries=["IR", "AE"], addresses=["Dubai"], dates_of_birth=["1970"],
                    identifiers=["IMO 1234567"], programs=["IRAN"], remarks="note", listed_on="2020-01-02",
                    url="https://example.test/x")
    index = Index.build([entity, Entity("un_sc", "Y", EntityType.PERSON, [Name("DOE, John")])])
    info = ListInfo("us_csl", "2026-01-01", 2, "bundled", "v1", None)
    write_index(tmp_path / "i.index", index, [info])
    read, lists = read_index(tmp_path / "i.index")
    assert list(read.entities) == list(index.entities) and lists == [info]
    assert list(read.names) == list(index.names)
    assert read.entities[0].primary_name == "Sea Star" and read.entities[-1].type is EntityType.PERSON


def test_small_tables():
    table = HashedLists.from_dict({"abc": [3, 1], "xyz": [2]})
    assert list(table.get("abc")) == [3, 1] and list(table.get("xyz")) == [2] and table.get("nope") == ()
    assert "abc" in table and "nope" not in table and len(table) == 2
    slices = Slices.from_lists([[1, 2], [], [5]])
    assert [list(s) for s in slices] == [[1, 2], [], [5]] and len(slices) == 3 and list(slices[-1]) == [5]
    blob, starts = Records.encode([(1, "a"), (2, "b")], lambda row: row)
    records = Records(blob, starts, lambda row: row)
    assert list(records) == [(1, "a"), (2, "b")] and records[-1] == (2, "b")
    with pytest.raises(IndexError):
        records[2]
    assert hash64("abc") == hash64("abc") != hash64("abd")  # stable, unlike hash()


@pytest.mark.parametrize("damage", ["empty", "magic", "truncated", "grown"])
def test_a_damaged_file_is_refused_and_rebuilt(tmp_path, damage):
    index = Index.build([Entity("un_sc", "Z", EntityType.ORGANIZATION, [Name("Example Damage Holdings")])])
    path = tmp_path / "screening-index-x.index"
    write_index(path, index, [])
    data = path.read_bytes()
    changed = {"empty": b"", "magic": b"X" + data[1:], "truncated": data[: len(data) - 9], "grown": data + b"\0" * 8}
    path.write_bytes(changed[damage])
    with pytest.raises(ValueError):
        read_index(path)
    assert service._read_cache(path) is None  # the service logs and rebuilds


def test_writing_the_cache_removes_older_files(tmp_path):
    old_pickle = tmp_path / "screening-index-0123.pickle"
    old_index = tmp_path / "screening-index-4567.index"
    old_pickle.write_bytes(b"old format")
    old_index.write_bytes(b"older lists")
    index = Index.build([Entity("un_sc", "Z", EntityType.ORGANIZATION, [Name("Example Holdings")])])
    path = tmp_path / "screening-index-89ab.index"
    assert service._write_cache(path, index, [])
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]

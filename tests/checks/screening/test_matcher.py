"""The matcher on hand-picked hard cases, both ways: disguised listed names found, innocent names quiet.

The names are written here by hand (not taken from the evaluation set)."""

from __future__ import annotations

import pytest

from checks.screening.matcher import ALERT_THRESHOLD, Query


def ids(screener, text: str, **context) -> list[str]:
    return [f"{m.entity.source}:{m.entity.source_id}" for m in screener.screen(Query(text, **context))]


@pytest.mark.parametrize(
    "query, target",
    [
        ("Banco Nacional de Cuba", "us_ofac_sdn:306"),
        ("BANCO NACIONAL DE CUBA S.A.", "us_ofac_sdn:306"),  # legal form added
        ("Sberbank Rossii OAO", "us_ofac_sdn:17018"),  # a former name with a Russian legal form
        ("Public Joint-Stock Co. Sberbank of Russia", "us_ofac_sdn:17018"),  # abbreviation, punctuation
        ("SBERBANK OF RUSIA", "us_ofac_sdn:17018"),  # typo
        ("Rosneft Trading SA", "us_ofac_sdn:18299"),
        ("ROSNEFTTRADING", "us_ofac_sdn:18299"),  # words run together
        ("Gazpromneft", "us_ofac_cons:17143"),  # run together, though the list also has the joined word elsewhere
        ("ООО Газпромнефть", "us_ofac_cons:17143"),  # Cyrillic, with a Russian legal form
        ("Huawei Technologies Co Ltd", "us_ofac_cons:30947"),
        ("Hashim Ahmad Al-Tai Sultan", "un_sc:IQi.027"),  # reordered
        ("ABDUL MANAN AGHA", "un_sc:QDi.018"),
        ("عبد المنان آغا", "un_sc:QDi.018"),  # original script
        ("Ismail HANIYA", "us_ofac_cons:9639"),  # middle names dropped, "SURNAME, Given" order
        ("HANIYYA Ismaeel", "us_ofac_cons:9639"),  # an a.k.a.
    ],
)
def test_listed_names_are_found(screener, query, target):
    assert target in ids(screener, query)


@pytest.mark.parametrize(
    "query",
    [
        "Cuba Trading Co., Ltd.",  # shares only generic words with listed names
        "International Trading Company LLC",
        "Bank of America Corporation",
        "Shenzhen Technology Co., Ltd.",
        "Siemens AG",
        "Toyota Motor Corporation",
        "Nestle S.A.",
        "Golden Star Shipping Limited",
        "Maria Schmidt",
        "John Williams",
        "李娜",
        "Antonia Rodriguez Lopez",
    ],
)
def test_innocent_names_stay_quiet(screener, query):
    assert ids(screener, query) == []


def test_scores_explanations_and_ranking(screener):
    matches = screener.screen(Query("Banco Nacional de Cuba S.A.", type="company", country="CU"))
    best = matches[0]
    assert best.entity.source_id == "306" and best.score >= 0.97
    assert [(p.query, p.listed, p.how) for p in best.pairs][:2] == [("Banco", "BANCO", "exact"), ("Nacional", "NACIONAL", "exact")]
    assert ("SA", "legal") in best.ignored  # words as written, for the reviewer
    assert all(m.score >= ALERT_THRESHOLD for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_country_context_explains_but_never_hides_a_strong_match(screener):
    here = screener.screen(Query("ROSNEFT TRADING S.A.", country="CH"))
    elsewhere = screener.screen(Query("ROSNEFT TRADING S.A.", country="BR"))
    assert here[0].country == "agree" and elsewhere[0].country == "differ"
    assert "us_ofac_sdn:18299" in [f"{m.entity.source}:{m.entity.source_id}" for m in elsewhere]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "Co. Ltd.", "a" * 500, "\x00\x1a", "有限公司", "12345",
                                  "Banco " * 5000, "Trading LLC", "Bank"])
def test_junk_or_only_common_words_match_nothing(screener, text):
    """No name, only a legal form, or only words every bank and trader has: no entry is named by them."""
    assert screener.screen(Query(text)) == []


def test_a_listed_name_inside_junk_is_still_found(screener):
    hits = screener.screen(Query("!!! ROSNEFT TRADING S.A. \x00"))
    assert "us_ofac_sdn:18299" in [f"{m.entity.source}:{m.entity.source_id}" for m in hits]


def test_index_cache_round_trip(tmp_path, monkeypatch):
    from checks.screening import service
    from checks.watchlists import LoadedList
    from checks.watchlists.model import Entity, EntityType, ListInfo, Name

    entity = Entity("un_sc", "XXe.001", EntityType.ORGANIZATION, [Name("Example Cache Holdings")])
    tiny = [LoadedList(ListInfo("un_sc", "2026-01-01", 1, "bundled", "v1"), [entity])]
    builds = []

    def load_all(lists_dir=None):
        builds.append(lists_dir)
        return tiny

    monkeypatch.setattr(service, "load_all", load_all)
    cache = tmp_path / "cache"
    first = service.build_screener(tmp_path / "lists", cache_dir=cache)
    files = list(cache.glob("screening-index-*.index"))
    assert len(builds) == 1 and len(files) == 1
    second = service.build_screener(tmp_path / "lists", cache_dir=cache)
    assert len(builds) == 1  # read from the cache, not rebuilt
    assert second.matcher.index is not first.matcher.index
    assert [m.entity.source_id for m in second.screen(Query("Example Cache Holdings Ltd"))] == ["XXe.001"]
    files[0].write_bytes(b"not an index")  # damaged: rebuilt, never an error
    assert service.build_screener(tmp_path / "lists", cache_dir=cache).lists and len(builds) == 2

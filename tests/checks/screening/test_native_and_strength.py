"""Names in their own script, legal forms written out or glued on, and strong / possible grading (issue 14).

Hand-picked cases, both ways, written here by hand (not taken from the evaluation files)."""

from __future__ import annotations

import pytest

from checks.i18n import translator
from checks.screening.explain import reasons
from checks.screening.matcher import Query
from checks.screening.native import arabic_skeletons, latin_skeletons, romanize
from checks.screening.normalize import TokenClass, key_tokens, tokenize


def names(screener, text: str, **context) -> list[tuple[str, str]]:
    return [(m.name.upper(), m.strength) for m in screener.screen(Query(text, **context))]


@pytest.mark.parametrize(
    "query, listed_word",
    [
        ("华为技术有限公司", "HUAWEI"),  # Chinese: pinyin + company words
        ("Рособоронэкспорт", "ROSOBORONEKSPORT"),  # Cyrillic
        ("Аркадий Романович Ротенберг", "ROTENBERG"),  # Cyrillic person (Arkady / Arkadiy / Arkadii)
        ("김정은", "KIM"),  # Korean: McCune-Reischauer Kim Jong Un
        ("حزب الله", "HIZBALLAH"),  # Arabic: a word joined to Allah
        ("قاسم سلیمانی", "QASEM"),  # Persian, unvocalised (SOLEIMANI, SULEMANI, SALIMANI)
        ("Hezbollah", "HIZBALLAH"),  # two vowels apart in Latin letters
        ("Mahan Air Lines", "MAHAN AIR"),
        ("Mahan Airlines", "MAHAN AIR"),
    ],
)
def test_native_scripts_and_spellings_are_found(screener, query, listed_word):
    found = names(screener, query)
    assert any(listed_word in name for name, _ in found), found


@pytest.mark.parametrize("query", ["深圳市明亮五金制品有限公司", "Олег Петров", "박지훈", "ليلى حداد"])
def test_ordinary_native_names_stay_quiet(screener, query):
    assert names(screener, query) == []


@pytest.mark.parametrize(
    "query",
    ["Elmont Aktiengesellschaft", "Chimconnect Gesellschaft mit beschränkter Haftung"],
)
def test_written_out_legal_forms_match_the_short_ones(screener, query):
    assert names(screener, query), query


def test_legal_form_words_never_count_as_name_words():
    tokens = tokenize("Siemens Gesellschaft mit beschränkter Haftung")
    assert [t.text for t in key_tokens(tokens)] == ["siemens"]
    tokens = tokenize("Общество с ограниченной ответственностью «Ромашка»")
    assert [t.text for t in key_tokens(tokens)] == ["romashka"]
    assert all(t.cls is TokenClass.LEGAL for t in tokenize("Acme Besloten Vennootschap")[1:])


def test_a_form_glued_to_the_name_is_split(screener):
    assert ("JSC ARGUMENT", "strong") in names(screener, "JSCARGUMENT")
    tokens = tokenize("RosoboronexportOAO", unknown=screener.matcher.index.unknown)
    assert [t.text for t in key_tokens(tokens)] == ["rosoboronexport"]


def test_romanizations():
    text, spelled = romanize("Аркадий")
    assert text.split() == ["arkady"] and {"arkadiy", "arkadii"} <= spelled["arkady"].variants
    text, spelled = romanize("김정은")
    assert text.split()[0] == "kim" and "jong" in spelled[text.split()[1]].variants | {text.split()[1]}
    assert romanize("骆惠宁")[0].split() == ["luo", "huining"]
    assert "technology" in romanize("大华技术有限公司")[0].split()
    assert "ksm" in arabic_skeletons("قاسم") and "ksm" in latin_skeletons("qasem")
    assert "slmn" in arabic_skeletons("سليماني") and "slmn" in latin_skeletons("soleimani")


@pytest.mark.parametrize("query", ["John Smith", "Ahmed Khan", "Miguel Perez", "Wagner GmbH"])
def test_common_and_partial_names_are_never_strong(screener, query):
    assert all(strength == "possible" for _, strength in names(screener, query))


def test_a_full_distinctive_match_is_strong_and_a_contradicting_country_makes_it_possible(screener):
    assert names(screener, "Rosoboronexport")[0][1] == "strong"
    assert names(screener, "Rosoboronexport", country="BR")[0][1] == "possible"


def test_possible_match_says_what_settles_it(screener):
    query = Query("Ahmed Khan")
    match = next(m for m in screener.screen(query) if m.strength == "possible")
    assert "partial" in match.doubts
    english = reasons(match, query, translator("en"))[0]
    chinese = reasons(match, query, translator("zh"))[0]
    assert english.startswith("Possible match") and "full name and date of birth" in english
    assert chinese.startswith("可能匹配") and "出生日期" in chinese


def test_spelling_grades_short_words_only(screener):
    # one slip in a long coined name is still that name; in a short one it may be another firm
    assert names(screener, "Rosoboronexprt")[0][1] == "strong"
    found = names(screener, "Mahab Air")  # MAHAN AIR, or an airline called Mahab
    assert found and all(strength == "possible" for _, strength in found)


def test_another_city_in_the_name_makes_it_possible(screener):
    found = screener.screen(Query("Beijing Tianyi Trading Co"))
    assert found and all(m.strength == "possible" and "place" in m.doubts for m in found)


@pytest.mark.parametrize("word, syllable", [("yong", True), ("chian", True), ("myong", True), ("ahmed", False),
                                            ("khan", False), ("anwar", False), ("weimi", False)])
def test_syllables_of_east_asian_names(word, syllable):
    from checks.screening.matcher import _syllable

    assert _syllable(word) is syllable

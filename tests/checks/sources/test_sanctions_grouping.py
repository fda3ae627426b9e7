"""One listed party, one finding: grouping across lists, and possible (unconfirmed) matches."""

from __future__ import annotations

import asyncio

from checks.engine import CheckContext
from checks.models import Severity, Status
from checks.request import CheckRequest
from checks.screening.matcher import Match
from checks.sources.sanctions import SanctionsSource, group_matches, name_keys, same_party
from checks.watchlists.model import Entity, EntityType, Name, NameKind

ORG = EntityType.ORGANIZATION


def entity(source: str, source_id: str, *names: str, countries: list[str] | None = None, kind: EntityType = ORG,
           born: list[str] | None = None, programs: list[str] | None = None, list_name: str = "",
           listed_on: str | None = None) -> Entity:
    return Entity(source=source, source_id=source_id, type=kind,
                  names=[Name(n, NameKind.PRIMARY if i == 0 else NameKind.AKA) for i, n in enumerate(names)],
                  countries=countries or [], dates_of_birth=born or [], programs=programs or [], list_name=list_name,
                  listed_on=listed_on)


def match(e: Entity, score: float = 1.0, name: str | None = None, strength: str | None = None) -> Match:
    m = Match(entity=e, name=name or e.names[0].value, name_kind=NameKind.PRIMARY, score=score)
    if strength is not None:
        m.strength = strength  # type: ignore[attr-defined]  # the matcher's field (screening work)
    return m


SDN = entity("us_ofac_sdn", "18782", "ROSOBORONEKSPORT OAO", "ROSOBORONEXPORT JSC", countries=["RU"],
             programs=["SYRIA", "UKRAINE-EO13662", "IRAN-CON-ARMS-EO", "RUSSIA-EO14024"])
CONS = entity("us_ofac_cons", "18782", "ROSOBORONEKSPORT OAO", countries=["RU"], programs=["UKRAINE-EO13662"])
CSL = entity("us_csl", "2be7", "Rosoboronexport OJSC (ROE)", countries=["RU"], list_name="Entity List (EL)",
             listed_on="2022-03-03")


def test_names_are_compared_without_legal_forms_and_bracketed_acronyms() -> None:
    assert "rosoboronexport" in name_keys(SDN) and name_keys(CSL) == {"rosoboronexport"}


def test_the_same_party_on_three_lists() -> None:
    assert same_party(SDN, CONS)  # one OFAC number
    assert same_party(SDN, CSL)  # the a.k.a. ROSOBORONEXPORT JSC = Rosoboronexport OJSC (ROE), both in Russia
    assert not same_party(CONS, CSL)  # no shared name: joined through the SDN entry
    groups = group_matches([match(CSL), match(CONS), match(SDN, name="ROSOBORONEXPORT JSC")])
    assert len(groups) == 1
    assert [m.entity.source for m in groups[0]] == ["us_ofac_sdn", "us_ofac_cons", "us_csl"]  # keyed by SDN


def test_namesakes_in_other_countries_or_born_other_years_stay_apart() -> None:
    other_country = entity("us_csl", "x1", "Rosoboronexport", countries=["BY"])
    assert not same_party(SDN, other_country)
    a = entity("us_ofac_sdn", "1", "ALI, Mohammad", kind=EntityType.PERSON, born=["01 Jan 1960"])
    b = entity("un_sc", "QDi.1", "Mohammad ALI", kind=EntityType.PERSON, born=["1971"])
    c = entity("un_sc", "QDi.2", "Mohammad ALI", kind=EntityType.PERSON, born=["circa 1960"])
    assert not same_party(a, b) and same_party(a, c)  # names in any order for persons
    assert not same_party(entity("us_ofac_sdn", "2", "GLOBEX"), entity("us_ofac_sdn", "3", "GLOBEX"))  # one list
    assert len(group_matches([match(a), match(b), match(c)])) == 2


class FakeScreener:
    """The screener's interface, answering with given matches (the matcher's own tests cover matching)."""

    def __init__(self, matches: list[Match]) -> None:
        self.matches = matches
        self.lists: list[object] = []

    def screen(self, query: object) -> list[Match]:
        return list(self.matches)


def run(matches: list[Match], lang: str = "en") -> list:  # type: ignore[type-arg]
    source = SanctionsSource()
    source._screener = lambda: FakeScreener(matches)  # type: ignore[method-assign,assignment,return-value]
    return asyncio.run(source.run(CheckRequest(company="Rosoboronexport JSC", country="RU", lang=lang),
                                  CheckContext.for_lang(lang)))


def test_one_finding_names_every_list_all_programmes_the_primary_name_and_the_alias() -> None:
    [finding] = run([match(CSL, 0.95, "Rosoboronexport OJSC (ROE)"), match(CONS),
                     match(SDN, name="ROSOBORONEXPORT JSC")])
    assert finding.code == "sanctions.hit" and finding.status is Status.FAIL
    data = finding.data
    assert (data["source"], data["source_id"]) == ("us_ofac_sdn", "18782")
    assert data["primary_name"] == "ROSOBORONEKSPORT OAO" and data["listed_name"] == "ROSOBORONEXPORT JSC"
    assert data["programs"] == ["SYRIA", "UKRAINE-EO13662", "IRAN-CON-ARMS-EO", "RUSSIA-EO14024"]  # no cut at three
    assert data["lists"] == ["OFAC SDN", "OFAC Non-SDN", "US CSL (Entity List)"]
    assert [(e["source"], e["source_id"]) for e in data["entries"]] == [
        ("us_ofac_sdn", "18782"), ("us_ofac_cons", "18782"), ("us_csl", "2be7")]
    assert all(e["entry_version"].startswith("sha256:") for e in data["entries"])
    assert data["entry_version"] not in {e["entry_version"] for e in data["entries"]}  # the party's version
    assert data["listed_on"] == "2022-03-03"
    assert finding.title == ("The company matches ROSOBORONEKSPORT OAO (a.k.a. “ROSOBORONEXPORT JSC”) on OFAC SDN, "
                             "OFAC Non-SDN, US CSL (Entity List) (100%)")
    assert "Russia: harmful foreign activities (EO 14024)" in finding.detail and "listed 2022-03-03" in finding.detail
    [zh] = run([match(CSL, 0.95), match(CONS), match(SDN, name="ROSOBORONEXPORT JSC")], "zh")
    assert "俄罗斯有害境外活动制裁（第 14024 号行政令）" in zh.detail and "列入日期：2022年3月3日" in zh.detail
    assert "RUSSIA-EO14024" not in zh.detail


def test_a_close_spelling_reads_closely_matches_and_a_possible_one_verify_first() -> None:
    [close] = run([match(SDN, 0.93)], "zh")
    assert close.code == "sanctions.hit" and "疑似匹配" in close.title and "相符" not in close.title
    [possible] = run([match(SDN, 0.9, strength="possible")])
    assert possible.code == "sanctions.possible" and possible.status is Status.FLAG
    assert possible.severity is Severity.HIGH and possible.data["strength"] == "possible"
    assert possible.title.startswith("The company may be ROSOBORONEKSPORT OAO on OFAC SDN (90%)")
    [strong] = run([match(SDN, 0.9, strength="possible"), match(CSL, 0.95, strength="strong")])
    assert strong.code == "sanctions.hit" and strong.data["strength"] == "strong"  # one strong entry is enough

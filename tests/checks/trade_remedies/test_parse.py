"""Each collected file parses into the measures SOURCES.md describes; a wrong file is an error."""

from __future__ import annotations

import json

import pytest

from checks.trade_remedies import parse
from checks.trade_remedies.build import FILES, build
from checks.trade_remedies.names import country_code

from .support import FIXTURES, cbsa_page, read


def test_canada_every_row_with_country_normalised_and_ten_digit_codes() -> None:
    measures = parse.parse_ca_json(read(FILES["ca"]))
    assert len(measures) == 189  # SOURCES.md: 189 rows in 63 cases
    assert len({m.case for m in measures}) == 63
    china = [m for m in measures if m.origin == "CN"]
    assert len(china) == 72 and len({m.case for m in china}) == 39
    assert {m.type for m in measures} == {"anti_dumping", "countervailing", "undertaking"}
    assert sum(m.type == "anti_dumping" for m in measures) == 143
    assert all(len(code) == 10 for m in measures for code in m.codes)
    turkey = [m for m in measures if m.origin == "TR"]
    assert len(turkey) == 11  # "Türkiye (Turkey)" 8 + "Türkiye Turkey" 2 + "Türkiye" 1
    grating = [m for m in china if m.case == "SG"]
    assert {m.type for m in grating} == {"anti_dumping", "countervailing"}
    assert "7308900010" in grating[0].codes and grating[0].since == "2011-04-19"


def test_cbsa_html_table_gives_the_same_measures_as_the_json() -> None:
    from_json = parse.parse_ca_json(read(FILES["ca"]))
    from_html = parse.parse_ca_html(cbsa_page())
    assert [m.model_dump() for m in from_html] == [m.model_dump() for m in from_json]


@pytest.mark.parametrize("body", [b"", b"<html><body><p>Service unavailable</p></body></html>", b"\x00\xff garbage"])
def test_cbsa_page_without_the_table_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse.parse_ca_html(body)


def test_uk_codes_restore_the_lost_leading_zero_and_join_the_case_register() -> None:
    codes = parse.parse_uk_codes(read(FILES["uk_codes"]))
    assert len(codes) == 405 and all(len(c) == 10 for c in codes)
    assert codes[0] == "0301919011"
    cases = parse.parse_uk_cases(read(FILES["uk_cases"]), codes)
    hot_rolled = [m for m in cases if m.case == "TD0017"]
    assert hot_rolled and hot_rolled[0].origin == "CN" and hot_rolled[0].type == "anti_dumping"
    boom_lifts = [m for m in cases if m.case == "AD0075"]  # Active, opened 19 Dec 2025
    assert boom_lifts and boom_lifts[0].type in ("investigation", "anti_dumping")
    two_origins = {m.origin for m in cases if m.case == "AD0059"}  # "Lithuania / United Arab Emirates (the)"
    assert two_origins <= {"LT", "AE"}
    unexplained = parse.uk_code_measures(codes, cases)
    assert unexplained and all(m.origin == "?" and m.type == "unspecified" for m in unexplained)


def test_eu_flags_and_ongoing_cases() -> None:
    flags = parse.parse_eu_flags(read(FILES["eu_flags"]))
    china = [m for m in flags if m.origin == "CN"]
    assert len(china) == 87  # SOURCES.md: 87 of 291 HS6 flagged for China
    assert any(m.codes == ["731815"] for m in china)
    assert not any(m.codes == ["731811"] for m in china)
    counts = parse.parse_eu_origin_counts(read(FILES["eu_summary"]))
    assert len(counts) == 91 and counts["CN"] == (323, 9707) and counts["RU"][0] == 73  # SOURCES.md
    tron = parse.parse_eu_tron(read(FILES["eu_tron"]))
    assert len({m.case for m in tron}) == 66
    assert len({m.case for m in tron if m.origin == "CN"}) == 45
    assert all(m.type == "investigation" and m.since and m.since >= "2022-07-04" for m in tron)


def test_us_orders_and_itip() -> None:
    orders = parse.parse_us_orders(read(FILES["us_orders"]))
    china = [m for m in orders if m.origin == "CN"]
    assert len(china) == 210  # SOURCES.md: 138 AD + 72 CVD
    assert sum(m.type == "anti_dumping" for m in china) == 138
    assert all(m.codes == [] for m in orders)
    extrusions = [m for m in orders if m.case == "A-570-967"]
    assert extrusions and "luminum" in extrusions[0].product  # not "steel nails" (see SOURCES.md warning)
    itip = parse.parse_us_itip(read(FILES["us_itip"]))
    assert 400 <= len(itip) <= 417 and all(m.codes for m in itip)
    joined = parse.join_us(itip, orders)
    with_case = [m for m in joined if m.case]
    assert len(with_case) > 300  # most measures find their one order; the rest stay without a number
    assert all(m.case[:2] == "A-" for m in with_case)
    nails = [m for m in joined if m.case == "A-570-967"]
    assert not nails or all("luminum" in m.product or "luminium" in m.product for m in nails)


def test_colombia_safeguard_is_erga_omnes_and_dated() -> None:
    measures = parse.parse_co(read(FILES["co"]))
    assert len(measures) == 23
    safeguards = [m for m in measures if m.type == "safeguard"]
    assert len(safeguards) == 4 and {m.origin for m in safeguards} == {"*"} and safeguards[0].since == "2024-10-18"
    assert sum(m.origin == "CN" for m in measures) == 19


def test_wrong_files_are_errors_not_empty_lists() -> None:
    with pytest.raises(ValueError):
        parse.parse_eu_flags(read(FILES["co"]))
    with pytest.raises(ValueError):
        parse.parse_us_itip(read(FILES["us_orders"]))
    with pytest.raises((ValueError, json.JSONDecodeError)):
        parse.parse_eu_tron(b"[]")


def test_build_from_the_collected_files_matches_the_bundled_snapshot() -> None:
    from checks.trade_remedies.store import bundled

    built = build(FIXTURES)
    shipped = bundled()
    assert [m.model_dump() for m in built.measures] == [m.model_dump() for m in shipped.measures]
    assert built.coverage["US"].as_of.startswith("2020") and built.coverage["CA"].complete


@pytest.mark.parametrize("name, code", [
    ("Türkiye (Turkey)", "TR"), ("Türkiye Turkey", "TR"), ("Türkiye", "TR"), ("United States of America", "US"),
    ("United States of America (the)", "US"), ("United Arab Emirates (the)", "AE"), ("Chinese Taipei", "TW"),
    ("People's Republic of China", "CN"), ("Republica Popular de China", "CN"), ("South Korea", "KR"),
    ("Korea, Republic of", "KR"), ("Viet Nam", "VN"), ("Hong Kong", "HK"), ("European Union", "EU"),
    ("Paises sin acuerdo comercial vigente", "*"), ("Columbia", "CO"), ("Belguim", "BE"),
])
def test_country_names_as_publishers_write_them(name: str, code: str) -> None:
    assert country_code(name) == code


@pytest.mark.parametrize("name", ["", "Atlantis", "Exception Review TQ0066 - TRQ - Developing"])
def test_unknown_country_names_are_none_never_guessed(name: str) -> None:
    assert country_code(name) is None


def test_every_country_in_the_collected_files_is_known() -> None:
    names = {r["country"] for r in json.loads(read(FILES["ca"]))}
    names |= {c["countryName"] for case in json.loads(read(FILES["eu_tron"])) for c in case["caseCountries"]}
    assert [n for n in names if country_code(n) is None] == []

"""Prefix matching at each jurisdiction's precision, and product names, on the bundled snapshot."""

from __future__ import annotations

import pytest

from checks.request import RequestError, hs_codes
from checks.trade_remedies.match import by_codes, by_name, code_precision, jurisdiction_of, normalize_hs
from checks.trade_remedies.store import bundled


@pytest.mark.parametrize("query, code, expected", [
    ("730890", "7308900010", "hs6"),          # HS6 against a Canadian 10-digit line: first 6 digits
    ("7308900000", "7308900010", "hs6"),      # a Chinese 10-digit code: still only the first 6 count
    ("7308900010", "7308900010", "exact"),
    ("731815", "731815", "exact"),            # EU flags are HS6
    ("73181590", "731815", "exact"),          # a longer code under an HS6 flag
    ("7318159000", "7318", "exact"),          # I-TIP 4-digit entries cover the whole heading
    ("7308", "7308900010", "heading"),        # broader than the measure: possible only
    ("73", "7308900010", "chapter"),
    ("730820", "7308900010", None),
    ("7309", "7308", None),
])
def test_code_precision(query: str, code: str, expected: str | None) -> None:
    assert code_precision(query, code) == expected


def test_steel_grating_from_china_into_canada() -> None:
    canada = bundled().for_jurisdiction("CA")
    hits = by_codes(canada, "CN", ["730890"])
    assert {(h.measure.case, h.measure.type) for h in hits} >= {("SG", "anti_dumping"), ("SG", "countervailing")}
    assert all(h.settled for h in hits)
    assert by_codes(canada, "VN", ["730890"]) == []  # the grating case targets China only
    broad = by_codes(canada, "CN", ["7308"])
    assert {h.measure.case for h in broad} >= {"SG", "WT", "UWM"} and not any(h.settled for h in broad)


def test_eu_fastener_flag_only_in_chapters_72_73_and_for_china() -> None:
    eu = bundled().for_jurisdiction("EU")
    assert [h.measure.type for h in by_codes(eu, "CN", ["731815"])] == ["ad_or_cvd"]
    assert by_codes(eu, "CN", ["731811"]) == []


def test_uk_code_with_unstated_origin_is_not_settled() -> None:
    uk = bundled().for_jurisdiction("GB")
    hits = by_codes(uk, "CN", ["810199"])
    assert hits and all(h.measure.origin == "?" and not h.settled for h in hits)


def test_colombia_safeguard_applies_to_every_origin() -> None:
    colombia = bundled().for_jurisdiction("CO")
    assert {h.measure.type for h in by_codes(colombia, "BR", ["721391"])} == {"safeguard"}


def test_product_names_match_on_meaningful_words_only() -> None:
    canada = bundled().for_jurisdiction("CA")
    assert {h.measure.case for h in by_name(canada, "CN", "steel bar grating")} == {"SG"}
    assert by_name(canada, "CN", "steel products") == []  # generic words say nothing
    assert {h.measure.case for h in by_name(canada, "CN", "wind towers")} == {"WT"}


def test_jurisdictions() -> None:
    assert jurisdiction_of("DE") == "EU" and jurisdiction_of("fr") == "EU"
    assert jurisdiction_of("GB") == "GB" and jurisdiction_of("CA") == "CA" and jurisdiction_of(None) is None


def test_hs_values() -> None:
    assert hs_codes("7308.90, 7318 15 00；73") == ["730890", "73181500", "73"]
    assert normalize_hs("7308.90.00.10") == "7308900010"
    for bad in ("7", "73089000101", "steel"):
        with pytest.raises(RequestError):
            hs_codes(bad)

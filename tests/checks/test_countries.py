"""Country codes and names: real places are recognised, Babel's pseudo-regions and groupings are not."""

from __future__ import annotations

import pytest

from checks import countries


@pytest.mark.parametrize("text,code", [
    ("AE", "AE"), ("ae", "AE"), ("阿联酋", "AE"), ("United Arab Emirates", "AE"), ("UK", "GB"),
    ("XK", "XK"), ("Kosovo", "XK"), ("科索沃", "XK"), ("伊朗", "IR"),
])
def test_codes_and_names_in_both_languages(text: str, code: str) -> None:
    assert countries.to_code(text) == code


@pytest.mark.parametrize("text", ["ZZ", "Unknown Region", "未知地区", "EU", "European Union", "欧盟", "UN", "EZ",
                                  "QO", "XA", "XB", "Narnia"])
def test_pseudo_regions_and_groupings_are_not_countries(text: str) -> None:
    assert countries.to_code(text) is None


def test_unknown_region_is_not_found_in_an_address() -> None:
    assert countries.find_in_text("Somewhere, Unknown Region") is None
    assert countries.find_in_text("Mother Teresa Blvd 10, Pristina, Kosovo") == "XK"


@pytest.mark.parametrize("text, code", [
    ("No. 12, Valiasr St., Tehran", "IR"),
    ("تهران، خیابان ولیعصر", "IR"),
    ("ул. Тверская 7, Москва", "RU"),
    ("Jebel Ali Free Zone, P.O. Box 1234", "AE"),
    ("越南胡志明市第一郡", "VN"),
    ("Kemeraltı Cd. No:5, Mersin", "TR"),
    ("1200 Georgia Avenue, Atlanta, GA 30303, USA", "US"),  # the country at the end wins over a street's name
    ("King Fahd Rd, Riyadh 11564, KSA", "SA"),
])
def test_a_city_or_a_local_script_names_the_country(text: str, code: str) -> None:
    assert countries.find_in_text(text) == code


def test_words_that_only_contain_a_short_alias_name_no_country() -> None:
    assert countries.find_in_text("Used car parts, causal trading") is None

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

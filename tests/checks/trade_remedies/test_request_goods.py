"""The goods in the request: hs=, goods=, origin= and their Chinese keys, and paste mode."""

from __future__ import annotations

import pytest

from checks.request import RequestError, parse


def test_keys_in_english() -> None:
    request = parse('Maple Racking Inc country=CA hs=7308.90, 7318 15 00 goods="steel grating" origin=Vietnam')
    assert request.hs == ["730890", "73181500"] and request.goods == "steel grating" and request.origin == "VN"
    assert request.company == "Maple Racking Inc" and request.country == "CA"


def test_keys_in_chinese_with_full_width_punctuation() -> None:
    request = parse("枫叶货架公司 国家=加拿大 海关编码=7308.90，7318.15 商品=钢格板 原产地=中国")
    assert request.hs == ["730890", "731815"] and request.goods == "钢格板" and request.origin == "CN"
    assert request.company == "枫叶货架公司" and request.country == "CA"


def test_origin_defaults_to_none_and_an_unknown_origin_is_an_error() -> None:
    assert parse("Maple Racking Inc hs=7308").origin is None
    with pytest.raises(RequestError) as error:
        parse("Maple Racking Inc hs=7308 origin=Atlantis")
    assert error.value.key == "request.error.bad_origin"


@pytest.mark.parametrize("value", ["7", "73a8", "12345678901", "steel grating"])
def test_bad_hs_values_are_errors_naming_the_value(value: str) -> None:
    with pytest.raises(RequestError) as error:
        parse(f"Maple Racking Inc hs={value}")
    assert error.value.key == "request.error.bad_hs"


def test_paste_mode_finds_a_labelled_hs_code_and_product_line() -> None:
    request = parse("Dear sir,\nPlease quote 20 tons.\nProduct: steel bar grating\nHS code: 7308.90.00\n"
                    "John Smith\nMaple Racking Inc.\nToronto, Canada\njohn@mapleracking.ca")
    assert request.hs == ["73089000"] and request.goods == "steel bar grating" and request.country == "CA"
    assert request.extracted["hs"] == ["73089000"] and request.extracted["goods"] == ["steel bar grating"]


def test_paste_mode_does_not_take_phone_or_order_numbers_for_hs_codes() -> None:
    request = parse("Order no. 73089000\nTel: +1 416 555 0199\nMaple Racking Inc.\njohn@mapleracking.ca")
    assert request.hs == [] and request.goods is None


def test_paste_mode_in_chinese() -> None:
    request = parse("您好，\n品名：钢格板\n海关编码：7308900000\n枫叶货架有限公司\njohn@mapleracking.ca")
    assert request.hs == ["7308900000"] and request.goods == "钢格板"

"""Buyer keys: what makes two checks the same buyer."""

from __future__ import annotations

import pytest

from storage.buyers import base_name, buyer_keys, is_free_mail, normalize_name, registrable_domain


@pytest.mark.parametrize("a,b", [
    ("ACME Trading L.L.C.", "acme trading llc"),
    ("ACME  Trading, LLC.", "Acme Trading Llc"),
    ("Foo & Bar Co., Ltd.", "FOO AND BAR COMPANY LIMITED"),
    ("ＡＣＭＥ Ｔｒａｄｉｎｇ ＬＬＣ", "ACME Trading LLC"),  # full-width
    ("义乌市华丰贸易有限公司", "义乌市华丰贸易有限公司 "),
])
def test_spellings_of_one_name_normalize_alike(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_the_legal_form_is_kept_in_the_key_but_not_in_the_base_name() -> None:
    assert normalize_name("ACME Trading FZE") != normalize_name("ACME Trading LLC")
    assert base_name("ACME Trading FZE") == base_name("ACME Trading LLC") == "acme trading"


@pytest.mark.parametrize("host,domain", [
    ("j.doe@mail.acme.co.uk", "acme.co.uk"),
    ("https://www.acme.ae/contact", "acme.ae"),
    ("shop.example.com.cn", "example.com.cn"),
    ("localhost", None),
    ("", None),
])
def test_registrable_domain_offline(host: str, domain: str | None) -> None:
    assert registrable_domain(host) == domain


def test_free_mail_never_makes_a_key() -> None:
    assert is_free_mail("gmail.com") and is_free_mail("qq.com") and is_free_mail("163.com")
    keys = buyer_keys("Sunrise Textiles", "IR", email="buyer@gmail.com")
    assert [kind for kind, _ in keys.keys] == ["name"]


def test_keys_strongest_first_with_scoped_registry_numbers() -> None:
    keys = buyer_keys("ACME Trading LLC", "AE", email="j@acme.ae", site="www.acme.ae", vat="de 123-456-789",
                      lei="5493001KJTIIGC8Y1R12", reg="12345")
    assert [k for _, k in keys.keys] == [
        "lei:5493001KJTIIGC8Y1R12", "vat:DE123456789", "reg:AE:12345", "domain:acme.ae", "name:acme trading llc|AE",
    ]
    assert keys.domains == ("acme.ae",)

"""The request language: fields, quoting, full-width input, paste mode, and bad input."""

from __future__ import annotations

import pytest

from checks.i18n import t
from checks.request import MAX_TEXT, RequestError, parse


def test_fields_and_company_name() -> None:
    r = parse(
        'ACME Trading LLC email=j.smith@acme-trading.ae site=acme-trading.ae phone=+971 4 123 4567 '
        'country=AE vat=DE123456789 lei=5493001KJTIIGC8Y1R12 reg=12345 person="Jane Doe" lang=zh'
    )
    assert r.company == "ACME Trading LLC"
    assert r.email == "j.smith@acme-trading.ae"
    assert r.site == "acme-trading.ae"
    assert r.phone == "+971 4 123 4567"
    assert r.country == "AE"
    assert (r.vat, r.lei, r.reg) == ("DE123456789", "5493001KJTIIGC8Y1R12", "12345")
    assert r.persons == ["Jane Doe"]
    assert r.lang == "zh"
    assert r.email_domain == "acme-trading.ae"
    assert not r.pasted


def test_value_runs_to_next_key_and_quotes() -> None:
    r = parse('"Gulf Star General Trading LLC" person=Ahmed Al Mansouri person=“李 伟” country=United Arab Emirates')
    assert r.company == "Gulf Star General Trading LLC"
    assert r.persons == ["Ahmed Al Mansouri", "李 伟"]
    assert r.country == "AE"


def test_full_width_punctuation_and_spaces() -> None:
    r = parse("深圳华达贸易有限公司　email＝buyer@huada.cn　country＝中国　phone＝＋86 755 8888 6666")
    assert r.company == "深圳华达贸易有限公司"
    assert r.email == "buyer@huada.cn"
    assert r.country == "CN"
    assert r.phone == "+86 755 8888 6666"


def test_chinese_keys_and_aliases() -> None:
    r = parse("Sunrise Textiles 国家=伊朗 网站=https://sunrise.example/about mobile=+98 21 1234 5678")
    assert r.country == "IR"
    assert r.site == "https://sunrise.example/about"
    assert r.site_domain == "sunrise.example"
    assert r.phone == "+98 21 1234 5678"


def test_unknown_keys_and_country_are_reported_not_fatal() -> None:
    r = parse("ACME Ltd foo=bar country=Atlantis")
    assert r.ignored == ["foo"]
    assert r.country is None
    assert r.country_input == "Atlantis"


def test_command_prefix_and_bot_mention_are_stripped() -> None:
    assert parse("/check@tradecheck_bot ACME Ltd country=DE").company == "ACME Ltd"


SIGNATURES = [
    (
        """Dear Sir/Madam,
We are interested in your stainless steel valves. Please quote CIF Jebel Ali.

Best regards,
Ahmed Al Mansouri
Purchasing Manager
Gulf Star General Trading LLC
Office 1203, Al Khaleej Tower, Deira, Dubai, United Arab Emirates
Tel: +971 4 295 1234  Mob: +971 50 123 4567
Email: ahmed@gulfstar-trading.ae
Web: www.gulfstar-trading.ae""",
        {"company": "Gulf Star General Trading LLC", "email": "ahmed@gulfstar-trading.ae", "country": "AE",
         "phone": "+97142951234", "site": "www.gulfstar-trading.ae", "person": "Ahmed Al Mansouri"},
    ),
    (
        """您好，
请报价 500 套，FOB 宁波。
此致
敬礼
张伟
采购经理
深圳市华达进出口贸易有限公司
地址：广东省深圳市福田区深南大道1001号 中国
电话：0755-8888 6666 手机：+86 138 0013 8000
邮箱：zhangwei@huada-trade.cn
网址：http://www.huada-trade.cn/""",
        {"company": "深圳市华达进出口贸易有限公司", "email": "zhangwei@huada-trade.cn", "country": "CN",
         "phone": "+8675588886666", "site": "www.huada-trade.cn", "person": "张伟"},
    ),
    (
        """Hello,
Kindly send your catalogue and price list urgently, we need samples.
Thanks
John Okafor
Director
Okafor Global Enterprises Ltd.
15 Broad Street, Lagos, Nigeria
+234 803 123 4567
okaforglobal@gmail.com""",
        {"company": "Okafor Global Enterprises Ltd.", "email": "okaforglobal@gmail.com", "country": "NG",
         "phone": "+2348031234567", "site": None, "person": "John Okafor"},
    ),
    (
        """С уважением,
Ivan Petrov
Head of Procurement
OOO Stroytech Import
Moscow, Russia
Tel. +7 495 123-45-67
i.petrov@stroytech-import.ru | https://stroytech-import.ru""",
        {"company": "OOO Stroytech Import", "email": "i.petrov@stroytech-import.ru", "country": "RU",
         "phone": "+74951234567", "site": "stroytech-import.ru"},
    ),
    (
        """Regards,
Maria Schneider
Einkauf / Purchasing
Schneider Maschinenbau GmbH
Industriestr. 12, 70565 Stuttgart, Germany
Phone +49 711 123456-0
m.schneider@schneider-maschinenbau.de
www.schneider-maschinenbau.de""",
        {"company": "Schneider Maschinenbau GmbH", "email": "m.schneider@schneider-maschinenbau.de",
         "country": "DE", "phone": "+497111234560", "site": "www.schneider-maschinenbau.de",
         "person": "Maria Schneider"},
    ),
    (
        """谢谢！
李娜 | 外贸部经理
香港宏远贸易有限公司 Hong Kong Hongyuan Trading Co., Limited
香港九龙弥敦道 100 号
WhatsApp: +852 9123 4567
Email: lina@hy-trading.com.hk""",
        {"company": "香港宏远贸易有限公司 Hong Kong Hongyuan Trading Co., Limited", "email": "lina@hy-trading.com.hk",
         "country": "HK", "phone": "+85291234567"},
    ),
]


@pytest.mark.parametrize("text,expected", SIGNATURES, ids=[s[1]["email"] for s in SIGNATURES])
def test_paste_mode_extracts_signature(text: str, expected: dict[str, str | None]) -> None:
    r = parse(text)
    assert r.pasted
    assert r.company == expected["company"]
    assert r.email == expected["email"]
    assert r.country == expected["country"]
    assert r.phone == expected["phone"]
    assert r.site == expected.get("site")
    if "person" in expected:
        assert r.persons == [expected["person"]]
    assert r.extracted["emails"][0] == expected["email"]
    assert r.raw_text  # kept for the text rules (urgency, bank change)


def test_paste_mode_single_email_line() -> None:
    r = parse("From: Li Wei <li.wei@sinotrade.cn>")
    assert r.pasted and r.email == "li.wei@sinotrade.cn"


BAD_INPUT = [
    ("", "request.error.empty"),
    ("   \n\t ", "request.error.empty"),
    ("x" * (MAX_TEXT + 1), "request.error.too_long"),
    ("\x00\x01\x02", "request.error.control"),
    ("https://acme-trading.ae/contact", "request.error.only_url"),
    ("acme-trading.ae", "request.error.only_url"),
    ("/check", "request.error.empty"),
    ("phone=+971 4 123 4567", "request.error.no_company"),
    ("A" * 400, "request.error.name_too_long"),
    ("ACME email=not-an-address", "request.error.bad_email"),
    ("!!! ???", "request.error.no_company"),
    ("line one\nline two\n", "request.error.nothing_found"),
]


@pytest.mark.parametrize("text,key", BAD_INPUT, ids=[k for _, k in BAD_INPUT])
def test_bad_input_raises_a_localized_error(text: str, key: str) -> None:
    with pytest.raises(RequestError) as info:
        parse(text)
    assert info.value.key == key
    for lang in ("en", "zh"):
        message = t(info.value.key, lang, **info.value.params)
        assert message != key and "{" not in message


def test_control_characters_inside_text_are_removed() -> None:
    r = parse("ACME\x07 Trading\x1b LLC country=AE")
    assert r.company == "ACME Trading LLC"


def test_paste_finds_an_international_number_when_no_country_is_written() -> None:
    request = parse("Best regards,\nTom Baker\nPurchasing\nNorthwind Components Ltd\n"
                    "Tel: +44 20 7946 0958\ntom@northwind-components.co.uk")
    assert request.phone == "+442079460958"
    assert request.company == "Northwind Components Ltd" and request.email == "tom@northwind-components.co.uk"

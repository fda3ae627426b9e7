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


@pytest.mark.parametrize("text", [
    "ACME Trading LLC email=j@acme.ae，country=阿联酋",
    "ACME Trading LLC email=j@acme.ae,country=AE",
    "ACME Trading LLC email=j@acme.ae；country=AE",
    "ACME Trading LLC email=j@acme.ae、国家=阿联酋",
])
def test_known_key_right_after_a_comma_semicolon_or_dun_starts_a_new_value(text: str) -> None:
    r = parse(text)
    assert (r.company, r.email, r.country) == ("ACME Trading LLC", "j@acme.ae", "AE")


def test_values_with_commas_stay_whole_unless_a_known_key_follows() -> None:
    r = parse('ACME Ltd note="paid 30%, rest on B/L" bank=Emirates NBD,branch=Deira,Dubai country=AE')
    assert r.note == "paid 30%, rest on B/L"
    assert r.bank == "Emirates NBD,branch=Deira,Dubai"  # 'branch' is no key: part of the value
    assert r.ignored == [] and r.country == "AE"


@pytest.mark.parametrize("text,company,email,country", [
    ("ACME 邮箱：j@acme.ae 国家：阿联酋", "ACME", "j@acme.ae", "AE"),
    ("ACME email: j@acme.ae", "ACME", "j@acme.ae", None),
    ("Gulf Star LLC email:ahmed@gulfstar.ae country: United Arab Emirates lang=zh", "Gulf Star LLC",
     "ahmed@gulfstar.ae", "AE"),
])
def test_colon_after_a_known_key_on_one_line(text: str, company: str, email: str, country: str | None) -> None:
    r = parse(text)
    assert not r.pasted
    assert (r.company, r.email, r.country) == (company, email, country)


def test_colon_keys_keep_web_addresses_and_unknown_labels_intact() -> None:
    r = parse("ACME site: https://acme.ae/contact ref: 42")
    assert r.site == "https://acme.ae/contact ref: 42"  # 'https' and 'ref' are no keys
    assert r.ignored == []


@pytest.mark.parametrize("country", ["ZZ", "zz", "EU", "UN", "QO", "XA"])
def test_pseudo_regions_are_reported_like_an_unknown_country(country: str) -> None:
    r = parse(f"ACME Ltd country={country}")
    narnia = parse("ACME Ltd country=Narnia")
    assert (r.country, r.country_input) == (None, country)
    assert (narnia.country, narnia.country_input) == (None, "Narnia")


def test_kosovo_code_is_accepted() -> None:
    assert parse("Prishtina Trade LLC country=XK").country == "XK"


def test_unavailable_language_keeps_the_default_and_is_reported() -> None:
    r = parse("ACME Ltd lang=fr", default_lang="zh")
    assert r.lang == "zh" and r.lang_input == "fr"
    zh, en = (t("request.lang_unavailable", lang, language=r.lang_input) for lang in ("zh", "en"))
    assert "“fr”" in zh and "中文" in zh and "zh" in zh and "en" in zh
    assert '"fr"' in en and "only zh (Chinese) and en (English)" in en


@pytest.mark.parametrize("typed,lang", [("zh-CN", "zh"), ("中文", "zh"), ("EN", "en"), ("English", "en")])
def test_language_spellings_are_understood(typed: str, lang: str) -> None:
    r = parse(f"ACME Ltd lang={typed}", default_lang="en" if lang == "zh" else "zh")
    assert (r.lang, r.lang_input) == (lang, None)


def test_a_signature_that_names_only_its_city_gets_its_country() -> None:
    request = parse("Best regards,\nReza Ahmadi\nSales Manager\nPars Polymer Trading Co.\n"
                    "No. 12, Valiasr St., Tehran\nreza@parspolymer.ir")
    assert request.country == "IR" and request.company == "Pars Polymer Trading Co."


@pytest.mark.parametrize("signature, country", [
    ("Best regards,\nChad Miller\nPurchasing Director\nLone Star Industrial Supply Inc.\n2100 Main St, Dallas, TX 75201\n"
     "chad@lonestar-supply.com", None),  # Chad Miller is not in Chad
    ("Thanks,\nJordan Lee\nBuyer\nEvergreen Home Goods LLC\nPortland, OR 97205, USA\njordan@evergreen-home.com", "US"),
    ("Regards\nAhmed Saleh\nJordan Trading Co.\nAmman, Jordan\nahmed@jordantrading.jo", "JO"),
    ("Regards\nAli Rezaei\nPars Iran Polymer Co.\nali@parsiranpolymer.com", "IR"),  # the company's name still counts
])
def test_a_persons_name_is_not_a_country_but_the_company_name_still_counts(signature: str, country: str | None) -> None:
    assert parse(signature).country == country


# --- hostile input (issue 15): limits hold after folding, and every pattern stays linear. Timing is in
# benchmarks/parse.py; here each shape must end in a request or a RequestError, never anything else.

def _fill(unit: str, n: int = MAX_TEXT) -> str:
    return (unit * (n // len(unit) + 1))[:n]


ADVERSARIAL = {
    "kcal": "\u3389" * MAX_TEXT,
    "letters then @": "a" * (MAX_TEXT - 1) + "@",
    "dots no tld": "x@" + _fill("a.", MAX_TEXT - 3) + "1",
    "www": _fill("www."),
    "key pairs": _fill("a= "),
    "lines": _fill("a\n"),
    "phones": _fill("+971 4 295 1234\n"),
    "emails": " ".join(f"u{i}@d{i}.com" for i in range(MAX_TEXT // 12))[:MAX_TEXT],
    "countries": _fill("United Arab Emirates "),
    "control + fold": _fill("\x01\u3389"),
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_input_parses_or_is_refused(name: str) -> None:
    text = ADVERSARIAL[name]
    assert len(text) <= MAX_TEXT
    try:
        request = parse(text)
    except RequestError as error:
        assert t(error.key, "en", **error.params) != error.key
    else:
        assert request.company or request.email or request.site or request.phone


def test_the_limit_applies_after_folding_too() -> None:
    """㎉ is one character typed and four ("kcal") folded: 20,000 of them are 80,000 characters."""
    with pytest.raises(RequestError) as info:
        parse("\u3389" * MAX_TEXT)
    assert info.value.key == "request.error.too_long"
    assert info.value.params["length"] == 4 * MAX_TEXT
    assert parse("ACME \u3389 Ltd").company == "ACME kcal Ltd"  # a few fold as before


def test_a_paste_of_thousands_of_numbers_keeps_a_bounded_few() -> None:
    from checks.request import MAX_PHONES

    numbers = "".join(f"+971 4 {200 + i // 1000:03d} {i % 1000:04d}\n" for i in range(1200))
    request = parse("ACME Trading LLC\n" + numbers)
    assert request.phone == "+97142000000"
    assert len(request.extracted["phones"]) == MAX_PHONES


def test_many_emails_are_kept_once_each_in_order() -> None:
    request = parse(ADVERSARIAL["emails"])
    emails = request.extracted["emails"]
    assert emails[:3] == ["u0@d0.com", "u1@d1.com", "u2@d2.com"]
    assert len(emails) == len(set(emails)) > 1000


def test_unknown_keys_are_reported_once_each() -> None:
    assert parse("ACME foo=1 foo=2 bar=3 country=AE").ignored == ["foo", "bar"]


@pytest.mark.parametrize("email", ["john@@acme..ae", "john@acme..ae", "x@[127.0.0.1]", "j@" + "a" * 64 + ".ae",
                                   "@acme.ae", "j@localhost", "j@.ae"])
def test_an_email_no_mail_server_could_have_is_refused_like_not_an_email(email: str) -> None:
    with pytest.raises(RequestError) as info:
        parse(f"ACME email={email}")
    assert info.value.key == "request.error.bad_email"


@pytest.mark.parametrize("email", ["j@acme.ae", "j@münchen.de", "j@" + "a" * 63 + ".ae", "j.o'neil+x@acme.ae"])
def test_unusual_but_real_emails_are_kept(email: str) -> None:
    assert parse(f"ACME email={email}").email == email


@pytest.mark.parametrize("text", ["ACME Trading \x1b[2J LLC", "ACME \x1b]0;owned\x07Trading LLC", "ACME\x9b31m Trading LLC",
                                  "\x1b[31mACME Trading LLC\x1b[0m"])
def test_terminal_escapes_are_removed_whole(text: str) -> None:
    assert parse(text + " country=AE").company == "ACME Trading LLC"

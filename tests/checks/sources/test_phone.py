"""The offline phone source on libphonenumber's recorded example numbers (fixtures/phone)."""

from __future__ import annotations

import pytest

from checks.engine import CheckContext
from checks.models import Status
from checks.request import CheckRequest, parse
from checks.sources.phone import PhoneSource, check_phone, same_country

from .conftest import fixture_json

RESULTS = fixture_json("phone", "phonenumbers_examples.json")["results"]
VALID = [r for r in RESULTS if r.get("is_valid") and r.get("region")]
INVALID = [r for r in RESULTS if r.get("is_valid") is False]
TYPE_KEYS = {"MOBILE": "mobile", "FIXED_LINE": "fixed_line", "FIXED_LINE_OR_MOBILE": "fixed_line_or_mobile",
             "VOIP": "voip", "TOLL_FREE": "toll_free", "PERSONAL_NUMBER": "personal_number"}


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def _id(record: dict) -> str:
    return f"{record['input']}@{record['default_region'] or '-'}"


@pytest.mark.parametrize("record", VALID, ids=_id)
def test_recorded_numbers_in_their_own_country(record: dict, ctx: CheckContext) -> None:
    findings = check_phone(record["input"], record["region"], ctx)
    main = findings[0]
    assert main.code == "phone.valid" and main.status is Status.PASS
    assert main.data["e164"] == record["e164"]
    assert main.data["region"] == record["region"]
    assert main.data["type"] == TYPE_KEYS[record["type"]]
    if record["carrier_en"]:
        assert main.data["carrier"] == record["carrier_en"]
    assert ("phone.voip" in codes(findings)) == (record["type"] == "VOIP")


@pytest.mark.parametrize("record", [r for r in VALID if r["input"].startswith("+")], ids=_id)
def test_recorded_numbers_claimed_elsewhere_mismatch(record: dict, ctx: CheckContext) -> None:
    claimed = "AE" if record["region"] != "AE" else "SA"
    findings = check_phone(record["input"], claimed, ctx)
    assert findings[0].code == "phone.country_mismatch"
    assert findings[0].status is Status.FLAG
    assert findings[0].data["region"] == record["region"]
    assert findings[0].data["claimed_country"] == claimed


@pytest.mark.parametrize("record", INVALID, ids=_id)
def test_recorded_invalid_numbers(record: dict, ctx: CheckContext) -> None:
    findings = check_phone(record["input"], record["default_region"] or None, ctx)
    assert codes(findings) == ["phone.invalid"]
    assert findings[0].status is Status.FAIL


def test_national_number_needs_a_country(ctx: CheckContext) -> None:
    national = next(r for r in RESULTS if r["input"] == "13800138000" and r["default_region"] == "CN")
    assert check_phone(national["input"], "CN", ctx)[0].data["e164"] == national["e164"]
    findings = check_phone(national["input"], None, ctx)
    assert codes(findings) == ["phone.needs_prefix"]
    assert findings[0].status is Status.INFO


def test_plus_one_is_compared_by_region_not_calling_code(ctx: CheckContext) -> None:
    # +1 204 is Manitoba: a buyer claiming the US with a Canadian number is a mismatch although both are +1
    findings = check_phone("+1 204-234-5678", "US", ctx)
    assert findings[0].code == "phone.country_mismatch"
    assert findings[0].data["region"] == "CA"
    assert check_phone("+1 204-234-5678", "CA", ctx)[0].code == "phone.valid"


def test_plus_seven_kazakhstan_is_not_russia(ctx: CheckContext) -> None:
    assert check_phone("+7 701 123 4567", "KZ", ctx)[0].code == "phone.valid"
    mismatch = check_phone("+7 701 123 4567", "RU", ctx)[0]
    assert mismatch.code == "phone.country_mismatch" and mismatch.data["region"] == "KZ"


def test_territories_of_the_claimed_country(ctx: CheckContext) -> None:
    assert same_country("JE", "GB") and same_country("PR", "US") and not same_country("HK", "CN")
    assert check_phone("+44 1534 456789", "GB", ctx)[0].code == "phone.valid"  # Jersey


def test_double_zero_international_prefix_without_country(ctx: CheckContext) -> None:
    findings = check_phone("0086 131 2345 6789", None, ctx)
    assert findings[0].code == "phone.valid" and findings[0].status is Status.INFO  # nothing claimed to compare
    assert findings[0].data["region"] == "CN"


def test_number_inside_text(ctx: CheckContext) -> None:
    findings = check_phone("Tel: +971 50 123 4567 (WhatsApp)", "AE", ctx)
    assert findings[0].code == "phone.valid"


@pytest.mark.parametrize("junk", ["abc", "+", "++86", "0" * 40, "+999 123"])
def test_junk_never_crashes(junk: str, ctx: CheckContext) -> None:
    findings = check_phone(junk, "AE", ctx)
    assert codes(findings) == ["phone.invalid"]


def test_acceptance_number_is_chinese_not_emirati() -> None:
    request = parse("ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789")
    findings = check_phone(request.phone or "", request.country, CheckContext.for_lang("zh"))
    assert findings[0].code == "phone.country_mismatch"
    assert findings[0].title == "电话 +86 138 0013 8000 属于中国，但买家自称在阿拉伯联合酋长国"
    assert "手机" in findings[0].detail


async def test_source(ctx: CheckContext) -> None:
    source = PhoneSource()
    assert not source.applicable(CheckRequest(company="x"))
    findings = await source.run(CheckRequest(company="x", phone="+44 5612 345678", country="GB"), ctx)
    assert codes(findings) == ["phone.valid", "phone.voip"]

"""The buyer's phone number, offline: is it a real number, of what kind, and from which country?

A buyer claiming Dubai with a Chinese mobile, or a "head office" on a VoIP number, deserves a
question. Countries are compared by phonenumbers' region, never by calling code: +1 covers the US,
Canada and the Caribbean, +7 Russia and Kazakhstan. Carrier names are those of the original range
holder (numbers can be ported), so they are shown as hints, not facts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import countries
from ..engine import CheckContext, Source
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest

if TYPE_CHECKING:  # imported when a phone number is checked (~15 ms of start-up a check without one skips)
    import phonenumbers

EVIDENCE = Evidence(source="libphonenumber (phonenumbers)", url="https://github.com/google/libphonenumber")

# Territories that phonenumbers files under their own region but that belong to the claimed country.
SAME_COUNTRY: dict[str, frozenset[str]] = {
    "GB": frozenset({"GG", "JE", "IM"}),
    "US": frozenset({"PR", "VI", "GU", "AS", "MP"}),
    "FR": frozenset({"GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"}),
    "FI": frozenset({"AX"}),
    "NO": frozenset({"SJ"}),
    "AU": frozenset({"CX", "CC", "NF"}),
}

TYPE_KEYS: dict[str, str] = {  # phonenumbers' PhoneNumberType names -> our catalog's
    "MOBILE": "mobile",
    "FIXED_LINE": "fixed_line",
    "FIXED_LINE_OR_MOBILE": "fixed_line_or_mobile",
    "TOLL_FREE": "toll_free",
    "PREMIUM_RATE": "premium_rate",
    "SHARED_COST": "shared_cost",
    "VOIP": "voip",
    "PERSONAL_NUMBER": "personal_number",
    "PAGER": "pager",
    "UAN": "uan",
    "VOICEMAIL": "voicemail",
}


def kind_of(number: phonenumbers.PhoneNumber) -> str:
    """The number's kind (`mobile`, `voip`, ...), "unknown" when phonenumbers cannot tell."""
    import phonenumbers

    number_type = phonenumbers.number_type(number)
    return next((key for name, key in TYPE_KEYS.items() if getattr(phonenumbers.PhoneNumberType, name) == number_type),
                "unknown")


def same_country(region: str | None, claimed: str | None) -> bool:
    if not region or not claimed:
        return False
    region, claimed = region.upper(), claimed.upper()
    return region == claimed or region in SAME_COUNTRY.get(claimed, frozenset())


def parse_number(text: str, claimed: str | None) -> phonenumbers.PhoneNumber | None:
    """The number in `text`, read with the claimed country for national forms; None if unreadable.

    A valid number found inside surrounding words ("Tel: +971 50 … (WhatsApp)") is preferred to an
    invalid reading of the whole text.
    """
    import phonenumbers

    text = text.strip()
    region = claimed.upper() if claimed else None
    candidate = re.sub(r"^\s*00(?=[1-9])", "+", text) if region is None else text
    whole: phonenumbers.PhoneNumber | None = None
    try:
        whole = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        pass
    if whole is not None and phonenumbers.is_valid_number(whole):
        return whole
    for match in phonenumbers.PhoneNumberMatcher(text, region or "ZZ", leniency=phonenumbers.Leniency.VALID):
        return match.number
    return whole


class PhoneSource(Source):
    name = "phone"
    needs = ("phone",)
    timeout = 2.0

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        return check_phone(request.phone or "", request.country, ctx)


def check_phone(text: str, claimed: str | None, ctx: CheckContext) -> list[Finding]:
    import phonenumbers

    t = ctx.t
    shown = text.strip()[:60]
    number = parse_number(text, claimed)
    if number is None:
        if not text.strip().startswith("+") and not claimed:
            return [Finding(
                code="phone.needs_prefix", status=Status.INFO, severity=Severity.LOW, section=Section.VERIFICATION,
                title=t("phone.needs_prefix.title", phone=shown), detail=t("phone.needs_prefix.detail"),
                data={"phone": shown},
            )]
        return [_invalid(shown, None, ctx)]
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        return [_invalid(shown, e164, ctx)]

    region = phonenumbers.region_code_for_number(number)
    kind = kind_of(number)
    lang = "zh" if ctx.lang == "zh" else "en"
    # the carrier and place-name tables take about 1.5 s and 100 MB to import: only for a valid number
    from phonenumbers import carrier, geocoder

    operator = carrier.name_for_number(number, lang) or carrier.name_for_number(number, "en")
    place = geocoder.description_for_number(number, lang) or geocoder.description_for_number(number, "en")
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    region_name = countries.name_of(region, ctx.lang) if region and region != "001" else t("phone.non_geographic")
    kind_name = t(f"phone.type.{kind}")
    facts = ("，" if ctx.lang == "zh" else ", ").join(x for x in (region_name, kind_name, place if place and place != region_name else "", operator) if x)
    data = {"phone": international, "e164": e164, "region": region, "type": kind, "carrier": operator or None,
            "location": place or None, "claimed_country": claimed}

    findings: list[Finding] = []
    if claimed and not same_country(region, claimed):
        findings.append(Finding(
            code="phone.country_mismatch", status=Status.FLAG, severity=Severity.MEDIUM, section=Section.VERIFICATION,
            title=t("phone.country_mismatch.title", phone=international, region=region_name,
                    claimed=countries.name_of(claimed, ctx.lang)),
            detail=t("phone.country_mismatch.detail", facts=facts), evidence=[EVIDENCE], data=data,
        ))
    else:
        findings.append(Finding(
            code="phone.valid", status=Status.PASS if claimed else Status.INFO, severity=Severity.INFO,
            section=Section.VERIFICATION, title=t("phone.valid.title", phone=international, facts=facts),
            detail=t("phone.carrier_hint") if operator else "", evidence=[EVIDENCE], data=data,
        ))
    if kind == "voip":
        findings.append(Finding(
            code="phone.voip", status=Status.FLAG, severity=Severity.LOW, section=Section.VERIFICATION,
            title=t("phone.voip.title", phone=international), detail=t("phone.voip.detail"),
            evidence=[EVIDENCE], data=data,
        ))
    return findings


def _invalid(shown: str, e164: str | None, ctx: CheckContext) -> Finding:
    return Finding(
        code="phone.invalid", status=Status.FAIL, severity=Severity.MEDIUM, section=Section.VERIFICATION,
        title=ctx.t("phone.invalid.title", phone=shown), detail=ctx.t("phone.invalid.detail"),
        evidence=[EVIDENCE], data={"phone": shown, "e164": e164},
    )

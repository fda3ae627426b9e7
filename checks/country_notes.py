"""Working notes on the buyer's country: local time, business hours, weekend, coming holidays,
languages and a line on written etiquette — what a salesperson in Ningbo wants to know before
answering a buyer in Riyadh.

Offline: time zones from `zoneinfo`, public holidays from the `holidays` package, the rest from
`data/country_notes.yml` (sources in its header). The zone is the capital's unless the buyer's
phone number names exactly one zone in that country, or the registered address names a city the
data file knows. The clock is injectable so that tests can fix "now".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field

from . import countries, yamlfile
from .engine import Analyzer, CheckContext
from .models import CountryNotes, Evidence, Finding, HolidayNote, Report, Section, Severity, Status
from .request import CheckRequest

DATA_FILE = Path(__file__).parent / "data" / "country_notes.yml"
HORIZON_DAYS = 14
SOURCE_NAME = "country_notes"
Clock = Callable[[], datetime]


class _Etiquette(BaseModel):
    en: str
    zh: str


class _WeekendPeriod(BaseModel):
    until: date
    weekend: list[int]


class CountryEntry(BaseModel):
    """One country in the data file."""

    tz: str
    languages: list[str]
    etiquette: _Etiquette
    weekend: list[int] = Field(default_factory=lambda: [5, 6])
    weekend_history: list[_WeekendPeriod] = Field(default_factory=list)
    cities: dict[str, str] = Field(default_factory=dict)
    hours: tuple[int, int] | None = None

    def weekend_on(self, day: date) -> list[int]:
        """The weekend in force on `day` (e.g. the UAE rested Friday-Saturday until 2021)."""
        for period in sorted(self.weekend_history, key=lambda p: p.until):
            if day <= period.until:
                return period.weekend
        return self.weekend


class NotesData(BaseModel):
    default_hours: tuple[int, int] = (9, 18)
    holiday_names_zh: dict[str, str] = Field(default_factory=dict)
    countries: dict[str, CountryEntry]


@lru_cache(maxsize=1)
def data() -> NotesData:
    raw = yamlfile.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    return NotesData.model_validate(raw)


def system_clock() -> datetime:
    return datetime.now(UTC)


# --- time zone --------------------------------------------------------------------------------------
def zone_for(country: str, phone: str | None = None, address: str | None = None) -> tuple[str | None, str]:
    """The buyer's zone and why: ("Asia/Riyadh", "capital" | "phone" | "address" | "only zone")."""
    entry = data().countries.get(country)
    from_phone = _phone_zone(phone, country)
    if from_phone:
        return from_phone, "phone"
    if entry is not None:
        if address:
            for city, zone in sorted(entry.cities.items(), key=lambda item: -len(item[0])):
                if re.search(rf"(?<![^\W\d_]){re.escape(city)}(?![^\W\d_])", address, re.IGNORECASE):
                    return zone, "address"
        return entry.tz, "capital"
    zones = _country_zones(country)
    if len(zones) == 1:
        return zones[0], "only zone"
    return None, ""


def _phone_zone(phone: str | None, country: str) -> str | None:
    """The one zone phonenumbers gives for a number in `country` (a landline's area); None if several."""
    if not phone:
        return None
    import phonenumbers
    from phonenumbers import timezone as phone_tz

    try:
        parsed = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_number(parsed) != country:
        return None
    zones = [z for z in phone_tz.time_zones_for_number(parsed) if z != phone_tz.UNKNOWN_TIMEZONE]
    return zones[0] if len(zones) == 1 and _valid_zone(zones[0]) else None


def _country_zones(country: str) -> list[str]:
    """Zones of a country outside the data file, from phonenumbers' example landline."""
    import phonenumbers
    from phonenumbers import timezone as phone_tz

    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.FIXED_LINE)
    if example is None:
        return []
    zones = [z for z in phone_tz.time_zones_for_geographical_number(example) if _valid_zone(z)]
    return sorted(set(zones))


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# --- holidays ---------------------------------------------------------------------------------------
def holidays_between(country: str, start: date, end: date, lang: str) -> list[HolidayNote]:
    """Public holidays from `start` to `end` inclusive, named in `lang` where possible."""
    import holidays as holidays_pkg

    years = set(range(start.year, end.year + 1))
    try:
        english = holidays_pkg.country_holidays(country, years=years, language=_holiday_language(country, "en"))
    except NotImplementedError:
        return []
    local: dict[date, str] = {}
    if lang == "zh":
        zh_language = _holiday_language(country, "zh")
        if zh_language:
            local = dict(holidays_pkg.country_holidays(country, years=years, language=zh_language).items())
    found = []
    for day, name in sorted(english.items()):
        if start <= day <= end:
            text = name if lang != "zh" else local.get(day) or translate_holiday(name)
            found.append(HolidayNote(date=day, name=text, name_en=name))
    return found


def _holiday_language(country: str, lang: str) -> str | None:
    import holidays as holidays_pkg

    try:
        cls = holidays_pkg.country_holidays(country)
    except NotImplementedError:
        return None
    supported = tuple(getattr(cls, "supported_languages", ()) or ())
    wanted = ("zh_CN", "zh_TW") if lang == "zh" else ("en_US", "en_GB")
    for code in wanted:
        if code in supported:
            return code
    if lang == "en" and str(getattr(cls, "default_language", "") or "").startswith("en"):
        return cls.default_language
    return None


def translate_holiday(name: str) -> str:
    """Chinese for an English holiday name from the data file's glossary; the English name when unknown.

    Names such as "Eid al-Fitr (estimated)" or "Day off (substituted from …)" are split into the
    base name and the parenthesised remarks, each translated on its own.
    """
    glossary = data().holiday_names_zh
    parts = [p.strip() for p in re.split(r";|,(?![^()]*\))", name) if p.strip()]
    out = []
    for part in parts:
        base, _, remark = part.partition(" (")
        text = _lookup(base.strip(), glossary)
        if remark:
            remarks = [_lookup(r.strip(), glossary) for r in remark.rstrip(")").split(",")]
            text += "（" + "，".join(remarks) + "）"
        out.append(text)
    return "；".join(out)


def _lookup(text: str, glossary: dict[str, str]) -> str:
    if text in glossary:
        return glossary[text]
    lowered = text.lower()
    for key in sorted(glossary, key=len, reverse=True):
        if key.lower() in lowered and len(key) >= 4:
            return f"{glossary[key]}（{text}）" if len(key) < len(text) else glossary[key]
    return text


# --- the notes ---------------------------------------------------------------------------------------
def country_notes(
    country: str | None, *, phone: str | None = None, address: str | None = None, lang: str = "en",
    now: datetime | None = None,
) -> CountryNotes | None:
    """The notes for a country code, or None when the country is unknown or has no time zone."""
    code = countries.to_code(country) if country else None
    if not code:
        return None
    zone_name, basis = zone_for(code, phone, address)
    if zone_name is None:
        return None
    now = (now or system_clock()).astimezone(ZoneInfo(zone_name))
    entry = data().countries.get(code)
    today = now.date()
    weekend = entry.weekend_on(today) if entry else _package_weekend(code)
    coming = holidays_between(code, today, today + timedelta(days=HORIZON_DAYS), lang)
    hours = (entry.hours if entry and entry.hours else None) or data().default_hours
    holiday_today = any(h.date == today for h in coming)
    business = now.weekday() not in weekend and not holiday_today and hours[0] <= now.hour < hours[1]
    return CountryNotes(
        country=code, timezone=zone_name, timezone_basis=basis, local_time=now.replace(microsecond=0),
        utc_offset=_offset(now), business_hours_now=business, business_hours=list(hours), weekend=sorted(weekend),
        holiday_today=holiday_today, holidays_next_14_days=coming,
        languages=list(entry.languages) if entry else [],
        etiquette=(entry.etiquette.zh if lang == "zh" else entry.etiquette.en) if entry else "",
        covered=entry is not None,
    )


def _package_weekend(code: str) -> list[int]:
    import holidays as holidays_pkg

    try:
        return sorted(holidays_pkg.country_holidays(code).weekend)
    except NotImplementedError:
        return [5, 6]


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def language_names(codes: list[str], lang: str) -> list[str]:
    """Language codes as names in the reader's language (CLDR via Babel)."""
    from babel import Locale

    names = Locale.parse("zh" if lang == "zh" else "en").languages
    shown = []
    for code in codes:
        base = code.replace("-", "_")
        if base == "zh_Hant":
            shown.append("繁体中文" if lang == "zh" else "Traditional Chinese")
            continue
        shown.append(names.get(base) or names.get(base.split("_")[0]) or code)
    return shown


WEEKDAYS = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
}


def weekday_names(days: list[int], lang: str) -> str:
    names = WEEKDAYS["zh" if lang == "zh" else "en"]
    return ("、" if lang == "zh" else "–" if len(days) == 2 and days[1] == days[0] + 1 else ", ").join(
        names[d] for d in days)


class CountryNotesAnalyzer(Analyzer):
    """Adds `Report.country_notes` and one Profile line; runs after the profile analyzer (the address)."""

    name = "country_notes"

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or system_clock

    def analyze(self, request: CheckRequest, report: Report, ctx: CheckContext) -> None:
        country = request.country or _phone_country(request.phone)
        if not country:
            return
        address = next((str(f.data.get("value") or "") for f in report.findings() if f.code == "profile.address"), None)
        notes = country_notes(country, phone=request.phone, address=address, lang=ctx.lang, now=self.clock())
        if notes is None:
            return
        report.country_notes = notes
        report.sections.add(notes_finding(notes, ctx))


def _phone_country(phone: str | None) -> str | None:
    if not phone or not phone.strip().startswith("+"):
        return None
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return None


def notes_finding(notes: CountryNotes, ctx: CheckContext) -> Finding:
    """One line for the card's Profile section; the rest goes to its detail (Details)."""
    lang = ctx.lang
    t = ctx.t
    when = notes.local_time.strftime("%H:%M") + " " + WEEKDAYS[lang if lang == "zh" else "en"][notes.local_time.weekday()]
    if notes.business_hours_now:
        state = t("country_notes.open")
    elif notes.local_time.weekday() in notes.weekend:
        state = t("country_notes.weekend_now")
    elif notes.holiday_today:
        state = t("country_notes.holiday_now")
    else:
        state = t("country_notes.closed")
    parts = [t("country_notes.title", country=countries.name_of(notes.country, lang), time=when, state=state)]
    if notes.holidays_next_14_days:
        first = notes.holidays_next_14_days[0]
        parts.append(t("country_notes.next_holiday", name=first.name, date=first.date.strftime("%m-%d")))
    if notes.languages:
        parts.append(t("country_notes.write_in", languages=_join(language_names(notes.languages, lang), lang)))
    detail_lines = [
        t("country_notes.detail.zone", zone=notes.timezone, offset=notes.utc_offset,
          basis=t(f"country_notes.basis.{notes.timezone_basis.replace(' ', '_')}"),
          start=notes.business_hours[0], end=notes.business_hours[1]),
        t("country_notes.detail.weekend", days=weekday_names(notes.weekend, lang)),
    ]
    if notes.holidays_next_14_days:
        listed = "; ".join(f"{h.date.isoformat()} {h.name}" for h in notes.holidays_next_14_days)
        detail_lines.append(t("country_notes.detail.holidays", days=HORIZON_DAYS, holidays=listed))
    else:
        detail_lines.append(t("country_notes.detail.no_holidays", days=HORIZON_DAYS))
    if notes.etiquette:
        detail_lines.append(t("country_notes.detail.etiquette", text=notes.etiquette))
    return Finding(
        code="country.notes", status=Status.INFO, severity=Severity.INFO, section=Section.PROFILE,
        title=" · ".join(parts), detail=" ".join(detail_lines),
        evidence=[Evidence(source=SOURCE_NAME, url=None, retrieved_at=notes.local_time.astimezone(UTC))],
        data={"country_notes": notes.model_dump(mode="json")},
    )


def _join(items: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)

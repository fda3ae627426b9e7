"""The buyer's country notes: local time, business hours, weekend, holidays, languages — with a fixed clock."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import holidays
import pytest

from checks import country_notes as cn
from checks.config import Settings
from checks.engine import CheckContext
from checks.models import Report, Subject
from checks.registry import build_engine
from checks.request import parse


def at(text: str, zone: str = "UTC") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def test_saudi_weekend_is_friday_saturday_and_eid_is_coming() -> None:
    notes = cn.country_notes("SA", now=at("2026-03-15T10:00", "Asia/Riyadh"))
    assert notes is not None
    assert notes.weekend == [4, 5]
    assert notes.timezone == "Asia/Riyadh" and notes.timezone_basis == "capital"
    assert notes.business_hours_now  # a Sunday morning is a working morning in Riyadh
    expected = holidays.country_holidays("SA", years=2026, language="en_US")
    eid = [d for d, name in expected.items() if "Eid al-Fitr" in name and date(2026, 3, 15) <= d <= date(2026, 3, 29)]
    assert eid, "the holidays package has Eid al-Fitr in the second half of March 2026"
    assert [h.date for h in notes.holidays_next_14_days if "Eid al-Fitr" in h.name] == sorted(eid)
    assert notes.languages[0] == "ar"


def test_saudi_friday_is_not_business_hours_and_zh_names_the_holiday_in_chinese() -> None:
    friday = cn.country_notes("沙特", lang="zh", now=at("2026-03-13T10:00", "Asia/Riyadh"))
    assert friday is not None and friday.country == "SA"
    assert friday.local_time.weekday() == 4 and not friday.business_hours_now
    assert any("开斋节" in h.name and h.name_en.startswith("Eid al-Fitr") for h in friday.holidays_next_14_days)
    assert re.search(r"[\u4e00-\u9fff]", friday.etiquette)


def test_uae_moved_its_weekend_in_2022() -> None:
    before = cn.country_notes("AE", now=at("2021-06-04T10:00", "Asia/Dubai"))  # a Friday
    after = cn.country_notes("AE", now=at("2026-06-05T10:00", "Asia/Dubai"))  # a Friday
    assert before is not None and after is not None
    assert before.weekend == [4, 5] and not before.business_hours_now
    assert after.weekend == [5, 6] and after.business_hours_now


@pytest.mark.parametrize(("country", "weekend"), [("IR", [4]), ("IL", [4, 5]), ("EG", [4, 5]), ("DE", [5, 6]), ("BD", [4, 5])])
def test_working_weeks(country: str, weekend: list[int]) -> None:
    notes = cn.country_notes(country, now=at("2026-12-06T12:00"))
    assert notes is not None and notes.weekend == weekend


def test_christmas_day_in_the_us_is_a_holiday_not_business_hours() -> None:
    notes = cn.country_notes("US", now=at("2026-12-25T10:00", "America/New_York"))
    assert notes is not None
    assert notes.holiday_today and not notes.business_hours_now
    assert notes.holidays_next_14_days[0].date == date(2026, 12, 25)
    zh = cn.country_notes("US", lang="zh", now=at("2026-12-25T10:00", "America/New_York"))
    assert zh is not None and zh.holidays_next_14_days[0].name == "圣诞节"


def test_china_holidays_use_the_packages_own_chinese_names() -> None:
    notes = cn.country_notes("CN", lang="zh", now=at("2026-09-28T10:00", "Asia/Shanghai"))
    assert notes is not None
    own = holidays.country_holidays("CN", years=2026, language="zh_CN")
    assert [(h.date, h.name) for h in notes.holidays_next_14_days][:3] == [
        (d, own[d]) for d in sorted(own) if date(2026, 9, 28) <= d <= date(2026, 10, 12)][:3]


def test_time_zone_of_a_multi_zone_country_follows_phone_then_address_then_capital() -> None:
    now = at("2026-12-07T20:00")  # Monday 20:00 UTC
    capital = cn.country_notes("US", now=now)
    phone = cn.country_notes("US", phone="+1 213 555 0100", now=now)
    address = cn.country_notes("US", address="1200 Smith St, Houston, TX 77002", now=now)
    assert capital is not None and phone is not None and address is not None
    assert (capital.timezone, capital.timezone_basis) == ("America/New_York", "capital")
    assert (phone.timezone, phone.timezone_basis) == ("America/Los_Angeles", "phone")
    assert (address.timezone, address.timezone_basis) == ("America/Chicago", "address")
    assert capital.local_time.hour == 15 and phone.local_time.hour == 12 and address.local_time.hour == 14
    # a number from another country says nothing about this one's zone
    assert cn.country_notes("US", phone="+7 423 222 3333", now=now).timezone == "America/New_York"  # type: ignore[union-attr]
    assert cn.country_notes("RU", phone="+7 423 222 3333", now=now).timezone == "Asia/Vladivostok"  # type: ignore[union-attr]


def test_unknown_country_has_no_notes_and_a_country_outside_the_file_still_gets_time_and_holidays() -> None:
    assert cn.country_notes("Narnia") is None
    assert cn.country_notes(None) is None
    notes = cn.country_notes("IS", now=at("2026-12-20T12:00"))  # Iceland: not in the data file
    assert notes is not None and not notes.covered
    assert notes.timezone == "Atlantic/Reykjavik" and notes.languages == [] and notes.etiquette == ""
    assert any(h.date == date(2026, 12, 25) for h in notes.holidays_next_14_days)


def test_data_file_covers_sixty_countries_in_both_languages() -> None:
    data = cn.data()
    assert len(data.countries) >= 60
    for code, entry in data.countries.items():
        ZoneInfo(entry.tz)
        for zone in entry.cities.values():
            ZoneInfo(zone)
        assert entry.languages, code
        assert entry.etiquette.en and re.search(r"[\u4e00-\u9fff]", entry.etiquette.zh), code
        assert all(0 <= d <= 6 for d in entry.weekend), code


# Where the data file and the holidays package disagree, on purpose (see the data file's sources).
DELIBERATE = {"IN": "many Indian firms work on Saturday", "HK": "most offices close on Saturday",
              "LY": "Libya rests Friday-Saturday"}


def test_weekends_agree_with_the_holidays_package_except_where_documented() -> None:
    for code, entry in cn.data().countries.items():
        if code in DELIBERATE:
            continue
        package = sorted(holidays.country_holidays(code).weekend)
        assert entry.weekend_on(date(2026, 12, 6)) == package, code


def test_holiday_glossary_translates_remarks() -> None:
    assert cn.translate_holiday("Eid al-Adha Holiday (observed)") == "宰牲节（古尔邦节）假期（补假）"
    assert cn.translate_holiday("Some Local Day") == "Some Local Day"


def test_the_analyzer_adds_one_profile_line_and_the_report_field() -> None:
    engine = build_engine(Settings(), offline=True)
    for analyzer in engine.analyzers:
        if isinstance(analyzer, cn.CountryNotesAnalyzer):
            analyzer.clock = lambda: at("2026-03-13T07:00")  # Friday 10:00 in Riyadh
    report = asyncio.run(engine.run(parse("Al Noor Trading country=SA phone=+966112345678 lang=zh")))
    assert report.country_notes is not None and report.country_notes.weekend == [4, 5]
    lines = [f for f in report.sections.profile if f.code == "country.notes"]
    assert len(lines) == 1
    assert "当地周末" in lines[0].title and "开斋节" in lines[0].title
    assert "周五、周六" in lines[0].detail
    dumped = json.loads(report.model_dump_json())
    assert dumped["country_notes"]["weekend"] == [4, 5]
    assert set(dumped["country_notes"]) >= {"country", "timezone", "local_time", "business_hours_now", "weekend",
                                             "holidays_next_14_days", "languages"}


def test_no_country_no_notes() -> None:
    report = Report(subject=Subject(name="X"))
    cn.CountryNotesAnalyzer(clock=lambda: at("2026-03-13T07:00")).analyze(parse("ACME Ltd email=a@acme.example"), report,
                                                                         CheckContext.for_lang("en"))
    assert report.country_notes is None and not report.sections.profile


def test_cli_check_offline_json_shows_the_saudi_weekend(capsys: pytest.CaptureFixture[str]) -> None:
    from bot import cli

    assert cli.main(["check", "X", "country=SA", "--json", "--offline", "--no-store"]) == 0
    report = json.loads(capsys.readouterr().out)
    notes = report["country_notes"]
    assert notes["weekend"] == [4, 5] and notes["timezone"] == "Asia/Riyadh"
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Riyadh")).date()
    expected = sorted(d.isoformat() for d in holidays.country_holidays("SA", years={today.year, today.year + 1})
                      if 0 <= (d - today).days <= 14)
    assert [h["date"] for h in notes["holidays_next_14_days"]] == expected


def test_the_card_shows_one_line_and_details_show_the_rest() -> None:
    from bot.card import build_card

    engine = build_engine(Settings(), offline=True)
    for analyzer in engine.analyzers:
        if isinstance(analyzer, cn.CountryNotesAnalyzer):
            analyzer.clock = lambda: at("2026-12-24T15:00")  # Christmas Eve, 10:00 in New York
    report = asyncio.run(engine.run(parse("Acme Corp country=US phone=+12125550100")))
    card = build_card(report)
    [line] = [i for s in card.sections for i in s.items if i.code == "country.notes"]
    assert line.detail == "" and "business hours" in line.text and "Christmas Day" in line.text
    details = build_card(report, details=True)
    [full] = [i for s in details.sections for i in s.items if i.code == "country.notes"]
    assert "America/New_York" in full.detail and "2026-12-25 Christmas Day" in full.detail

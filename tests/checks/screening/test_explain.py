"""Reasons and list names a reviewer reads: the agreeing country is never cut off, lists are named in the
reader's language."""

from __future__ import annotations

import pytest

from checks.engine import CheckContext
from checks.i18n import translator
from checks.screening.explain import list_label, list_title, reasons
from checks.screening.matcher import Match, Query
from checks.watchlists.model import Entity, EntityType, Name, NameKind

TEN = ["IR", "FR", "HK", "IQ", "OM", "AE", "DE", "CN", "GB", "MY"]


def _match(country: str | None, countries: list[str] = TEN, source: str = "us_ofac_sdn") -> Match:
    entity = Entity(source=source, source_id="1", type=EntityType.ORGANIZATION, names=[Name("BANK MELLI IRAN")],
                    countries=countries, programs=["IRAN", "SDGT"])
    return Match(entity=entity, name="BANK MELLI IRAN", name_kind=NameKind.PRIMARY, score=0.9,
                 country=country)


def _country_line(lines: list[str]) -> str:
    return next(line for line in lines if line.startswith(("country", "国家", "名单登记国家")))


def test_an_agreeing_country_far_down_the_list_is_shown_first() -> None:
    line = _country_line(reasons(_match("agree"), Query("Bank Melli", country="GB"), translator("en")))
    assert line == ("country agrees: the listing names United Kingdom, Iran, France, Hong Kong SAR China, Iraq, Oman "
                    "+4 more")


def test_an_agreeing_country_is_matched_whatever_its_case() -> None:
    line = _country_line(reasons(_match("agree", [c.lower() for c in TEN]), Query("Bank Melli", country="GB"),
                                 translator("en")))
    assert line.startswith("country agrees: the listing names United Kingdom, Iran, France,") and "+4 more" in line


def test_in_chinese_the_rest_is_counted_in_chinese() -> None:
    line = _country_line(reasons(_match("agree"), Query("Bank Melli", country="MY"), translator("zh")))
    assert line == "名单登记国家为马来西亚、伊朗、法国、中国香港特别行政区、伊拉克、阿曼等另外 4 个，与买家所在国一致"


def test_a_differing_country_shows_the_first_six_and_how_many_more() -> None:
    line = _country_line(reasons(_match("differ"), Query("Bank Melli", country="BR"), translator("en")))
    assert line == ("country differs: the listing names Iran, France, Hong Kong SAR China, Iraq, Oman, "
                    "United Arab Emirates +4 more, the buyer says Brazil")


def test_a_short_list_is_shown_whole() -> None:
    line = _country_line(reasons(_match("agree", ["IR", "AE"]), Query("Bank Melli", country="AE"), translator("en")))
    assert line == "country agrees: the listing names United Arab Emirates, Iran"


@pytest.mark.parametrize("key,en,zh", [
    ("un_sc", "UN Security Council", "联合国安理会制裁名单"),
    ("us_csl", "US CSL", "美国综合筛查名单（CSL）"),
    ("us_ofac_sdn", "OFAC SDN", "OFAC SDN 名单"),
    ("EU AML high-risk", "EU AML high-risk", "欧盟反洗钱高风险第三国名单"),
    ("OFAC embargoes", "OFAC embargoes", "OFAC 禁运国家"),
    ("FATF", "FATF", "FATF 名单"),
])
def test_list_titles_by_language(key: str, en: str, zh: str) -> None:
    assert list_title(key, translator("en")) == en
    assert list_title(key, translator("zh")) == zh
    assert list_title(key) == en  # without a language: the English title (CLI, JSON)


def test_an_unknown_list_keeps_its_key() -> None:
    assert list_title("xx_new_list", translator("zh")) == "xx_new_list"


def test_list_label_of_a_hit_in_chinese() -> None:
    match = _match("agree", source="un_sc")
    assert list_label(match, translator("zh")) == "联合国安理会制裁名单 (IRAN, SDGT)"
    assert list_label(match) == "UN Security Council (IRAN, SDGT)"


def test_sanctions_warnings_name_the_lists_in_chinese(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from checks.config import Settings
    from checks.sources.sanctions import SanctionsSource

    source = SanctionsSource(Settings(TRADECHECK_LISTS_DIR=tmp_path, TRADECHECK_LIST_MAX_AGE_DAYS=30))
    text = " ".join(source.warnings(CheckContext.for_lang("zh")))
    assert "欧盟金融制裁名单、英国制裁名单" in text and "EU Financial Sanctions" not in text

"""One keyed catalog for every user-facing string, in Chinese (zh_CN) and English.

Each `locales/*.yml` file maps a key to its texts: ``key: {en: "...", zh: "..."}``. Modules own
their own file so that they can be edited apart; `bot/locales/` is registered the same way.
A missing key or language is never silent: `missing_keys()` lists them and the tests fail on any.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import yamlfile

log = logging.getLogger(__name__)

LANGUAGES = ("en", "zh")
DEFAULT_LANG = "en"
_LOCALE_DIRS: list[Path] = [Path(__file__).parent / "locales"]
# Keys asked of t() that the catalog lacks (t() shows the raw key): tests assert none is asked.
_requested_missing: set[str] = set()


def register_locale_dir(path: Path) -> None:
    """Add a folder of catalog files (used by `bot/`, which has its own strings)."""
    if path not in _LOCALE_DIRS:
        _LOCALE_DIRS.append(path)
        _catalog.cache_clear()


def normalize_lang(lang: str | None) -> str:
    """Map what users write (zh_CN, zh-Hans, cn, 中文, EN) to a catalog language."""
    if not lang:
        return DEFAULT_LANG
    value = lang.strip().lower().replace("-", "_")
    if value.startswith("zh") or value in ("cn", "中文", "chinese"):
        return "zh"
    if value.startswith("en") or value == "english":
        return "en"
    return DEFAULT_LANG


@lru_cache(maxsize=1)
def _catalog() -> dict[str, dict[str, str]]:
    catalog: dict[str, dict[str, str]] = {}
    for folder in _LOCALE_DIRS:
        for file in sorted(folder.glob("*.yml")):
            data = yamlfile.safe_load(file.read_text(encoding="utf-8")) or {}
            for key, texts in data.items():
                if key in catalog:
                    raise ValueError(f"catalog key {key!r} defined twice (again in {file.name})")
                if not isinstance(texts, dict):
                    raise ValueError(f"catalog key {key!r} in {file.name} must map languages to texts")
                catalog[key] = {str(k): str(v) for k, v in texts.items()}
    return catalog


def catalog() -> dict[str, dict[str, str]]:
    return _catalog()


def missing_keys() -> list[str]:
    """Keys that lack a text in one of the languages."""
    return sorted(
        f"{key}:{lang}" for key, texts in _catalog().items() for lang in LANGUAGES if not texts.get(lang)
    )


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_formatter = string.Formatter()


def t(key: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """The text for `key` in `lang`, formatted with `params`; the key itself if unknown."""
    texts = _catalog().get(key)
    if texts is None:
        log.warning("untranslated catalog key %s", key)
        _requested_missing.add(key)
        return key
    template = texts.get(lang) or texts.get(DEFAULT_LANG) or key
    try:
        return _formatter.vformat(template, (), _Params(params))
    except (ValueError, IndexError):  # a malformed template must not crash a check
        log.warning("bad template for catalog key %s", key)
        return template


def untranslated() -> list[str]:
    """Keys that t() was asked for but the catalog lacks, since the last `forget_untranslated()`."""
    return sorted(_requested_missing)


def forget_untranslated() -> None:
    """Start a fresh record of missing keys (a test does this before building what it checks)."""
    _requested_missing.clear()


def has(key: str) -> bool:
    return key in _catalog()


Translator = Callable[..., str]


def translator(lang: str) -> Translator:
    lang = normalize_lang(lang)

    def _t(key: str, **params: Any) -> str:
        return t(key, lang, **params)

    return _t


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_THEN_LATIN = re.compile(rf"([{_CJK}])([A-Za-z@$])")
_LATIN_THEN_CJK = re.compile(rf"([A-Za-z)\]])([{_CJK}])")


def cjk_spacing(text: str) -> str:
    """One space between Chinese characters and Latin words ("在 OFAC SDN 名单上"); digits stay close
    ("2020年9月23日").

    Templates filled with names in either script cannot know which will come, so the spacing is
    set afterwards; full-width punctuation gets no space, and spaces between Chinese characters
    (a stray one is an error in Chinese) are never added.
    """
    return _LATIN_THEN_CJK.sub(r"\1 \2", _CJK_THEN_LATIN.sub(r"\1 \2", text))


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), start=1)}
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_YEAR = re.compile(r"\b([A-Za-z]{3})[a-z]* (\d{4})\b")
_YEAR = re.compile(r"(?<![\d年月])(\d{4})(?![\d年月日-])")


def listed_date(text: str, lang: str) -> str:
    """A date as a list publishes it ("10 Dec 1948", "1978-04-28", "1962", "circa 1961", "1960 to 1962"),
    written the reader's way: unchanged in English, "1948年12月10日" / "约1961年" in Chinese."""
    if normalize_lang(lang) != "zh" or not text:
        return text
    from datetime import date

    from babel.dates import format_date

    def full(year: int, month: int, day: int, fallback: str) -> str:
        try:
            return format_date(date(year, month, day), format="long", locale="zh_CN")
        except ValueError:
            return fallback

    out = _DAY_MONTH_YEAR.sub(
        lambda m: full(int(m.group(3)), _MONTHS.get(m.group(2).lower(), 0), int(m.group(1)), m.group(0))
        if m.group(2).lower() in _MONTHS else m.group(0), text)
    out = _ISO_DATE.sub(lambda m: full(int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(0)), out)
    out = _MONTH_YEAR.sub(lambda m: f"{m.group(2)}年{_MONTHS[m.group(1).lower()]}月"
                          if m.group(1).lower() in _MONTHS else m.group(0), out)
    out = _YEAR.sub(r"\1年", out)
    out = re.sub(r"\b(?:circa|approximately|about)\s*", "约", out, flags=re.I)
    return re.sub(r"\s+to\s+", "至", out)


def list_sep(lang: str) -> str:
    """Between items of an enumeration: ", " in English, the enumeration comma "、" in Chinese."""
    return "、" if normalize_lang(lang) == "zh" else ", "


def clause_sep(lang: str) -> str:
    """Between clauses: "; " in English, the full-width "；" in Chinese (ASCII ";" is an error there)."""
    return "；" if normalize_lang(lang) == "zh" else "; "


def lang_of(t: Translator) -> str:
    """The language a translator writes in (for code that is handed only `t`)."""
    return normalize_lang(t("language.code"))


def source_title(name: str, t: Translator) -> str:
    """A source in words for the card ("the LEI register (GLEIF)"); its code (`gleif`) stays in Details."""
    key = f"source_name.{name}"
    return t(key) if has(key) else name

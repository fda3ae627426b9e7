"""One keyed catalog for every user-facing string, in Chinese (zh_CN) and English.

Each `locales/*.yml` file maps a key to its texts: ``key: {en: "...", zh: "..."}``. Modules own
their own file so that they can be edited apart; `bot/locales/` is registered the same way.
A missing key or language is never silent: `missing_keys()` lists them and the tests fail on any.
"""

from __future__ import annotations

import logging
import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml

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
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
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
_CJK_THEN_LATIN = re.compile(rf"([{_CJK}])([A-Za-z0-9@$])")
_LATIN_THEN_CJK = re.compile(rf"([A-Za-z0-9%)\]])([{_CJK}])")


def cjk_spacing(text: str) -> str:
    """One space between Chinese characters and Latin letters or digits ("在 OFAC SDN 名单上").

    Templates filled with names in either script cannot know which will come, so the spacing is
    set afterwards; full-width punctuation gets no space, and spaces between Chinese characters
    (a stray one is an error in Chinese) are never added.
    """
    return _LATIN_THEN_CJK.sub(r"\1 \2", _CJK_THEN_LATIN.sub(r"\1 \2", text))

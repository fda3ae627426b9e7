"""The request language: what a salesperson types after `/check`, parsed once for every adapter.

Two forms:
- fields: ``ACME Trading LLC email=j@acme.ae site=acme.ae phone=+971 4 123 4567 country=AE
  person="Jane Doe" lang=zh`` — text before the first ``key=`` is the company name; a value runs
  to the next `` key=`` or is quoted ("…", “…”, '…'). Full-width punctuation and spaces are folded.
  A known key may also follow a comma, semicolon or 、 with no space (``email=j@acme.ae，country=AE``),
  and on a single line a known key may take a colon (``邮箱：j@acme.ae 国家：阿联酋``, ``email: j@acme.ae``).
  An unknown country (or a pseudo-region such as ZZ) or a language other than zh/en is dropped and
  reported (`country_input`, `lang_input`), never fatal.
- paste: an inquiry e-mail or signature block (several lines, no ``key=``): emails, web addresses,
  phone numbers, a country and the likely company name are extracted and shown to the user.

Limits (also in README): at most 20,000 characters in all, 300 for the company name, 500 for a
value, 10 persons. Bad input raises `RequestError`, whose message is localized by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import BaseModel, Field

from . import countries
from .i18n import LANGUAGES

MAX_TEXT = 20_000
MAX_NAME = 300
MAX_VALUE = 500
MAX_PERSONS = 10
MAX_PHONES = 10  # phone numbers paste mode keeps
PHONE_TRIES = 40  # phone candidates paste mode looks at per pass, found or failed
MIN_PHONE_DIGITS = 6  # a shorter national number is a street or box number, not a phone (see _phones)

FIELD_ALIASES: dict[str, str] = {
    "email": "email", "mail": "email", "e-mail": "email", "邮箱": "email",
    "site": "site", "web": "site", "website": "site", "url": "site", "网站": "site",
    "phone": "phone", "tel": "phone", "mobile": "phone", "whatsapp": "phone", "电话": "phone",
    "country": "country", "国家": "country",
    "vat": "vat", "lei": "lei",
    "reg": "reg", "registry": "reg", "regno": "reg", "uscc": "reg", "注册号": "reg",
    "person": "persons", "contact": "persons", "director": "persons", "联系人": "persons",
    "lang": "lang", "语言": "lang",
    "bank": "bank", "bank_country": "bank_country", "transit": "transit_country", "transit_country": "transit_country",
    "note": "note", "备注": "note",
    "hs": "hs", "hs_code": "hs", "hscode": "hs", "海关编码": "hs", "税号": "hs", "商品编码": "hs",
    "goods": "goods", "product": "goods", "商品": "goods", "产品": "goods",
    "origin": "origin", "原产地": "origin", "原产国": "origin",
}

_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "「": "」", "『": "』"}
_KEY_RE = re.compile(r"(?:(?<=[\s,;、])|^)([A-Za-z_\-]+|[\u4e00-\u9fff]{2,4})\s*([=:])\s*")
_VALUE_PUNCT = " ,;，；、"
# What users write for the two catalog languages (checks.i18n.LANGUAGES); anything else is reported.
_LANG_NAMES = {"cn": "zh", "中文": "zh", "chinese": "zh", "汉语": "zh", "简体中文": "zh", "english": "en",
               "英文": "en", "英语": "en"}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Terminal escape sequences (colour, cursor, clear screen, titles): removed whole, so "ACME \x1b[2J LLC"
# is "ACME LLC", not "ACME [2J LLC". CSI, OSC (ended by BEL or ST) and two-character escapes.
ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[!-/]*[0-~]")
# Every pattern below runs on up to 20,000 characters of hostile input, so none may be quadratic:
# a run of a repeated class starts only where the class does (a look-behind), so a long run without
# the character that ends a match is scanned once, not once per start position.
_EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。、]+", re.IGNORECASE)
_BARE_DOMAIN_RE = re.compile(r"(?<![@\w.\-])((?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w@\-])", re.I)
_LEGAL_FORM_RE = re.compile(
    r"\b(LLC|L\.L\.C|Ltd|Limited|Inc|Incorporated|Corp|Corporation|Co\.|Company|GmbH|AG|S\.?A\.?|S\.?A\.?S|S\.?R\.?L|"
    r"S\.?p\.?A|B\.?V|N\.?V|PLC|LLP|LP|FZE|FZCO|FZ-LLC|DMCC|JSC|PJSC|OOO|OAO|ZAO|AO|Pty|Pvt|Bhd|Sdn|KG|SARL|"
    r"Trading|Industries|Industrial|Group|Enterprises?|Holdings?|Imports?|Exports?|International|Intl)\b|"
    r"有限公司|有限责任公司|股份|集团|公司|商行|贸易|ООО|АО|ОАО|ЗАО",
    re.IGNORECASE,
)
_GREETING_RE = re.compile(
    r"^(best|kind|warm)?\s*(regards|wishes)|^thanks|^thank you|^sincerely|^cheers|^dear\b|^hi\b|^hello\b|"
    r"^此致|^谢谢|^敬礼|^祝好|^顺祝|^您好|^你好",
    re.IGNORECASE,
)
_ROLE_WORDS = re.compile(
    r"\b(manager|director|purchas\w*|procurement|buyer|sales|ceo|cfo|coo|owner|president|officer|head|department|"
    r"dept|assistant|executive)\b|经理|总监|采购|总裁|主管|部",
    re.IGNORECASE,
)
_LABEL_RE = re.compile(r"^\s*(tel|phone|mob|mobile|fax|whatsapp|wechat|email|e-mail|web|website|add|address|"
                       r"电话|手机|传真|邮箱|网址|地址|微信)\s*[:：.]?\s*", re.IGNORECASE)


class RequestError(ValueError):
    """Input the parser cannot use. `key` names the catalog message; `params` fill it."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class CheckRequest(BaseModel):
    company: str = ""
    email: str | None = None
    site: str | None = None
    phone: str | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2, as claimed by the buyer")
    vat: str | None = None
    lei: str | None = None
    reg: str | None = None
    persons: list[str] = Field(default_factory=list)
    bank: str | None = None
    bank_country: str | None = None
    transit_country: str | None = None
    note: str | None = None
    lang: str | None = None
    raw_text: str = Field("", description="the pasted inquiry, kept for text rules (urgency, bank change)")
    pasted: bool = False
    extracted: dict[str, list[str]] = Field(default_factory=dict, description="what paste mode found")
    ignored: list[str] = Field(default_factory=list, description="unknown keys, ignored")
    country_input: str | None = Field(None, description="the country as typed, when it was not recognised")
    lang_input: str | None = Field(None, description="the language as typed, when it is neither zh nor en")
    hs: list[str] = Field(default_factory=list, description="HS / tariff codes of the goods, digits only")
    goods: str | None = Field(None, description="the goods, as the salesperson or the inquiry names them")
    origin: str | None = Field(None, description="ISO alpha-2 country of origin of the goods (None: China)")

    @property
    def email_domain(self) -> str | None:
        return self.email.rsplit("@", 1)[1].lower() if self.email and "@" in self.email else None

    @property
    def site_domain(self) -> str | None:
        if not self.site:
            return None
        host = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", self.site.strip(), flags=re.I).split("/")[0].split("?")[0]
        host = host.split("@")[-1].split(":")[0].strip(".").lower()
        return host or None


def fold(text: str) -> str:
    """Full-width letters, digits, punctuation and spaces to their plain forms (NFKC), CRLF to LF."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u3000", " ").replace("\u200b", "")


def parse(text: str | None, default_lang: str | None = None) -> CheckRequest:
    """Parse what follows `/check`. Raises RequestError with a catalog key on bad input."""
    if text is None or not text.strip():
        raise RequestError("request.error.empty")
    if len(text) > MAX_TEXT:
        raise RequestError("request.error.too_long", limit=MAX_TEXT, length=len(text))
    if _CONTROL_RE.search(text):
        text = _CONTROL_RE.sub(" ", ANSI_RE.sub("", text))
        if not text.strip():
            raise RequestError("request.error.control")
    text = fold(text).strip()
    if len(text) > MAX_TEXT:  # NFKC grows some characters up to 18 times (㎉ → kcal, ﷽)
        raise RequestError("request.error.too_long", limit=MAX_TEXT, length=len(text))
    if text.lower().startswith("/check"):
        text = re.sub(r"^/check(@\w+)?\s*", "", text, flags=re.I)
        if not text.strip():
            raise RequestError("request.error.empty")

    matches = key_matches(text)
    if matches:
        request = _parse_fields(text, matches)
    elif "\n" in text.strip() or _EMAIL_RE.search(text):
        request = _parse_paste(text)
    else:
        if _URL_RE.fullmatch(text) or (_BARE_DOMAIN_RE.fullmatch(text) and " " not in text):
            raise RequestError("request.error.only_url", url=text[:100])
        request = CheckRequest(company=_clean_name(text))
    if not request.lang and default_lang:
        request.lang = default_lang
    _validate(request)
    return request


def warm_up() -> None:
    """Load what the first paste would load lazily (country names, phone metadata; ~1 s), so a
    server pays it at start, off its event loop, not inside a user's request."""
    parse("Best regards\nJane Doe\nACME Trading LLC\nDubai, United Arab Emirates\nTel: +971 4 295 1234\n"
          "Email: jane@acme-trading.ae")


def key_matches(text: str) -> list[re.Match[str]]:
    """Where keys start. After a space any ``word=`` is a key (unknown ones are reported); right
    after a comma, semicolon or 、 only a known key is, so "paid 30%,rest=..." stays one value;
    ``key:`` counts only for a known key on a single line, as signatures ("Tel: ...") are pastes."""
    single_line = "\n" not in text
    matches: list[re.Match[str]] = []
    for match in _KEY_RE.finditer(text):
        known = match.group(1).lower() in FIELD_ALIASES
        after_space = match.start() == 0 or text[match.start() - 1].isspace()
        if match.group(2) == ":" and not (single_line and known):
            continue
        if known or after_space:
            matches.append(match)
    return matches


def _lang_code(value: str) -> str | None:
    """'zh', 'zh-CN', '中文' → zh; 'en', 'English' → en; None for a language the catalogs lack."""
    folded = value.strip().lower().replace("-", "_")
    if folded in _LANG_NAMES:
        return _LANG_NAMES[folded]
    code = folded.split("_")[0]
    return code if code in LANGUAGES else None


def _parse_fields(text: str, matches: list[re.Match[str]]) -> CheckRequest:
    values: dict[str, Any] = {"persons": []}
    ignored: list[str] = []
    company = text[: matches[0].start()].strip()
    position = matches[0].start()
    index = 0
    following_index = 1  # the first key at or after the current value's start (never moves back)
    while index < len(matches):
        match = matches[index]
        if match.start() < position:  # inside a quoted value
            index += 1
            continue
        key = match.group(1).lower()
        value_start = match.end()
        if value_start < len(text) and text[value_start] in _QUOTES:
            close = text.find(_QUOTES[text[value_start]], value_start + 1)
            end = close if close != -1 else len(text)
            value = text[value_start + 1 : end]
            position = end + 1
        else:
            following_index = max(following_index, index + 1)
            while following_index < len(matches) and matches[following_index].start() < value_start:
                following_index += 1
            end = matches[following_index].start() if following_index < len(matches) else len(text)
            value = text[value_start:end]
            position = end
        value = " ".join(value.split()).strip(_VALUE_PUNCT)
        field = FIELD_ALIASES.get(key)
        if field is None:
            ignored.append(key)
        elif field == "persons":
            if value:
                values["persons"].append(value)
        else:
            values[field] = value or None
        index += 1
    values["company"] = _clean_name(company.strip("\"'“”"))
    country_text = values.get("country")
    if country_text:
        values["country"] = countries.to_code(country_text)
        if values["country"] is None:
            values["country_input"] = country_text
    lang_text = values.get("lang")
    if lang_text:
        values["lang"] = _lang_code(lang_text)
        if values["lang"] is None:  # the caller's default language stays
            values["lang_input"] = lang_text
    for key in ("bank_country", "transit_country"):
        if values.get(key):
            values[key] = countries.to_code(values[key]) or values[key]
    _goods_fields(values)
    return CheckRequest(**values, ignored=_unique(ignored), raw_text=text)


_HS_SPLIT = re.compile(r"[,;，；、/]+")
MAX_HS = 20


def hs_codes(text: str) -> list[str]:
    """'7308.90, 7318 15 00' → ['730890', '73181500']: 2 to 10 digits each; dots and spaces allowed."""
    codes: list[str] = []
    for part in _HS_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        code = re.sub(r"[\s.\-]", "", part)
        if not code.isdigit() or not 2 <= len(code) <= 10:
            raise RequestError("request.error.bad_hs", value=part[:40])
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_HS:
        raise RequestError("request.error.too_many_hs", limit=MAX_HS)
    return codes


def _goods_fields(values: dict[str, Any]) -> None:
    """hs= to a list of codes; origin= to a country code (an unknown one is an error: it decides the measures)."""
    if values.get("hs"):
        values["hs"] = hs_codes(values["hs"])
    else:
        values.pop("hs", None)
    if values.get("origin"):
        code = countries.to_code(values["origin"])
        if code is None:
            raise RequestError("request.error.bad_origin", value=values["origin"][:60])
        values["origin"] = code


def _clean_name(name: str) -> str:
    name = " ".join(name.split()).strip(" ,;:，；：")
    return name


def _validate(request: CheckRequest) -> None:
    if not request.company and not (request.email or request.site or request.vat or request.lei or request.reg):
        if request.phone or request.persons:
            raise RequestError("request.error.no_company")
        raise RequestError("request.error.empty")
    if len(request.company) > MAX_NAME:
        raise RequestError("request.error.name_too_long", limit=MAX_NAME)
    for name, value in request.model_dump(include={"email", "site", "phone", "vat", "lei", "reg", "bank", "note", "goods"}).items():
        if value and len(value) > MAX_VALUE:
            raise RequestError("request.error.value_too_long", field=name, limit=MAX_VALUE)
    if len(request.persons) > MAX_PERSONS:
        raise RequestError("request.error.too_many_persons", limit=MAX_PERSONS)
    if request.email and not _usable_email(request.email):
        raise RequestError("request.error.bad_email", email=request.email[:100])
    if request.company and not re.search(r"\w", request.company):
        raise RequestError("request.error.no_company")


def _usable_email(email: str) -> bool:
    """One @, something before it, and a host name after it that DNS could hold (labels of 1–63
    characters, IDNA-encodable): anything else (``john@@acme..ae``, ``x@[127.0.0.1]``) would only
    fail later inside the web and DNS sources, so it is refused here like ``not-an-email``.
    Subtler problems (a bad character in the local part) stay findings of the email source."""
    local, at, domain = email.rpartition("@")
    if not at or not local or "@" in local or not domain or " " in domain:
        return False
    domain = domain.rstrip(".")
    if "." not in domain or len(domain) > 253 or domain.startswith("["):
        return False
    try:
        domain.encode("idna")  # every label non-empty and at most 63 characters once encoded
    except UnicodeError:
        return False
    return True


# ---------------------------------------------------------------- paste mode


def _parse_paste(text: str) -> CheckRequest:
    lines = [line.strip(" \t|•·-—*>") for line in text.split("\n")]
    lines = [line for line in lines if line]
    emails = _unique(m.group(0).strip(".").lower() for m in _EMAIL_RE.finditer(text))
    urls = _unique(_url_host(m.group(0)) for m in _URL_RE.finditer(text))
    email_domains = {e.split("@")[1] for e in emails}
    text_without_emails = _EMAIL_RE.sub(" ", text)
    bare = [d.lower() for d in _BARE_DOMAIN_RE.findall(text_without_emails) if not _looks_like_abbreviation(d)]
    sites = _unique([*urls, *(d for d in bare if d not in email_domains)])
    company, person = _company_and_person(lines)
    country = countries.find_in_text(_address_text(lines, skip=(person,)))
    phones = _phones(text, country)

    extracted: dict[str, list[str]] = {}
    for key, found in (("emails", emails), ("sites", sites), ("phones", phones)):
        if found:
            extracted[key] = found
    if company:
        extracted["company"] = [company]
    if person:
        extracted["persons"] = [person]
    if country:
        extracted["country"] = [country]
    hs, goods = _goods_in_paste(lines)
    if hs:
        extracted["hs"] = hs
    if goods:
        extracted["goods"] = [goods]
    if not (emails or sites or phones or company):
        raise RequestError("request.error.nothing_found")
    email = _best_email(emails)
    return CheckRequest(
        company=company or "",
        email=email,
        site=sites[0] if sites else None,
        phone=phones[0] if phones else None,
        country=country,
        persons=[person] if person else [],
        raw_text=text,
        pasted=True,
        extracted=extracted,
        hs=hs,
        goods=goods,
    )


# An HS code only after its label (a bare number may be a phone or an order number).
_PASTE_HS = re.compile(r"(?:\bH\.?S\.?(?:\s*code)?|\bHTS(?:\s*code)?|tariff\s*(?:code|no\.?)|海关编码|商品编码|税号|税则号)"
                       r"\s*(?:no\.?|number)?\s*[:：#=]?\s*((?:\d[\d. ]{0,12}\d)(?:\s*[,/、]\s*\d[\d. ]{0,12}\d)*)", re.I)
_PASTE_GOODS = re.compile(r"^\s*(?:product(?:s| name)?|item|goods|commodity|description of goods|产品(?:名称)?|品名|商品(?:名称)?|货物)"
                          r"\s*[:：]\s*(.{2,120})$", re.I)


def _goods_in_paste(lines: list[str]) -> tuple[list[str], str | None]:
    """HS codes written after a label ("HS code: 7308.90") and a labelled product line ("Product: steel grating")."""
    codes: list[str] = []
    goods = None
    for line in lines:
        for match in _PASTE_HS.finditer(line):
            for part in _HS_SPLIT.split(match.group(1)):
                code = re.sub(r"[\s.]", "", part)
                if code.isdigit() and 4 <= len(code) <= 10 and code not in codes:
                    codes.append(code)
        found = _PASTE_GOODS.match(line)
        if found and goods is None:
            goods = found.group(1).strip(" .;")
    return codes[:MAX_HS], goods


def _unique(items: Any) -> list[str]:
    """Non-empty items in first-seen order (a dict, so thousands of pasted addresses stay linear)."""
    return list(dict.fromkeys(item for item in items if item))


def _url_host(url: str) -> str:
    host = re.sub(r"^https?://", "", url, flags=re.I).split("/")[0].split("?")[0].split(":")[0]
    return host.lower().strip(".,;")


def _looks_like_abbreviation(domain: str) -> bool:
    """'Co.Ltd' or 'e.g' are not web addresses; a real one has a known-looking last label."""
    last = domain.rsplit(".", 1)[-1].lower()
    return last in {"ltd", "llc", "inc", "co", "eg", "ie", "etc", "no", "st", "rd", "ave", "jsc"} and domain.count(".") == 1 and not domain.lower().startswith("www")


def _best_email(emails: list[str]) -> str | None:
    """The sender's own address: prefer a personal one over noreply or role addresses."""
    for email in emails:
        if not re.match(r"(no-?reply|mailer-daemon|postmaster)@", email):
            return email
    return emails[0] if emails else None


def _phones(text: str, country: str | None) -> list[str]:
    """Valid numbers first (a street number is not a phone), then merely possible ones.

    phonenumbers spends ~0.2 ms on each candidate, so a paste of thousands of numbers is bounded:
    each pass looks at PHONE_TRIES numbers (found or failed) at most, and MAX_PHONES are kept."""
    if sum(char.isdecimal() for char in text) < MIN_PHONE_DIGITS:
        return []  # phonenumbers matches runs of decimal digits only: none here could be kept
    import phonenumbers  # here, not on import: ~15 ms of start-up that a name without a number skips

    found: list[str] = []
    for leniency in (phonenumbers.Leniency.VALID, phonenumbers.Leniency.POSSIBLE):
        for region in _unique([country, "ZZ"]):  # ZZ: numbers written with their +country code
            try:
                matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency, max_tries=PHONE_TRIES)
                for seen, match in enumerate(matcher, 1):
                    if seen > PHONE_TRIES:
                        break
                    if len(str(match.number.national_number)) < MIN_PHONE_DIGITS:
                        continue
                    formatted = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
                    if formatted not in found:
                        found.append(formatted)
                    if len(found) >= MAX_PHONES:
                        return found
            except Exception:  # noqa: S112 - phonenumbers is strict about odd input; a paste must never crash
                continue
        if found:
            break
    return found


def _address_text(lines: list[str], skip: tuple[str | None, ...] = ()) -> str:
    """Lines that are not e-mail, web or phone lines, nor the person's name (Chad Miller is not in
    Chad; a country in the company's name still counts): where an address and its country stand."""
    names = [name for name in skip if name]
    keep = []
    for line in lines:
        if _EMAIL_RE.search(line) or _URL_RE.search(line):
            continue
        if any(name in line for name in names) and not any(ch.isdigit() for ch in line):
            continue
        keep.append(_LABEL_RE.sub("", line))
    return "\n".join(keep)


def _company_and_person(lines: list[str]) -> tuple[str | None, str | None]:
    best: tuple[int, int, str] | None = None
    for index, line in enumerate(lines):
        if len(line) > 120 or _EMAIL_RE.search(line) or _URL_RE.search(line) or _LABEL_RE.match(line):
            continue
        if _GREETING_RE.search(line):
            continue
        digits = sum(ch.isdigit() for ch in line)
        if digits > 4:
            continue
        score = 0
        if _LEGAL_FORM_RE.search(line):
            score += 3
        if _ROLE_WORDS.search(line):
            score -= 2
        if score > 0 and (best is None or score > best[0] or (score == best[0] and index < best[1])):
            best = (score, index, line)
    if best is None:
        return None, None
    company = _strip_label(best[2])
    person = None
    for candidate in reversed(lines[: best[1]]):
        candidate = candidate.strip(" ,")
        if _GREETING_RE.search(candidate) or _ROLE_WORDS.search(candidate):
            continue
        if _looks_like_person(candidate):
            person = candidate
        break
    return company, person


def _strip_label(line: str) -> str:
    line = re.sub(r"^(company|公司名称|公司)\s*[:：]\s*", "", line, flags=re.I)
    return _clean_name(line)


def _looks_like_person(line: str) -> bool:
    if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", line):
        return True
    words = line.replace(",", " ").split()
    return 2 <= len(words) <= 4 and all(re.fullmatch(r"[A-Z][A-Za-z'.\-]*", w) for w in words) and not _LEGAL_FORM_RE.search(line)

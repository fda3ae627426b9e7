"""Name normalization for screening: one comparable form for a name however it was written.

Steps: Unicode folding (NFKC), Chinese legal forms cut before transliteration, every script to Latin with
anyascii (Cyrillic, Arabic, Chinese, diacritics), case, apostrophes dropped inside words ("PEOPLE'S" ->
"peoples"), dotted abbreviations joined ("S.A. de C.V." -> "sa de cv"), other punctuation to spaces,
abbreviations expanded (Intl -> international, Mfg -> manufacturing), then each token classified:

- legal: a legal form in any of the usual languages (LLC, Co., Ltd., GmbH, OOO, AO, JSC, S.A. de C.V.,
  FZE, Ltd. Sti., Sdn. Bhd., 有限公司...). Ignored when matching; it says nothing about who the party is.
- stop: small words (of, the, de, la, al, ve...). Almost no weight.
- title: honorifics and ranks (Dr, Haji, General...). Little weight.
- generic: words many unrelated companies share (Trading, International, Bank, Technology, Group,
  country and big-city names...). Low weight, so sharing "Trading" is never a match by itself.
- sector: words that say what a company does (Software, Energy, Shipping...): some weight, less than a name.
- name: everything else. Its weight comes from how rare it is in the lists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from anyascii import anyascii
from babel import Locale
from rapidfuzz.distance import OSA

from . import native


class TokenClass(str, Enum):
    NAME = "name"
    SECTOR = "sector"
    GENERIC = "generic"
    TITLE = "title"
    STOP = "stop"
    LEGAL = "legal"


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    cls: TokenClass
    original: str  # the word as written (after transliteration), for explanations
    variants: tuple[str, ...] = ()  # other Latin spellings of a native-script word (Arkady, Arkadiy, Arkadii)
    skeletons: tuple[str, ...] = ()  # consonant skeletons of an Arabic-script word (native.py)


# Chinese legal forms and generic words are cut before transliteration: after it they would be run
# together with the name ("YouXianGongSi").
_CJK_LEGAL = re.compile(r"(股份有限公司|有限责任公司|有限公司|责任公司|株式会社|有限会社|合同会社|公司|集团|商行|分公司|厂)")
_CJK_RUN = re.compile(r"([\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+)")

ABBREVIATIONS: dict[str, str] = {
    "intl": "international", "int'l": "international", "internat": "international",
    "corp": "corporation", "co": "company", "cos": "companies", "coy": "company", "mfg": "manufacturing",
    "mfrs": "manufacturers", "mfr": "manufacturer", "ltd": "limited", "inc": "incorporated",
    "natl": "national", "assn": "association", "assoc": "association", "bros": "brothers",
    "dept": "department", "govt": "government", "univ": "university", "inst": "institute",
    "inds": "industries", "indus": "industries", "engg": "engineering",
    "svc": "services", "svcs": "services", "mgmt": "management", "mgt": "management", "grp": "group",
    "hldgs": "holdings", "hldg": "holding",
    "chem": "chemical", "pharma": "pharmaceutical", "pharm": "pharmaceutical", "invest": "investment",
    "trdg": "trading", "konsern": "concern", "kontsern": "concern", "korporatsiya": "corporation",
    "ltda": "limitada", "cia": "compania", "sdn": "sendirian", "bhd": "berhad", "mohd": "mohammed",
    "muhd": "muhammad", "st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort",
}

# Words written both as one and as two: always compared as two
SPLIT_WORDS: dict[str, tuple[str, ...]] = {"airlines": ("air", "lines"), "airline": ("air", "line"),
                                           "airways": ("air", "ways"), "airlift": ("air", "lift")}

# Multi-word legal forms, longest first (after abbreviation expansion and joining of dotted letters).
_LEGAL_PHRASES = [
    "obshchestvo s ogranichennoy otvetstvennostyu", "obshchestvo s ogranichennoi otvetstvennostyu",
    "obshestvo s ogranichennoy otvetstvennostyu", "obshchestvo s ogranichennoj otvetstvennostju",
    "tovarystvo z obmezhenoyu vidpovidalnistyu", "tovarystvo z obmezhenoiu vidpovidalnistiu",
    "otkrytoe aktsionernoe obshchestvo", "zakrytoe aktsionernoe obshchestvo", "publichnoe aktsionernoe obshchestvo",
    "nepublichnoe aktsionernoe obshchestvo", "aktsionernoe obshchestvo", "aksionernoe obshchestvo",
    "akcionernoe obshchestvo", "federalnoe gosudarstvennoe unitarnoe predpriyatie",
    "gosudarstvennoe unitarnoe predpriyatie", "munitsipalnoe unitarnoe predpriyatie",
    "sociedad anonima de capital variable", "sociedad de responsabilidad limitada de capital variable",
    "sociedad de responsabilidad limitada", "sociedad anonima cerrada", "sociedad anonima", "sociedad limitada",
    "sociedad por acciones simplificada", "societe anonyme", "societe a responsabilite limitee",
    "societa per azioni", "societa a responsabilita limitata", "gesellschaft mit beschrankter haftung",
    "limited liability company", "limited liability partnership", "limited liability corporation",
    "public joint stock company", "private joint stock company", "closed joint stock company",
    "open joint stock company", "joint stock company", "joint stock commercial", "joint stock",
    "public limited company", "private limited company", "limited partnership", "limited liability",
    "company limited", "proprietary limited", "private limited", "public company limited",
    "limited sirketi", "limited sirket", "anonim sirketi", "anonim sirket", "ltd sti", "limited sti",
    "sti ltd", "sanayi ve ticaret", "sanayi ticaret", "ticaret ve sanayi",
    "sendirian berhad", "perseroan terbatas", "sp z o o", "spolka z ograniczona odpowiedzialnoscia",
    "s de rl de cv", "sa de cv", "s de rl", "de rl de cv", "de rl", "de cv", "s en c", "sapi de cv",
    "gmbh and co kg", "gmbh co kg", "co kg", "fz llc", "fz co", "fze llc", "l l c",
    "kabushiki kaisha", "yugen kaisha", "godo kaisha", "jusik hoesa", "chusik hoesa",
    "free zone establishment", "free zone company", "free zone llc", "free zone enterprise", "free zone",
    "you xian gong si", "youxiangongsi", "gu fen you xian gong si", "private joint stock",
    "societe anonyme libanaise", "sociedad anonima libanesa", "besloten vennootschap", "naamloze vennootschap",
    "private limited", "pvt ltd", "pte ltd", "sdn bhd",
    "free zone co", "fz llc", "joint stock co", "co ltd", "limited liability", "jusikhoesa",
    "tovarishchestvo s ogranichennoy otvetstvennostyu", "chastnoe aktsionernoe obshchestvo",
    "obshchestvo s dopolnitelnoy otvetstvennostyu", "anonim sirketi", "ticaret limited sirketi",
    "sanayi ve ticaret anonim sirketi", "spolka akcyjna", "spolka z oo",
]

# Single-token legal forms: always legal.
_LEGAL_TOKENS = {
    "llc", "llp", "lllp", "limited", "incorporated", "corporation", "company", "companies", "gmbh", "mbh", "ohg",
    "sarl", "srl", "spa", "sas", "sasu", "bv", "bvba", "nv", "plc", "fze", "fzco", "fzc", "fzllc", "fzoo", "dmcc",
    "jsc", "pjsc", "ojsc", "cjsc", "ooo", "oao", "zao", "pao", "tov", "eood", "ood", "ead", "doo", "dooel",
    "aps", "oyj", "asa", "kft", "zrt", "nyrt", "sro", "spzoo", "pte", "pty", "pvt", "berhad", "sendirian", "tbk",
    "sti", "ltda", "limitada", "eireli", "sal", "saog", "aktiengesellschaft",
    "kommanditgesellschaft", "vennootschap", "besloten", "naamloze", "libanaise", "sapi", "soe", "coop", "sac", "saic", "sae", "wll", "spc", "saoc", "lda", "gie",
    "kk", "ulc", "lp", "sa", "ag", "kg", "ab", "oy", "as", "sl", "slu", "cv", "pp", "ad", "dd", "ao", "pt",
    "tk", "ltee", "cie", "se", "fzcо", "pllc", "psc", "co", "inc", "corp", "ltd",
    "obshchestvo", "aktsionernoe", "otvetstvennostyu", "ogranichennoy", "compania", "compagnie", "societe",
    "sociedad", "anonima", "anonyme", "sirketi", "sirket", "kabushiki", "kaisha", "hoesa", "yugen",
}
# Legal forms that are also ordinary words or name parts: legal only at the start or end of a name,
# or next to another legal form ("Ao" is a Chinese surname; "As", "Pt", "Ad", "Se" are words).
_AMBIGUOUS_LEGAL = {"sal", "coop", "soe", "sapi", "sa", "ag", "kg", "ab", "oy", "as", "sl", "cv", "pp", "ad", "dd", "ao", "pt", "tk", "se",
                    "cie", "lp", "kk", "gie", "sac", "sae", "spc", "lda", "ulc", "psc", "slu", "tov", "ood", "ead",
                    "doo", "sti", "tbk", "wll", "compania", "sociedad", "societe", "compagnie", "obshchestvo"}

STOPWORDS = {
    "of", "the", "and", "for", "de", "del", "la", "le", "les", "el", "al", "da", "do", "dos", "das", "di",
    "du", "van", "von", "der", "den", "des", "y", "e", "et", "und", "a", "an", "on", "in", "at", "to", "ve",
    "va", "wa", "fi", "li", "los", "las", "il", "lo", "og", "och", "en", "i", "u", "z", "w", "na",
}
TITLES = {
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "sheikh", "shaykh", "sheik",
    "shaikh", "haji", "hajji", "hadji", "mullah", "mulla", "maulana", "maulvi", "mawlawi", "mufti", "imam",
    "qari", "sayed", "sayyid", "syed", "general", "gen", "colonel", "col", "major", "maj", "brigadier",
    "captain", "capt", "lieutenant", "lt", "admiral", "commander", "jr", "sr", "junior", "senior", "ii",
    "iii", "iv", "engineer", "eng", "ustad", "ustadh", "emir", "amir", "prince", "princess",
}
VERY_GENERIC = {
    "trading", "trade", "traders", "international", "group", "holding", "holdings", "industries", "industry",
    "industrial", "enterprise", "enterprises", "general", "import", "export", "imports", "exports", "global",
    "worldwide", "world", "commercial", "commerce", "business", "company", "services", "service", "products",
    "national", "new", "united", "handels", "handel", "ticaret", "sanayi", "dis", "comercial",
    "comercializadora", "industrias", "grupo", "internacional", "nacional", "kompaniya", "gruppa", "torgovyi",
    "torgovy", "dom", "empresa", "sherkat", "tejarat", "bazargani", "brothers", "sons", "partners", "associates",
    "ventures", "establishment", "co op", "pla", "importadora", "exportadora", "ithalat", "ihracat", "servicios", "solutions",
}
GENERIC = {
    "trading", "trade", "traders", "trader", "international", "group", "holding", "holdings", "industries",
    "industry", "industrial", "industrials", "enterprise", "enterprises", "general", "import", "export", "imports",
    "exports", "importers", "exporters", "global", "world", "worldwide", "technology", "technologies",
    "technical", "services", "service", "solutions", "systems", "system", "products", "product", "commercial",
    "commerce", "business", "management", "consulting", "consultants", "consultancy", "resources", "investment",
    "investments", "development", "logistics", "shipping", "engineering", "manufacturing", "manufacturer",
    "manufacturers", "electronics", "electronic", "equipment", "machinery", "materials", "material", "chemical",
    "chemicals", "energy", "petroleum", "oil", "gas", "mining", "construction", "bank", "banking", "financial",
    "finance", "capital", "partners", "associates", "agency", "center", "centre", "institute", "research",
    "science", "sciences", "scientific", "national", "state", "public", "private", "new", "united", "first",
    "pharmaceutical", "pharmaceuticals", "medical", "foods", "food", "textile", "textiles", "apparel", "motors",
    "motor", "auto", "automotive", "power", "electric", "electrical", "steel", "metal", "metals", "marine",
    "maritime", "air", "airlines", "airline", "aviation", "transport", "transportation", "network",
    "networks", "communications", "communication", "telecom", "telecommunications", "media", "digital",
    "software", "data", "information", "design", "supply", "supplies", "distribution", "sales", "marketing",
    "market", "store", "stores", "shop", "factory", "plant", "works", "mills", "union", "cooperative",
    "association", "foundation", "organization", "organisation", "society", "ministry", "department", "office",
    "bureau", "authority", "branch", "representative", "import export", "brothers", "sons", "partner",
    "precision", "instruments", "instrument", "devices", "device", "components", "parts", "tools", "tool",
    "machine", "machines", "electro", "optical", "optics", "petrochemical", "chemistry", "energies",
    "universal", "hi", "high", "smart", "pacific", "atlantic", "eastern", "western", "northern", "southern",
    "east", "west", "north", "south", "central", "middle", "far", "overseas", "city", "province", "republic",
    "federal", "federation", "municipal", "regional", "region", "institution", "university", "college",
    "academy", "school", "laboratory", "laboratories", "lab", "labs", "hospital", "clinic", "healthcare",
    "health", "care", "life", "home", "house", "hotel", "hotels", "travel", "tourism", "tours", "real",
    "estate", "properties", "property", "realty", "insurance", "securities", "fund", "funds", "asset",
    "assets", "credit", "exchange", "money", "payment", "payments", "pay", "express", "line", "lines",
    "star", "sun", "gold", "golden", "green", "blue", "red", "white", "black", "royal", "premier", "prime",
    "best", "top", "super", "mega", "one", "plus", "pro", "co op", "ventures", "venture", "projects",
    "project", "contracting", "contractors", "build", "building", "builders", "cement", "agro", "agri",
    "agricultural", "agriculture", "farm", "farms", "fishing", "fisheries", "water", "wood", "paper",
    "plastic", "plastics", "rubber", "glass", "garment", "garments", "fashion", "jewelry",
    "jewellery", "diamond", "diamonds", "mineral", "minerals", "coal", "iron", "copper", "aluminium", "aluminum",
    "nuclear", "defense", "defence", "security", "military", "army", "navy", "force", "forces", "guard",
    "corps", "council", "committee", "party", "movement", "front", "brigade", "battalion",
    # the same in the languages most listed names are written in (Spanish, Turkish, Russian, German, French...)
    "comercial", "comercializadora", "importadora", "exportadora", "industrias", "grupo",
    "servicios", "inversiones", "construcciones", "constructora", "distribuidora", "promotora", "inmobiliaria",
    "transportes", "tecnologia", "tecnologias", "empresa", "negocios", "internacional", "nacional", "ticaret", "sanayi", "insaat", "dis", "ithalat", "ihracat", "pazarlama", "turizm", "enerji", "teknoloji",
    "kompaniya", "promyshlennaya", "promyshlennyi", "zavod", "tekhnologii", "obedinenie", "obyedinenie",
    "nauchno", "proizvodstvennoe", "proizvodstvennaya", "predpriyatie", "tsentr", "torgovyi", "torgovy",
    "dom", "gruppa", "investitsii", "stroi", "servis", "handels", "handel", "technik", "gesellschaft",
    "societe", "generale", "commerciale", "internationale", "entreprise", "compagnie", "sherkat", "tejarat",
    "bazargani", "sanat", "sanaye", "moassese", "gostaresh", "pars", "kala", "tech",
}
# Big cities that name many unrelated companies (regional qualifiers in "(HK) Ltd", "Shenzhen ... Co").
_CITIES = {
    "hk", "hongkong", "beijing", "shanghai", "shenzhen", "guangzhou", "tianjin", "chongqing", "wuhan", "chengdu",
    "hangzhou", "nanjing", "xian", "dalian", "qingdao", "xiamen", "ningbo", "suzhou", "harbin", "changsha",
    "zhengzhou", "shenyang", "dubai", "sharjah", "tehran", "moscow", "moskva", "petersburg",
    "sankt", "kiev", "kyiv", "minsk", "istanbul", "ankara", "singapore", "london", "paris", "berlin", "tokyo",
    "seoul", "pyongyang", "mumbai", "delhi", "karachi", "lahore", "kabul", "baghdad", "damascus", "beirut",
    "caracas", "havana", "mexico", "bogota", "lima", "cairo", "riyadh", "jeddah", "doha", "kuwait", "muscat",
    "manama", "baku", "tashkent", "almaty", "bangkok", "jakarta", "kuala", "lumpur", "manila", "hanoi",
    "macau", "macao", "taipei", "guangdong", "zhejiang", "jiangsu", "shandong", "fujian", "hubei", "sichuan",
    "liaoning", "hebei", "henan", "hunan", "anhui", "jiangxi", "shaanxi", "shanxi", "yunnan", "guangxi",
    "xinjiang", "mongolia", "inner",
}

_APOSTROPHES = re.compile(r"[’'`´ʼʻ‘\"“”]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PAREN = re.compile(r"[\(\[\{]([^\)\]\}]*)[\)\]\}]")


@lru_cache(maxsize=1)
def geo_words() -> frozenset[str]:
    """Words of country names (English CLDR) and big cities: regional qualifiers, weak as evidence."""
    words: set[str] = set(_CITIES)
    for name in Locale.parse("en").territories.values():
        for word in _NON_ALNUM.split(anyascii(name).lower()):
            if len(word) > 2 and word not in STOPWORDS:
                words.add(word)
    words |= {"russian", "chinese", "iranian", "korean", "syrian", "american", "british", "european", "asian",
              "arab", "arabian", "emirates", "persian", "african", "indian", "turkish", "german", "french",
              "asia", "europe", "africa", "america", "gulf", "middle", "usa", "uae", "prc", "dprk", "uk",
              "peoples", "democratic", "islamic republic"}
    return frozenset(words)


@lru_cache(maxsize=1)
def _legal_phrases() -> list[tuple[str, ...]]:
    return sorted({tuple(p.split()) for p in _LEGAL_PHRASES}, key=len, reverse=True)


_DOTTED_WORD = re.compile(r"[a-z]+(?:\.[a-z]+)+\.?", re.IGNORECASE)
_DOTTED_LETTERS = re.compile(r"\b(?:[a-z]\.){1,}[a-z]?\b\.?", re.IGNORECASE)
_NON_ALNUM_ANY_CASE = re.compile(r"[^A-Za-z0-9]+")


def _dotted_legal(match: re.Match[str]) -> str:
    word = match.group(0)
    plain = word.replace(".", "")
    return f" {plain} " if plain.lower() in _LEGAL_TOKENS else word


# Forms that are also ordinary words inside names are left to the rules above; from rigour's table
# (OpenSanctions, ISO 20275 + OCCRP, every language) only written-out forms are taken: several words or
# one long word (Aktiengesellschaft, Общество с ограниченной ответственностью, Besloten Vennootschap).
_RIGOUR_CASEFOLD = 4


def _rigour_forms(text: str) -> str:
    """Legal forms written out in any language replaced by their short form (llc, jsc), so that they
    are ignored like the short one and their words never count as name words ("mit" in GmbH's form)."""
    try:
        from rigour._core import extract_org_types
    except ImportError:  # pragma: no cover - rigour is a dependency; without it the own table still works
        return text
    lowered = text.casefold()
    found = extract_org_types(lowered, _RIGOUR_CASEFOLD, 0, True)
    for alias, short in found:
        if " " not in alias.strip() and (len(alias) < 8 or "." in alias):
            continue
        pattern = re.compile(r"(?<!\w)" + re.escape(alias) + r"(?!\w)", re.IGNORECASE)
        replaced = pattern.sub(f" {short} ", text)
        if replaced == text:  # casefolding changed the length (ß -> ss): work on the folded text
            text = pattern.sub(f" {short} ", text.casefold())
        else:
            text = replaced
    return text


_GLUED_SUFFIXES = ("gmbh", "ag", "llc", "ltd", "inc", "corp", "sal", "sa", "bv", "nv", "plc", "jsc", "pjsc", "ooo",
                   "fze", "fzco", "limited", "spa", "srl", "sarl", "kg", "co", "oao", "zao", "ao", "as")
_GLUED_PREFIXES = ("pjsc", "ojsc", "cjsc", "jsc", "ooo", "oao", "zao", "pao", "llc", "tov", "ao")


def _unglue(word: str, as_written: str, unknown: Callable[[str], bool]) -> list[str] | None:
    """'SiemensAG' -> siemens ag, 'JSCARGUMENT' -> jsc argument: a legal form written onto the name.
    Cut where the rest is a listed word, or where the case changes right at the cut."""
    for suffix in _GLUED_SUFFIXES:
        rest = word[: -len(suffix)]
        if word.endswith(suffix) and len(rest) >= 3:
            boundary = as_written[len(rest) - 1 : len(rest) + 1]
            case_cut = len(boundary) == 2 and boundary[0].islower() and boundary[1].isupper()
            if case_cut or (len(suffix) >= 3 and not unknown(rest)):  # NELCO is not NEL + Co
                return [rest, suffix]
    for prefix in _GLUED_PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 4 and not unknown(rest):
            return [prefix, rest]
    return None


def prepare(name: str, person: bool = False) -> tuple[str, dict[str, native.NativeWord]]:
    """Unicode folding, written-out legal forms shortened, native scripts read as Latin words."""
    text = unicodedata.normalize("NFKC", name)
    if not person:
        text = _rigour_forms(text)
    if native.has_native(text):
        return native.romanize(text)
    return text, {}


def fold(text: str, keep_case: bool = False) -> str:
    """Any script to ASCII words separated by single spaces (punctuation removed), lower-case unless
    `keep_case` (the same words, as written, for explanations)."""
    text = unicodedata.normalize("NFKC", text)
    text = _CJK_LEGAL.sub(" ltd ", text)
    text = _CJK_RUN.sub(lambda m: " " + anyascii(m.group(1)) + " ", text)
    text = anyascii(text)
    if not keep_case:
        text = text.lower()
    text = _APOSTROPHES.sub("", text)
    text = _DOTTED_WORD.sub(_dotted_legal, text)  # "sar.l." -> sarl
    text = _DOTTED_LETTERS.sub(lambda m: m.group(0).replace(".", "") + " ", text)
    text = text.replace("&", " and ")
    return " ".join(_NON_ALNUM_ANY_CASE.sub(" ", text).split())


def _classify(word: str) -> TokenClass:
    if word in STOPWORDS:
        return TokenClass.STOP
    if word in TITLES:
        return TokenClass.TITLE
    if word in VERY_GENERIC or word in geo_words():
        return TokenClass.GENERIC
    if word in GENERIC:
        return TokenClass.SECTOR
    return TokenClass.NAME


@lru_cache(maxsize=1)
def legal_words() -> frozenset[str]:
    """Every word that takes part in a legal form (for splitting run-together words and typos)."""
    words = set(_LEGAL_TOKENS)
    for phrase in _LEGAL_PHRASES:
        words.update(w for w in phrase.split() if len(w) > 2)
    return frozenset(words)


def _legal_typo(word: str) -> bool:
    """'COMPAYN', 'CMPANY', 'OTVETSTENNOSTYU': a long legal word written with one slip."""
    if len(word) < 6:
        return False
    for legal in legal_words():
        if len(legal) >= 6 and abs(len(legal) - len(word)) <= 1 and OSA.distance(word, legal, score_cutoff=1) <= 1:
            return True
    return False


Splitter = Callable[[str], "list[str] | None"]


def tokenize(name: str, person: bool = False, unknown: Callable[[str], bool] | None = None,
             splitter: Splitter | None = None) -> list[Token]:
    """Classified tokens of a name.

    The same rules serve persons and companies (a list's type is not always known: the CSL has none),
    but abbreviations are not expanded in persons' names. `unknown(word)` says whether a query word is
    absent from the lists: such a word is tried as a slip in a legal form, and `splitter(word)` may
    cut it into listed words written together.
    """
    text, spelled = prepare(name, person)
    plain = fold(text).split()
    shown = fold(text, keep_case=True).split()
    if [w.lower() for w in shown] != plain:  # never expected; then explain with the plain words
        shown = plain
    folded: list[str] = []
    originals: list[str] = []
    for word, as_written in zip(plain, shown, strict=True):
        pieces = None
        if word in spelled:  # read from native script: its spellings belong to the whole word
            folded.append(word)
            originals.append(as_written)
            continue
        if unknown and not person and len(word) >= 5 and word not in _LEGAL_TOKENS and unknown(word):
            pieces = _unglue(word, as_written, unknown)
        if pieces is None and splitter and unknown and len(word) >= 6 and word not in _LEGAL_TOKENS and unknown(word) and not _legal_typo(word):
            pieces = splitter(word)
        if pieces:
            folded.extend(pieces)
            start = 0
            for piece in pieces:
                originals.append(as_written[start : start + len(piece)])
                start += len(piece)
        else:
            folded.append(word)
            originals.append(as_written)
    words = [ABBREVIATIONS.get(w, w) if not person else w for w in folded]
    if not person and any(w in SPLIT_WORDS for w in words):  # "Airlines" = "Air Lines"
        split_words, split_originals = [], []
        for word, original in zip(words, originals, strict=True):
            for piece in SPLIT_WORDS.get(word, (word,)):
                split_words.append(piece)
                split_originals.append(original)
        words, originals = split_words, split_originals
    classes: list[TokenClass | None] = [None] * len(words)
    if unknown is not None:
        for index, word in enumerate(words):
            if word not in _LEGAL_TOKENS and unknown(word) and _legal_typo(word):
                classes[index] = TokenClass.LEGAL
    _mark_legal(words, classes, person)
    tokens = []
    for index, word in enumerate(words):
        cls = classes[index] or _classify(word)
        if not person and word in ("lines", "line", "ways") and index and words[index - 1] == "air":
            cls = TokenClass.GENERIC  # "Mahan Air Lines" is Mahan Air
        spelling = spelled.get(word)
        if spelling is not None:
            # the word itself is among its spellings: a token with spellings is one read from native script
            tokens.append(Token(word, cls, originals[index], tuple(sorted(spelling.variants | {word})),
                                tuple(sorted(spelling.skeletons))))
        else:
            tokens.append(Token(word, cls, originals[index]))
    return tokens


def _mark_legal(words: list[str], classes: list[TokenClass | None], person: bool = False) -> None:
    n = len(words)
    for phrase in _legal_phrases():
        size = len(phrase)
        for start in range(0, n - size + 1):
            if tuple(words[start : start + size]) == phrase and all(c is None for c in classes[start : start + size]):
                for i in range(start, start + size):
                    classes[i] = TokenClass.LEGAL
    for index, word in enumerate(words):
        if classes[index] is not None or word not in _LEGAL_TOKENS:
            continue
        if person and len(word) <= 3:  # "Co", "Ao", "Sa" in a person's name are names
            continue
        if word in _AMBIGUOUS_LEGAL and n > 1:
            at_edge = index == 0 or index == n - 1
            near_legal = (index > 0 and classes[index - 1] is TokenClass.LEGAL) or (
                index + 1 < n and (words[index + 1] in _LEGAL_TOKENS)
            )
            # "ML BILD EAD International", "TROVER SA (HK) Ltd": only qualifiers follow
            trailing = all(w in _LEGAL_TOKENS or _classify(w) is TokenClass.GENERIC for w in words[index + 1 :])
            if not (at_edge or near_legal or trailing):
                continue
        classes[index] = TokenClass.LEGAL
    # a name made only of legal forms ("Company Limited") keeps its words
    if classes and all(c is TokenClass.LEGAL for c in classes):
        for index in range(n):
            classes[index] = None


def key_tokens(tokens: list[Token]) -> list[Token]:
    """Tokens that take part in matching (legal forms dropped)."""
    return [t for t in tokens if t.cls is not TokenClass.LEGAL]

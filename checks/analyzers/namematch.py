"""The claimed company name against the buyer's domain, for any company (no list needed).

A real company's domain is spelled from its own name: the whole name, a name word, its initials, a
shortened word, with a legal form, a country or digits around it (`tomony-hd`, `tiindia`, `capol`).
A look-alike is *almost* that: one typing slip, a glyph that reads alike, a hyphen inside a word, the
dot dropped (`boschcom.com`), or the name plus a lure word (`scania-payments`). So the label is read as a
sequence of units made from the name; if it reads exactly, the domain is consistent; if it reads only
with one edit or with glyphs folded, it is a look-alike of the buyer's own name, and the edit says how.

Pure functions, no network, well under a millisecond per domain.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise, product
from pathlib import Path

from anyascii import anyascii
from rapidfuzz.distance import OSA

from ..domains import unicode_label

# Words any company may put next to its name in a domain: legal forms and plain company words.
LEGAL_WORDS = frozenset(
    """inc incorporated corp corporation co company companies ltd limited llc lp llp plc ag se sa sas sarl srl spa
    nv bv gmbh kg kgaa ab asa as oy oyj pte pty pvt bhd sdn jsc pjsc ooo oao zao ao fze fzco fzc dmcc kk tbk the
    holdings holding hd hldgs hldg cv sab sl aps ltda lda sro doo dd bsc saog wll est publ nyrt ind inds
    industries industry industrial tech technology technologies brand brands mfg reit gufen gf jituan keji
    """.split()
)
# Words real companies often put after their name (`colruytgroup`, `eizoglobal`): consistent there,
# a lure when put before it (`globalkumhoenc`, `group-toread`).
NEUTRAL_WORDS = frozenset(
    """group grp global online net info web world worldwide asia usa europe hq groupe grupo gruppo grupa""".split()
)
# What a company makes or does, put next to its name in its own domain (`agenusbio`, `akwel-automotive`,
# `tongyiplastic`): consistent on either side of the name, never a name by itself.
TRADE_WORDS = frozenset(
    """bio biotech biosciences pharma pharm pharmaceutical med medical health healthcare care chem chemical
    chemicals energy power solar steel metal metals motor motors auto automotive plastic plastics paper food foods
    textile textiles electric electrical electronics elec semi semicon micro cable cables shipping logistics marine
    oil petro mining minerals resources cement glass capital invest investment securities insurance realty
    property properties estate land hotel hotels airlines air telecom media software soft systems sys labs lab
    engineering construction machinery machine materials optical optics robotics semiconductor battery
    display packaging packing pack printing water environment env ep agri agro farm fashion home design wine beverage
    dairy diagnostics therapeutics""".split()
)
_LEADING_OK = frozenset({"the", "groupe", "grupo", "gruppo", "grupa"})  # Groupe Casino, Grupo Bimbo
# Words a fraudster adds to a real name (`scania-payments`, `buyjuewei`): payment, account, security and
# purchasing words — a domain made to take money, passwords or orders.
STRONG_LURES = frozenset(
    """pay payment payments billing bill bills invoice invoices invoicing remit remittance secure security login
    signin verify verification account accounts official portal procurement procure purchasing purchase
    purchases sourcing buy buying buyer buyers supply supplies supplier suppliers tender tenders hr payroll
    support helpdesk update wallet bank banking finance refund claims claim order orders vendor vendors rfq
    quotation""".split()
)
# Business words: common in real domains too, so a question (verify first), not an accusation.
BUSINESS_LURES = frozenset(
    """trading trade export exports import imports shop store sales sale market marketing mail email site
    service services team office dept direct express intl international""".split()
)
LURES = STRONG_LURES | BUSINESS_LURES
# What is left of a suffix when the dot before it is dropped: `boschcom.com`, `sinodatanet.cn`.
_SUFFIX_PARTS = frozenset({"com", "net", "org", "co", "or", "ne", "ac", "gov", "edu", "biz", "info"})
_ARTICLES = frozenset({"the", "el", "la", "le", "il", "los", "las", "les", "der", "die", "das"})
_CONNECTORS = frozenset({"and", "of", "the", "de", "du", "des", "la", "le", "el", "und", "et", "y", "e", "for", "&"})

_VOWELS = frozenset("aeiou")
_VOWELS_Y = frozenset("aeiouy")
_GLUED_OK = frozenset({"cn"})  # Chinese companies often end their name with `cn` (`tahoecn.com`)
# ASCII glyphs that read alike in a mail client's font (Unicode's confusables.txt has rn/m, 0/O, 1/l, I/l;
# the rest are the classic typosquatting pairs). Folded on both sides before comparing.
_ASCII_PAIRS = (("rn", "m"), ("nn", "m"), ("vv", "w"), ("cl", "d"), ("lc", "k"), ("lh", "h"), ("lb", "b"))
_ASCII_SINGLE = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "q": "g", "u": "v"})
# letters that read alike only in small type: allowed for at most two letters of a label
_ASCII_WEAK = str.maketrans({"c": "e", "d": "b", "m": "n", "r": "n"})
_MAX_WEAK = 2


@lru_cache(maxsize=1)
def _confusables() -> dict[str, str]:
    """Unicode characters that read as an ASCII letter or digit, from the maintained confusables table."""
    import confusable_homoglyphs

    path = Path(confusable_homoglyphs.__file__).parent / "confusables.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for char, entries in data.items():
        if char.isascii() and char.isalnum():
            for entry in entries:
                glyph = entry["c"]
                if len(glyph) == 1 and not glyph.isascii():
                    table.setdefault(glyph, char.lower())
        elif not char.isascii():
            for entry in entries:
                glyph = entry["c"]
                if len(glyph) == 1 and glyph.isascii() and glyph.isalnum():
                    table.setdefault(char, glyph.lower())
                    break
    return table


def fold_unicode(text: str) -> str:
    """Unicode look-alikes to the ASCII they imitate: confusables table first, then accents stripped."""
    table = _confusables()
    out = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        mapped = table.get(char)
        if mapped is None:
            base = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in base if not unicodedata.combining(c))
            mapped = base if base.isascii() and base else anyascii(char)
        out.append(mapped.lower())
    return "".join(out)


def skeleton(text: str) -> str:
    """What a label looks like on screen: Unicode folded, then ASCII glyph pairs folded."""
    text = fold_unicode(text.lower())
    for pair, single in _ASCII_PAIRS:
        text = text.replace(pair, single)
    return text.translate(_ASCII_SINGLE)


# ------------------------------------------------------------------ the name's units


@dataclass(frozen=True)
class Unit:
    text: str
    kind: str  # word | prefix | initials | number | legal | country | lure | trade
    word: str = ""  # the name word it comes from (for a glyph-folded unit: the folded text)
    origin: str = ""  # for a glyph-folded unit: the name word it comes from


@dataclass
class NameProfile:
    """Units a domain label may be spelled from, made from one company name (and country)."""

    words: list[str]
    units: list[Unit]
    by_first: dict[str, list[Unit]] = field(default_factory=dict)
    by_second: dict[str, list[Unit]] = field(default_factory=dict)
    non_ascii: frozenset[str] = frozenset()
    initials: frozenset[str] = frozenset()  # first letters of the name words: a hyphen piece may be one
    skeletons: dict[str, list[Unit]] | None = None  # filled on first use

    @property
    def empty(self) -> bool:
        return not self.words


def _name_words(name: str) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """All words (legal forms included), the distinctive ones, and the parts of camel-case words."""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"(股份)?有限(责任)?公司|集团|公司", " ", text)
    text = re.sub(r"\b([A-Za-z])/([A-Za-z])\b", r"\1\2", text)  # A/S -> AS
    text = anyascii(text).replace("'", "").replace("’", "")
    parts: dict[str, list[str]] = {}
    for token in re.findall(r"[A-Za-z0-9]+", text):
        pieces = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", token)
        if len(pieces) > 1 and all(len(p) >= 2 for p in pieces):  # DukSan, SilverBridge, ZheJiang
            parts[token.lower()] = [p.lower() for p in pieces]
    text = text.lower()
    text = re.sub(r"\b([a-z])\.(?=[a-z]\b)", r"\1", text)  # s.a. -> sa, a.p. -> ap
    text = text.replace("&", " & ")
    words = re.findall(r"[a-z0-9]+|&", text)
    distinctive = [w for w in words if w not in LEGAL_WORDS and w not in _CONNECTORS and w != "&"]
    return words, distinctive, parts


def _hyphenated(name: str) -> list[str]:
    """Words the name itself joins with a hyphen (`Shangri-La`, `Hapag-Lloyd`), each run of them as one word."""
    text = anyascii(unicodedata.normalize("NFKC", name)).lower()
    return ["".join(re.findall(r"[a-z0-9]+", run)) for run in re.findall(r"[a-z0-9]+(?:\s?-\s?[a-z0-9]+)+", text)]


_PINYIN_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
                    "z", "c", "s", "y", "w", "")
_PINYIN_FINALS = ("iang", "iong", "uang", "ang", "eng", "ing", "ong", "iao", "ian", "uai", "uan", "ai", "ei", "ui",
                  "ao", "ou", "iu", "ie", "ue", "er", "an", "en", "in", "un", "ia", "ua", "uo", "a", "o", "e", "i", "u")
_PINYIN = frozenset(i + f for i in _PINYIN_INITIALS for f in _PINYIN_FINALS)


@lru_cache(maxsize=8192)
def syllables(word: str) -> tuple[str, ...]:
    """A word's pinyin syllables when it is spelled entirely of them (`changzhou` -> chang, zhou), else ()."""
    n = len(word)
    if n < 4 or not word.isalpha():
        return ()
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[n] = ()
    for i in range(n - 1, -1, -1):
        for size in range(min(6, n - i), 0, -1):
            piece = word[i:i + size]
            rest = best[i + size]
            if piece in _PINYIN and rest is not None:
                option = (piece,) + rest
                if best[i] is None or _syllable_cost(option) < _syllable_cost(best[i]):  # type: ignore[arg-type]
                    best[i] = option
    found = best[0] or ()
    return found if len(found) >= 2 else ()


def _syllable_cost(option: tuple[str, ...]) -> tuple[int, int]:
    """Fewer syllables, and syllables that start with a consonant (`he-nan`, not `hen-an`)."""
    return (len(option), sum(s[0] in _VOWELS for s in option))


def _initials_of(word: str, parts: dict[str, list[str]], chinese: bool = True) -> set[str]:
    """How a word may be abbreviated to initials: its first letter, its parts' or syllables' initials."""
    found = {word[0]}
    if word in parts:
        found.add("".join(p[0] for p in parts[word]))
    sy = syllables(word) if chinese else ()
    if sy:
        found.add("".join(s[0] for s in sy))
    return found


def _add(units: dict[str, Unit], text: str, kind: str, word: str = "") -> None:
    if text and text not in units:
        units[text] = Unit(text, kind, word)


@lru_cache(maxsize=1)
def _static_units() -> dict[str, Unit]:
    """Units every company shares: legal forms, articles, neutral company words, lure words."""
    units: dict[str, Unit] = {}
    for word in LEGAL_WORDS | _ARTICLES:
        _add(units, word, "legal", word)
    for word in NEUTRAL_WORDS:
        _add(units, word, "neutral", word)
        _add(units, word + "s", "neutral", word)
    for word in LURES:
        _add(units, word, "lure", word)
    for word in TRADE_WORDS:
        _add(units, word, "trade", word)
    return units


@lru_cache(maxsize=4096)
def profile(name: str, country_words: tuple[str, ...] = (), chinese: bool = True) -> NameProfile:
    """The units of `name`; `chinese`: the name may be romanised Chinese (pinyin syllables and their initials).

    Units are added in order of precedence (the first reading of a text wins): the name's words, then
    initials, then the whole name and its own compounds, then country and industry words."""
    words, core, parts = _name_words(name or "")
    whole = "".join("and" if w == "&" else w for w in words if w not in LEGAL_WORDS)
    if not core and len(whole) >= 3:  # e&
        core = [whole]
    units: dict[str, Unit] = {}
    for word in words:
        _word_units(units, word, parts, chinese)
    _core_initials(units, words, core, parts, chinese)
    _whole_name_initials(units, words, core)
    _name_extras(units, name, words, whole, country_words)
    units = {**_static_units(), **units}
    by_first: dict[str, list[Unit]] = {}
    by_second: dict[str, list[Unit]] = {}
    for text, unit in units.items():
        by_first.setdefault(text[0], []).append(unit)
        if len(text) >= _MIN_SLIP and unit.kind not in _NO_SLIP:
            by_second.setdefault(text[1], []).append(unit)
    initials = frozenset(w[0] for w in core)
    non_ascii = frozenset(c for c in unicodedata.normalize("NFKC", (name or "").lower()) if not c.isascii())
    return NameProfile(core, list(units.values()), by_first, by_second, non_ascii, initials)


def _word_units(units: dict[str, Unit], word: str, parts: dict[str, list[str]], chinese: bool) -> None:
    """One word of the name: itself, its parts or pinyin syllables, its plural or singular, its prefixes."""
    if word == "&":
        for spelled in ("and", "n", "und"):
            _add(units, spelled, "legal")
        return
    kind = "legal" if word in LEGAL_WORDS or word in _CONNECTORS else "number" if word.isdigit() else "word"
    _add(units, word, kind, word)
    for part in parts.get(word, ()) or (syllables(word) if chinese else ()):  # BrightGene; huawu -> hua, wu
        _add(units, part, kind, word)
    if kind == "word" and len(word) >= 5:
        if word.endswith("s"):
            if not word.endswith("ss") and len(parts.get(word, ["word"])[-1]) > 3:
                _add(units, word[:-1], "word", word)  # Foods -> food (not stainless -> stainles, ViacomCBS)
        else:
            _add(units, word + "s", "plural", word)  # Enzyme -> enzymes, only at the end
    if len(word) >= 6:  # a shortened word: `pharm` for pharmaceuticals, `ind` for industries
        for size in range(3, len(word) - 1):
            _add(units, word[:size], "prefix" if kind == "word" else kind, word)
            if word.endswith("s") and size <= 4:  # labs, bros
                _add(units, word[:size] + "s", "prefix" if kind == "word" else kind, word)


def _core_initials(units: dict[str, Unit], words: list[str], core: list[str], parts: dict[str, list[str]],
                   chinese: bool) -> None:
    """Initials of consecutive core words (connectors skipped), then optionally the next word in full,
    and a word in full followed by the initials of the next ones (`bunka-s`, `cmstd`)."""
    options = [sorted(_initials_of(w, parts, chinese)) for w in core]
    seq = [w for w in words if w != "&"]  # every word in order, for `ufpt` (UFP Technologies), `riyuehi`
    for start in range(len(core)):
        for end in range(start + 1, min(len(core), start + 4) + 1):
            for combo in product(*options[start:end]):
                acro = "".join(combo)
                if len(acro) >= 2:
                    _add(units, acro, "initials")
                if end < len(core):
                    _add(units, acro + core[end], "initials")
        if start + 1 < len(core) and len(core[start]) >= 4:  # `izdemir` for Izmir Demir
            _add(units, core[start][:2] + core[start + 1], "initials", core[start])
        at = seq.index(core[start]) if core[start] in seq else -1
        tail = [w[0] for w in seq[at + 1:at + 5]] if at >= 0 else []
        for size in range(1, len(tail) + 1):
            _add(units, core[start] + "".join(tail[:size]), "initials", core[start])
        for single in options[start]:
            if len(single) >= 2:
                _add(units, single, "initials", core[start])
    for word in core:  # two-letter abbreviations: `tx` therapeutics, `dx` diagnostics, `pv` photovoltaic
        if len(word) >= 6 and word.isalpha():
            for letter in set(word[2:]) - _VOWELS:
                _add(units, word[0] + letter, "initials", word)


def _whole_name_initials(units: dict[str, Unit], words: list[str], core: list[str]) -> None:
    """Initials over the whole name: legal form included (`fecil`), around `&` (F&B -> fnb, fb), and of
    every spoken word (Bolsas y Mercados Argentinos -> byma)."""
    every = [w for w in words if w not in _CONNECTORS and w != "&"]
    if len(every) > len(core):
        for start in range(len(every)):
            for end in range(start + 3, min(len(every), start + 6) + 1):
                _add(units, "".join(w[0] for w in every[start:end]), "initials")
    for k, word in enumerate(words):  # Engineering & Construction -> enc, ec
        if word == "&" and 0 < k < len(words) - 1:
            a, b = words[k - 1][0], words[k + 1][0]
            _add(units, a + "n" + b, "initials")
            _add(units, a + b, "initials")
    spoken = [w for w in words if w not in LEGAL_WORDS and w != "&"]
    if len(spoken) > len(core) and len(spoken) >= 3:
        _add(units, "".join(w[0] for w in spoken), "initials")


def _name_extras(units: dict[str, Unit], name: str, words: list[str], whole: str,
                 country_words: tuple[str, ...]) -> None:
    """The whole name as one word (`eand` for e&), its own hyphenated compounds, the country's words,
    industry abbreviations and the lure words that are the company's own word."""
    if len(whole) >= 3:
        _add(units, whole, "word", whole)
    for compound in _hyphenated(name or ""):  # Shangri-La -> `shangrila`: the name's own hyphen, one word
        _add(units, compound, "word", compound)
    for word in country_words:
        _add(units, word, "country", word)
    for stem, short in (("therap", "tx"), ("diagnos", "dx"), ("pharma", "rx")):  # `crisprtx`, `amoydx`
        if any(w.startswith(stem) for w in words):
            _add(units, short, "legal", short)
    if "international" in words:  # `xtepintl` for Xtep International
        _add(units, "intl", "neutral", "international")
    stems = {w[:4].replace("c", "k") for w in words if len(w) >= 4}
    for word in LURES:  # `bank` for a Bancorp, `finance` for Finans: the company's own word
        if len(word) >= 4 and word[:4].replace("c", "k") in stems:
            _add(units, word, "neutral", word)


# ------------------------------------------------------------------ reading a label


_NAME_KINDS = frozenset({"word", "prefix", "initials", "number", "plural"})
_MIN_SLIP = 3  # a slip in a shorter unit could be anything
_NO_SLIP = frozenset({"prefix", "lure", "country", "trade"})  # a slip inside these is too many guesses deep


@dataclass(frozen=True)
class Reading:
    units: tuple[Unit, ...]

    @property
    def lures(self) -> list[str]:
        """Lure words, and company words put before the name (`globalkumhoenc`, `corp-sunward`)."""
        found = [u.text for u in self.units if u.kind == "lure"]
        for unit in self.units:
            if unit.kind in _NAME_KINDS or unit.kind == "country":
                break
            if unit.kind in ("neutral", "legal") and unit.text not in _LEADING_OK and len(unit.text) >= 3:
                found.append(unit.text)
        return found

    @property
    def names_something(self) -> bool:
        if self.units and self.units[-1].kind == "plural" and len(self.units) == 1:
            return True
        if self.units and self.units[-1].text in _ARTICLES and len(self.units) > 1:
            return False  # an article comes before a word: `odfjel` is not odfj + el
        if not any(u.kind in _NAME_KINDS and len(u.text) >= 2 for u in self.units):
            return False
        if not _trade_word_ok(self.units):
            return False
        # `co`, `ab`, `le` glue only to the name: two in a row (`ab`+`le`) spell anything
        for index, (unit, after) in enumerate(pairwise(self.units)):
            if len(unit.text) <= 2 and unit.kind not in _NAME_KINDS and after.kind not in _NAME_KINDS:
                return False
            if index and unit.text in _FORMS and unit.text not in _CONNECTORS and unit.kind == "legal" \
                    and after.kind in _NAME_KINDS:
                return False  # a legal form comes after the name, not inside it (`cansadagoose`)
            if unit.kind == "plural":
                return False  # a plural ends the label: `advancedenzymes`, not `gildanscorp`
            if unit.kind == "prefix" and (after.origin or after.word) == (unit.origin or unit.word):
                return False  # a shortened word, then more of the same word: `sunr`+`sin` is sunresin, a letter short
        return True


def _trade_word_ok(units: tuple[Unit, ...]) -> bool:
    """At most one trade word, before or after the whole name and next to a full name unit (`akwel-automotive`,
    `biofermin`), never inside it or glued to a shortened word (`northg`+`glass`, `zhe`+`eng`+`dan`)."""
    at = [k for k, u in enumerate(units) if u.kind == "trade"]
    if not at:
        return True
    if len(at) > 1:
        return False
    k = at[0]
    names = [j for j, u in enumerate(units) if u.kind in _NAME_KINDS]
    if not names:
        return False
    if not (all(j < k for j in names) or all(j > k for j in names)):
        return False
    nearest = units[max(names)] if names[0] < k else units[min(names)]
    return nearest.kind != "prefix" and len(nearest.text) >= 3


def _read(text: str, prof: NameProfile, unit_map: dict[str, list[Unit]] | None = None) -> list[Reading]:
    """Every way to spell `text` exactly from the units, fewest units and fewest lures first (max 8)."""
    by_first = unit_map if unit_map is not None else prof.by_first
    n = len(text)
    best: list[list[tuple[Unit, ...]] | None] = [None] * (n + 1)
    best[n] = [()]
    for i in range(n - 1, -1, -1):
        options: list[tuple[Unit, ...]] = []
        for unit in by_first.get(text[i], ()):
            j = i + len(unit.text)
            if j <= n and best[j] and text.startswith(unit.text, i):
                options.extend((unit,) + rest for rest in best[j][:3])  # type: ignore[index]
        if options:
            options.sort(key=_reading_cost)
            best[i] = options[:4]
    return [Reading(units) for units in (best[0] or [])]


def _reading_cost(units: tuple[Unit, ...]) -> tuple[int, int, int]:
    lures = sum(u.kind == "lure" for u in units) + (units[0].kind in ("neutral", "legal") if units else 0)
    named = sum(len(u.text) for u in units if u.kind in ("word", "number"))
    return (lures, len(units), -named)


def _reachable_from_start(text: str, prof: NameProfile) -> list[bool]:
    n = len(text)
    ok = [False] * (n + 1)
    ok[0] = True
    for i in range(n):
        if not ok[i]:
            continue
        for unit in prof.by_first.get(text[i], ()):
            if text.startswith(unit.text, i):
                ok[i + len(unit.text)] = True
    return ok


def _reachable_to_end(text: str, prof: NameProfile) -> list[bool]:
    n = len(text)
    ok = [False] * (n + 1)
    ok[n] = True
    for i in range(n - 1, -1, -1):
        for unit in prof.by_first.get(text[i], ()):
            j = i + len(unit.text)
            if j <= n and ok[j] and text.startswith(unit.text, i):
                ok[i] = True
                break
    return ok


# ------------------------------------------------------------------ the verdict


@dataclass(frozen=True)
class NameMatch:
    """How a domain's label relates to the claimed name.

    kind: consistent | lookalike | lure | unrelated
    edit: for a look-alike, how it differs (omission, insertion, repetition, transposition, replacement,
    vowel_swap, bit_flip, homoglyph, idn_homoglyph, hyphen, dot_dropped, plural)
    """

    kind: str
    label: str
    form: str = ""  # the name form the label reads as (or nearly as)
    edit: str = ""
    lures: tuple[str, ...] = ()
    strong_lure: bool = False
    detail: str = ""  # e.g. the two swapped letters
    extra: tuple[str, ...] = ()  # company or country words around the name (`group`, `global`, `cn`)


UNRELATED = "unrelated"


def match_label(label: str, prof: NameProfile, suffix: str = "") -> NameMatch:
    """Read `label` (the registrable label, punycode or Unicode) against the name's units: the first
    reading that explains it wins, from the plainest (the name itself) to the most contrived."""
    if prof.empty or not label:
        return NameMatch(UNRELATED, label)
    shown = unicode_label(label).lower()
    ascii_label = shown.isascii()
    plain = shown.replace("-", "")
    short, missing = _short_omission(plain, prof)
    if short:
        return NameMatch("lookalike", label, short, "omission", detail=missing)
    if ascii_label:
        found = _exact_ascii(label, shown, plain, prof, suffix)
    else:
        plain = fold_unicode(plain)
        found = _exact_unicode(label, shown, plain, prof)
    if found is not None:
        return found
    for step in (_glyph_lookalike, _glued_suffix, _glued_digit, _glued_com):
        found = step(label, plain, prof, suffix, ascii_label)
        if found is not None:
            return found
    # one typing slip: omission, insertion, repetition, transposition, replacement, vowel swap, bit flip
    slip = _one_edit(plain, prof)
    if slip is not None:
        return slip.__class__(slip.kind, label, slip.form, slip.edit, slip.lures, slip.strong_lure, slip.detail)
    if not ascii_label:
        return _dressed_latin(label, shown, prof) or NameMatch(UNRELATED, label)
    return NameMatch(UNRELATED, label)


def _exact_ascii(label: str, shown: str, plain: str, prof: NameProfile, suffix: str) -> NameMatch | None:
    """The name spelled exactly, unless a hyphen splits one of its words or the dot before the ending is dropped."""
    exact = _read_pieces(shown, prof) or _best_exact(plain, prof)
    if exact is None:
        return None
    hyphen = _hyphen_inside_word(shown, prof) or _hyphen_splits_a_word(shown, plain, prof)
    if hyphen:
        return NameMatch("lookalike", label, _form(exact), "hyphen", detail=hyphen)
    dropped = _dropped_dot(exact, suffix, "-" in shown)
    if dropped:
        return NameMatch("lookalike", label, _form(exact), "dot_dropped", detail=dropped)
    return _consistent_or_lure(label, exact)


def _exact_unicode(label: str, shown: str, folded: str, prof: NameProfile) -> NameMatch | None:
    """The name spelled with letters of another script: `müller` for Müller GmbH is its own; letters the
    name does not have are homoglyphs."""
    exact = _best_exact(folded, prof)
    if exact is None:
        return None
    foreign = {c for c in shown.replace("-", "") if not c.isascii()} - prof.non_ascii
    if not foreign:
        return _consistent_or_lure(label, exact)
    return NameMatch("lookalike", label, _form(exact), "idn_homoglyph", detail="".join(sorted(foreign)))


def _glyph_lookalike(label: str, plain: str, prof: NameProfile, suffix: str, ascii_label: bool) -> NameMatch | None:
    """Glyphs that read alike: `rnaersk`, `b0sch`, `lcvreha`."""
    sk = skeleton(plain)
    weak = sk.translate(_ASCII_WEAK)
    if weak == plain:
        return None
    readings = [r for r in _read(weak, prof, _skeleton_units(prof)) if r.names_something]
    for reading in readings:
        form = "".join(u.word for u in reading.units)  # the reading in plain glyph-folded letters
        if len(form) == len(sk) and sum(a != b for a, b in zip(form, sk, strict=True)) <= _MAX_WEAK:
            edit = "homoglyph" if ascii_label else "idn_homoglyph"
            return NameMatch("lookalike", label, form, edit)
    return None


def _glued_suffix(label: str, plain: str, prof: NameProfile, suffix: str, ascii_label: bool) -> NameMatch | None:
    """The dot dropped: `boschcom`, `aktiafi`, `sinodatanet`."""
    for part in sorted(_SUFFIX_PARTS | set(suffix.split(".")) - {""}, key=len, reverse=True):
        if plain.endswith(part) and len(plain) > len(part) + 2:
            rest = _best_exact(plain[: -len(part)], prof)
            if rest is not None and not rest.lures and part not in {u.text for u in rest.units}:
                return NameMatch("lookalike", label, _form(rest), "dot_dropped", detail=part)
    return None


def _glued_digit(label: str, plain: str, prof: NameProfile, suffix: str, ascii_label: bool) -> NameMatch | None:
    """`jungfrau2`, `agenusbio7`, `lotto24-ag4`: one digit added after the name, none of its numbers."""
    added = _added_digit(plain, prof)
    return NameMatch("lookalike", label, plain[:-1], "insertion", detail=added) if added else None


def _glued_com(label: str, plain: str, prof: NameProfile, suffix: str, ascii_label: bool) -> NameMatch | None:
    """`fattal-hotelscom`, `guilintravelcom`: a name, a word of its own, and `com` glued on."""
    if not plain.endswith("com") or len(plain) <= 6 or any(u.text.endswith("com") and u.kind in _NAME_KINDS
                                                            for u in prof.units):
        return None
    stem = plain[:-3]
    if any(stem.startswith(u.text) for u in prof.by_first.get(stem[0], ()) if u.kind in ("word", "initials")
           and len(u.text) >= 3):
        return NameMatch("lookalike", label, stem, "dot_dropped", detail="com")
    return None


def _dressed_latin(label: str, shown: str, prof: NameProfile) -> NameMatch | None:
    """A Unicode label: the name in ASCII transliteration, or letters dressed as Latin ones (`ovɇrstoćk`,
    `junsħiƥharma`) around a word of the name: nobody types those for a company whose name has none of them."""
    if _best_exact(anyascii(shown).replace("-", ""), prof) is not None:
        return NameMatch("lookalike", label, anyascii(shown), "idn_homoglyph")
    foreign = {c for c in shown if not c.isascii() and c.isalpha()} - prof.non_ascii
    dressed = foreign and all(len(fold_unicode(c)) == 1 and fold_unicode(c).isalnum() for c in foreign)
    folded = fold_unicode(shown).replace("-", "")
    if dressed and any(len(w) >= 4 and w in folded for w in prof.words):
        return NameMatch("lookalike", label, folded, "idn_homoglyph", detail="".join(sorted(foreign)))
    return None


def _short_omission(plain: str, prof: NameProfile) -> tuple[str, str]:
    """`kb` for KSB, `rp` for BRP: a two-letter label, one letter short of the three-letter name. Two-letter
    domains are scarce and long taken; a company called KSB writes from `ksb`, not from someone else's `kb`."""
    if len(plain) != 2 or not plain.isalnum():
        return "", ""
    words = prof.words
    if plain in {words[i][0] + words[i + 1][0] for i in range(len(words) - 1)}:
        return "", ""  # the initials of two name words
    for word in words[:2]:
        if len(word) == 3:
            for k in range(3):
                if word[:k] + word[k + 1:] == plain:
                    return word, word[k]
    return "", ""


def _added_digit(plain: str, prof: NameProfile) -> str:
    """The one digit a look-alike appends to the name (`jungfrau2`): real domains add numbers of two or
    more digits (`jiacheng88`, `vertice360`) or the name's own numbers, never a lone digit after the name."""
    if not plain[-1:].isdigit() or len(plain) < 4 or plain[-2].isdigit():
        return ""
    if plain[-1] in {w for w in prof.words if w.isdigit()}:
        return ""
    head = plain[:-1].rstrip("-")
    reading = _best_exact(head, prof)
    if reading is not None:
        return "" if reading.lures else plain[-1]
    # the head begins with the name (or ends with a name word): `agenusbio7` for Agenus
    starts = any(head.startswith(u.text) and len(u.text) >= 3 and u.kind in ("word", "initials", "number")
                 for u in prof.by_first.get(head[0], ()))
    ends = any(len(w) >= 4 and head.endswith(w) for w in prof.words)
    return plain[-1] if starts or ends else ""


def _read_pieces(shown: str, prof: NameProfile) -> Reading | None:
    """A hyphenated label read piece by piece: `d-kintetsu`, `e-jumbo`, `a-itrust` (a piece may be an initial)."""
    if "-" not in shown:
        return None
    units: list[Unit] = []
    for piece in shown.split("-"):
        if not piece:
            continue
        if piece in prof.initials or piece in _HYPHEN_PREFIXES:
            units.append(Unit(piece, "initials" if piece in prof.initials else "legal"))
            continue
        readings = _read(piece, prof)
        if not readings and 2 <= len(piece) <= 4 and piece.isalpha() and not set(piece) & _VOWELS_Y:
            units.append(Unit(piece, "abbrev"))  # `maxwell-gp`, `jxr-fertility`: an abbreviation of its own
            continue
        if not readings:
            return None
        units.extend(readings[0].units)
    reading = Reading(tuple(units))
    return reading if reading.names_something else None


def _dropped_dot(reading: Reading, suffix: str, hyphenated: bool = False) -> str:
    """`boshicn.cn`, `bksat.com`, `boditechco.kr`: the name, then what was the ending, with the dot left out."""
    if len(reading.units) < 2 or not any(u.kind in _NAME_KINDS for u in reading.units[:-1]):
        return ""
    last = reading.units[-1].text
    tld = suffix.rsplit(".", 1)[-1]
    if last == tld and len(tld) >= 2:
        return last
    if last == "com" or (last in _SUFFIX_PARTS and len(tld) == 2 and "." not in suffix):
        return last
    if reading.units[-1].kind == "country" and len(last) == 2 and not hyphenated and last not in _GLUED_OK:
        return last  # `collectorse.com`, `cewede.com`: the home country's ending glued on
    return ""


def _best_exact(text: str, prof: NameProfile) -> Reading | None:
    for reading in _read(text, prof):
        if reading.names_something:
            return reading
    return None


def _form(reading: Reading) -> str:
    return "".join(u.text for u in reading.units)


def _consistent_or_lure(label: str, reading: Reading) -> NameMatch:
    lures = tuple(reading.lures)
    if lures:
        strong = any(lure in STRONG_LURES for lure in lures)
        name_part = "".join(u.text for u in reading.units if u.kind != "lure")
        return NameMatch("lure", label, name_part, lures=lures, strong_lure=strong)
    extra = tuple(u.text for u in reading.units if u.kind in ("neutral", "country"))
    return NameMatch("consistent", label, _form(reading), extra=extra)


def _hyphen_inside_word(shown: str, prof: NameProfile) -> str:
    """A hyphen that splits one name word (`il-lumina`, `abo-wi-nd`): some piece does not read by itself."""
    if "-" not in shown:
        return ""
    for piece in shown.split("-"):
        if not piece or piece in prof.initials or piece in _HYPHEN_PREFIXES:
            continue
        if 2 <= len(piece) <= 4 and piece.isalpha() and not set(piece) & _VOWELS_Y:
            continue  # an abbreviation of its own: `-gp`, `nb-`
        if not _read(piece, prof):
            return shown
    return ""


def _hyphen_splits_a_word(shown: str, plain: str, prof: NameProfile) -> str:
    """`comba--telecom`, `topbui-ld`, `merlinpropertie-s`: read whole, a name word runs across the hyphen."""
    if "--" in shown.replace("xn--", ""):
        return shown
    if "-" not in shown:
        return ""
    cuts, pos = set(), 0
    for piece in shown.split("-")[:-1]:
        pos += len(piece)
        cuts.add(pos)
    texts = {u.text for u in prof.units if u.kind in ("word", "prefix")}
    for word in prof.words:
        if len(word) < 4:
            continue
        start = plain.find(word)
        while start >= 0:
            for cut in cuts:
                k = cut - start
                if 0 < k < len(word) and not (word[:k] in texts and word[k:] in texts):
                    return shown  # not a split at the word's own parts (`bright-gene`, `hua-wu`)
            start = plain.find(word, start + 1)
    return ""


_HYPHEN_PREFIXES = frozenset({"e", "i", "my", "go"})  # e-jumbo, i-mobile: common prefixes


def _skeleton_map(units: list[Unit]) -> dict[str, list[Unit]]:
    by_first: dict[str, list[Unit]] = {}
    seen: set[str] = set()
    for unit in units:
        sk = skeleton(unit.text)
        weak = sk.translate(_ASCII_WEAK)
        if weak and weak not in seen:
            seen.add(weak)
            by_first.setdefault(weak[0], []).append(Unit(weak, unit.kind, sk, unit.word))
    return by_first


@lru_cache(maxsize=1)
def _static_skeletons() -> dict[str, list[Unit]]:
    return _skeleton_map(list(_static_units().values()))


def _skeleton_units(prof: NameProfile) -> dict[str, list[Unit]]:
    """The units as they look (glyph-folded), for reading a label that swaps look-alike glyphs."""
    if prof.skeletons is None:
        static = _static_units()
        own = _skeleton_map([u for u in prof.units if static.get(u.text) is not u])
        merged = {k: list(v) for k, v in _static_skeletons().items()}
        for key, items in own.items():
            merged.setdefault(key, []).extend(items)
        prof.skeletons = merged
    return prof.skeletons


def _one_edit(plain: str, prof: NameProfile) -> NameMatch | None:
    """The label reads as the name with exactly one slip inside one name unit."""
    n = len(plain)
    start_ok = _reachable_from_start(plain, prof)
    end_ok = _reachable_to_end(plain, prof)
    best: tuple[tuple[int, int, int], NameMatch] | None = None
    for i in range(n):
        if not start_ok[i]:
            continue
        # a unit one slip away starts with the same letter, or its second letter is here or next
        near = {id(u): u for u in prof.by_first.get(plain[i], ()) if len(u.text) >= _MIN_SLIP and u.kind not in _NO_SLIP}
        for key in {plain[i], plain[i + 1] if i + 1 < n else ""} - {""}:
            near.update((id(u), u) for u in prof.by_second.get(key, ()))
        for first in prof.by_first.get(plain[i + 1], ()) if i + 1 < n else ():
            if len(first.text) >= _MIN_SLIP and first.kind not in _NO_SLIP:
                near[id(first)] = first
        for unit in near.values():
            size = len(unit.text)
            for length in (size - 1, size, size + 1, size + 2):
                j = i + length
                if length < 3 or j > n or not end_ok[j]:
                    continue
                piece = plain[i:j]
                if piece == unit.text:
                    continue
                if OSA.distance(piece, unit.text, score_cutoff=1) > 1 and not _plural_es(piece, unit.text):
                    continue
                edit, detail = classify_edit(unit.text, piece)
                if not edit:
                    continue
                form = plain[:i] + unit.text + plain[j:]
                rest = _best_exact(form, prof)
                if rest is None:
                    continue
                # prefer a slip in a name word, and a corrected label that reads simply
                generic = sum(u.kind not in _NAME_KINDS for u in rest.units)
                score = (0 if unit.kind in ("word", "initials") else 1, generic, len(rest.units))
                match = NameMatch("lookalike", plain, form, edit, tuple(rest.lures),
                                  any(lure in STRONG_LURES for lure in rest.lures), detail)
                if best is None or score < best[0]:
                    best = (score, match)
    return best[1] if best else _one_edit_with_residue(plain, prof, start_ok, end_ok)


_RESIDUE = 3  # letters a real domain may add that the name does not explain (`21yangjie`, `cn-`)
_RESIDUE_WORD = 5  # only a long name word, one slip away, is worth reading past them


def _one_edit_with_residue(plain: str, prof: NameProfile, start_ok: list[bool], end_ok: list[bool]) -> NameMatch | None:
    """`21yingjie` for Yangzhou Yangjie: a few unexplained letters, then a long name word with one slip."""
    n = len(plain)
    for i in range(min(n, _RESIDUE + 1)):
        for unit in prof.units:
            if unit.kind != "word" or len(unit.text) < _RESIDUE_WORD:
                continue
            if plain[i] != unit.text[0] and plain[i:i + 1] != unit.text[1:2]:
                continue
            size = len(unit.text)
            for length in (size - 1, size, size + 1):
                j = i + length
                if j > n:
                    continue
                head_ok, tail_ok = start_ok[i], end_ok[j]
                if head_ok == tail_ok or (not head_ok and i == 0) or (not tail_ok and n - j > _RESIDUE):
                    continue  # exactly one side unexplained, and short
                piece = plain[i:j]
                if piece == unit.text or piece[0] != unit.text[0] or piece[-1] != unit.text[-1]:
                    continue  # a slip at the word's edge cannot be told from the unexplained letters
                if OSA.distance(piece, unit.text, score_cutoff=1) > 1:
                    continue
                edit, detail = classify_edit(unit.text, piece)
                if edit:
                    return NameMatch("lookalike", plain, plain[:i] + unit.text + plain[j:], edit, detail=detail)
    return None


def _plural_es(piece: str, word: str) -> bool:
    return any(word[:k] + "es" + word[k:] == piece for k in range(1, len(word)))


def classify_edit(real: str, fake: str) -> tuple[str, str]:
    """How `fake` differs from `real` by one slip: the kind and the letters involved."""
    if len(fake) == len(real) + 2 and _plural_es(fake, real):
        return "plural", "es"
    if len(fake) == len(real) - 1:
        for k in range(len(real)):
            if real[:k] + real[k + 1:] == fake:
                return "omission", real[k]
    if len(fake) == len(real) + 1:
        for k in range(len(fake)):
            if fake[:k] + fake[k + 1:] == real:
                extra = fake[k]
                if (k > 0 and fake[k - 1] == extra) or (k + 1 < len(fake) and fake[k + 1] == extra):
                    return "repetition", extra
                if extra == "s" and 0 < k < len(fake) - 1:
                    return "plural", "s"
                return "insertion", extra
    if len(fake) == len(real):
        diff = [k for k in range(len(real)) if real[k] != fake[k]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and real[diff[0]] == fake[diff[1]] and real[diff[1]] == fake[diff[0]]:
            return "transposition", real[diff[0]] + real[diff[1]]
        if len(diff) == 1:
            a, b = real[diff[0]], fake[diff[0]]
            if a in _VOWELS and b in _VOWELS:
                return "vowel_swap", a + b
            if b.isdigit() and not a.isdigit():
                return "digit", a + b
            if bin(ord(a) ^ ord(b)).count("1") == 1:
                return "bit_flip", a + b
            return "replacement", a + b
    return "", ""


# ------------------------------------------------------------------ the ending


_LEGACY_TLDS = frozenset({"com", "net", "org", "edu", "gov", "int", "mil"})
# country endings sold worldwide as cheap generic names, or look-alikes of .com
_ABUSED_CC = frozenset({"ws", "tk", "ml", "ga", "cf", "gq", "pw", "cc", "su", "to", "nu", "la", "vu", "cm", "om",
                        "ly", "st", "fm", "cx", "ms"})
_CC_AT_HOME = frozenset({"CN", "TW", "HK", "MO"})  # .cc is a common company ending there
# generic endings that say what a company is: a real group may use them for its site
_COMPANY_TLDS = frozenset({"holdings", "inc", "bank", "insurance", "reit", "tech", "corp", "gmbh", "ag"})
# country endings where companies register under a second level (`.com.br`, `.co.za`): a bare one is odd
_SECOND_LEVEL_ONLY = frozenset({"br", "ar", "za", "th", "au", "bd", "pk", "np", "eg", "kh"})


def brand_tld(suffix: str, prof: NameProfile) -> bool:
    """`home.sandvik`: the ending itself is the company's name (a brand top-level domain)."""
    return "." not in suffix and len(suffix) > 2 and suffix in prof.words


def unusual_tld(suffix: str, country: str | None) -> str:
    """The top-level domain when a company would not use it for its own site (`.top`, `.ws`), else ""."""
    tld = suffix.rsplit(".", 1)[-1]
    if tld in _LEGACY_TLDS or tld in _COMPANY_TLDS or tld.startswith("xn--"):
        return ""
    if len(tld) == 2:
        if tld in _SECOND_LEVEL_ONLY and suffix == tld:
            return tld
        if tld == "cc" and (country or "").upper() in _CC_AT_HOME:
            return ""
        return tld if tld in _ABUSED_CC and tld != (country or "").lower() else ""
    return tld


_FORMS = frozenset(
    """inc incorporated corp corporation co company ltd limited llc lp llp plc ag se sa sab sas sarl srl spa nv bv
    gmbh kg kgaa ab asa as oy oyj pte pty pvt bhd sdn jsc pjsc ooo oao zao ao fze fzco fzc dmcc kk tbk cv sl aps
    ltda lda sro doo dd bsc saog wll publ nyrt de anonim sirketi aktiengesellschaft""".split()
)


def display_name(company: str) -> str:
    """The name as people say it, without a trailing legal form: `Hapag-Lloyd AG` -> `Hapag-Lloyd`."""
    words = company.strip().split()
    while len(words) > 1:
        key = re.sub(r"[^a-z]", "", anyascii(words[-1]).lower())
        pieces = [p for p in re.split(r"[.,]+", anyascii(words[-1]).lower()) if p]
        if key in _FORMS or (pieces and all(p in _FORMS or len(p) == 1 for p in pieces)) or not key:
            words.pop()
        else:
            break
    return " ".join(words).rstrip(",. ") or company


# where company names are often romanised Chinese (pinyin): `cz` for Changzhou, `hua-wu`
PINYIN_COUNTRIES = frozenset({"CN", "TW", "HK", "MO", "SG", "MY"})

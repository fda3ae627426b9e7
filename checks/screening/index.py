"""The in-memory name index: every listed name tokenized once, with an inverted index per token.

Candidate retrieval never scans all names. A query word finds listed words that are equal, one or two
edits away (a deletion-neighbourhood index, as in SymSpell: covers one insertion, deletion, substitution
or transposition), or, for a word that is several listed words run together ("BAKTASHFATTAHI"), its
pieces. Only the postings of those listed words are read, rarest first; very common words (listed in
thousands of names) are read only when the query has nothing rarer.
"""

from __future__ import annotations

import math
import re
import time
from array import array
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz.distance import OSA

from ..watchlists.model import Entity, EntityType, Name, NameKind
from .native import latin_skeletons
from .normalize import Token, TokenClass, fold, key_tokens, legal_words, tokenize

if TYPE_CHECKING:
    from .compact import HashedLists  # the same tables, read from the cache file

CLASS_FACTOR = {
    TokenClass.NAME: 1.0,
    TokenClass.SECTOR: 0.5,
    TokenClass.GENERIC: 0.15,
    TokenClass.TITLE: 0.3,
    TokenClass.STOP: 0.08,
    TokenClass.LEGAL: 0.0,
}
MIN_FUZZY_LEN = 4
PATRONYMIC_FACTOR = 0.35  # a patronymic (Romanovich) is often left out: it weighs like a middle name
VERY_COMMON_ENTITIES = 12  # not a family's name (eight listed Rotenbergs) but everybody's (Ali, Kim)
COMMON_PERSON_ENTITIES = 4  # a word in this many listed persons' names is a common name
_PATRONYMIC = re.compile(r"(ovich|evich|ovych|evych|ovna|evna|ovychna|ich|ogly|oglu|kyzy|qizi)$")


def is_patronymic(word: str) -> bool:
    return len(word) >= 7 and _PATRONYMIC.search(word) is not None
COMMON_POSTINGS = 1500
# articles written joined to the next word at the start of a word: "Alislamiya", "Elnasr"
JOINED_ARTICLES = {"al", "el", "ul", "ad", "an", "ar", "as", "at", "az", "ash", "abd", "abu", "bin", "ibn"}  # postings longer than this are skipped when the query has a rarer word


@dataclass(slots=True)
class IndexedName:
    entity: int  # position in Index.entities
    kind: NameKind
    text: str  # the name as listed
    tokens: tuple[int, ...]  # vocabulary ids of its key tokens, in order
    classes: tuple[TokenClass, ...]
    originals: tuple[str, ...]
    ignored: tuple[str, ...]  # legal-form words as written
    compact: str  # key tokens run together, for words joined or split differently
    person: bool
    surname_len: int  # tokens before the comma of "SURNAME, Given", 0 when not written so
    weights: tuple[float, ...] = ()  # each token's weight (rarity x class), filled once the index is built
    total: float = 0.0


@dataclass
class Index:
    """Built in memory by `build` (plain lists and dicts), or read from the cache file by
    `compact.read_index` (the same fields as flat arrays and lazily unpickled records)."""

    entities: Sequence[Entity]
    names: Sequence[IndexedName] = field(default_factory=list)
    vocab: dict[str, int] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)
    postings: Sequence[Sequence[int]] = field(default_factory=list)
    idf: Sequence[float] = field(default_factory=list)
    deletes: dict[str, list[int]] | HashedLists = field(default_factory=dict)
    skeletons: dict[str, list[int]] | HashedLists = field(default_factory=dict)  # Arabic-style consonant skeleton -> words
    common_person: AbstractSet[int] = field(default_factory=set)  # words in many listed persons' names (Khan, Maria)
    very_common_person: AbstractSet[int] = field(default_factory=set)  # ... in very many (Ali, Mohammed, Kim)
    name_entities: Sequence[int] = field(default_factory=list)  # names[i].entity, without reading names[i]
    entity_countries: Sequence[tuple[str, ...]] = field(default_factory=list)  # entities[i].countries[:3]
    max_idf: float = 1.0
    build_seconds: float = 0.0

    # ------------------------------------------------------------------ build

    @classmethod
    def build(cls, entities: Iterable[Entity]) -> Index:
        started = time.perf_counter()
        index = cls(entities=list(entities))
        names: list[IndexedName] = []
        index.names = names
        postings: list[list[int]] = []
        for entity_pos, entity in enumerate(index.entities):
            person = entity.type is EntityType.PERSON
            seen: set[str] = set()
            for name, shown in _with_acronyms(entity.names, person):
                tokens = tokenize(name.value, person=person)
                keys = key_tokens(tokens)
                signature = " ".join(t.text for t in keys)
                if not keys or signature in seen:
                    continue
                seen.add(signature)
                ids = []
                for token in keys:
                    token_id = index.vocab.get(token.text)
                    if token_id is None:
                        token_id = len(index.words)
                        index.vocab[token.text] = token_id
                        index.words.append(token.text)
                        postings.append([])
                    ids.append(token_id)
                name_id = len(names)
                for token_id in set(ids):
                    postings[token_id].append(name_id)
                names.append(
                    IndexedName(
                        entity=entity_pos,
                        kind=name.kind,
                        text=shown,
                        tokens=tuple(ids),
                        classes=tuple(t.cls for t in keys),
                        originals=tuple(t.original for t in keys),
                        ignored=tuple(t.original for t in tokens if t.cls is TokenClass.LEGAL),
                        compact="".join(t.text for t in keys if t.cls is not TokenClass.STOP),
                        person=person,
                        surname_len=_surname_len(name.value) if person else 0,
                    )
                )
        total = len(index.names) + 1
        index.postings = [array("I", p) for p in postings]
        index.name_entities = array("I", (item.entity for item in index.names))
        index.entity_countries = [tuple(entity.countries[:3]) for entity in index.entities]
        index.idf = [math.log(total / (len(p) + 1)) + 1.0 for p in postings]
        index.max_idf = math.log(total) + 1.0
        for item in index.names:
            item.weights = tuple(index.weight(t, c) * (PATRONYMIC_FACTOR if item.person and is_patronymic(index.words[t])
                                                       else 1.0) for t, c in zip(item.tokens, item.classes, strict=True))
            item.total = sum(item.weights) or 1e-9
        person_entities: dict[int, set[int]] = {}
        for item in index.names:
            if item.person:
                for token_id in item.tokens:
                    person_entities.setdefault(token_id, set()).add(item.entity)
        index.common_person = {t for t, found in person_entities.items() if len(found) >= COMMON_PERSON_ENTITIES}
        index.very_common_person = {t for t, found in person_entities.items() if len(found) >= VERY_COMMON_ENTITIES}
        deletes: dict[str, list[int]] = {}
        for token_id, word in enumerate(index.words):
            if len(word) >= MIN_FUZZY_LEN and not word.isdigit():
                for variant in _deletes(word):
                    deletes.setdefault(variant, []).append(token_id)
        index.deletes = deletes
        skeletons: dict[str, list[int]] = {}
        for token_id, word in enumerate(index.words):
            for skeleton in latin_skeletons(word):
                skeletons.setdefault(skeleton, []).append(token_id)
        index.skeletons = skeletons
        index.build_seconds = time.perf_counter() - started
        return index

    # ------------------------------------------------------------------ lookup

    def similar_words(self, word: str) -> dict[int, float]:
        """Listed words equal or close to `word`, with a similarity in (0, 1]."""
        found: dict[int, float] = {}
        exact = self.vocab.get(word)
        if exact is not None:
            found[exact] = 1.0
        if len(word) < MIN_FUZZY_LEN or word.isdigit():
            return found
        candidates: set[int] = set(self.deletes.get(word, ()))
        for variant in _deletes(word):
            token_id = self.vocab.get(variant)
            if token_id is not None:
                candidates.add(token_id)
            candidates.update(self.deletes.get(variant, ()))
        candidates.discard(exact if exact is not None else -1)
        for token_id in candidates:
            other = self.words[token_id]
            if len(other) < MIN_FUZZY_LEN:
                continue
            distance = OSA.distance(word, other, score_cutoff=2)
            limit = 1 if min(len(word), len(other)) < 8 else 2
            if distance <= limit:
                found[token_id] = fuzzy_similarity(distance, max(len(word), len(other)))
        return found

    def word_break(self, word: str) -> list[str] | None:
        """Listed words (or legal-form words) that `word` is made of: "makingenterprise" -> making
        enterprise, "companystart" -> company start. None when it cannot be cut so."""
        if len(word) < 6 or len(word) > 60 or self.similar_words(word):
            return None
        return self.pieces(word)

    def pieces(self, word: str) -> list[str] | None:
        """`word` cut into the fewest listed words (2 to 4), even when `word` is itself listed:
        "gazpromneft" -> gazprom neft, so a name written apart on the list is still found."""
        n = len(word)
        if n < 6 or n > 60:
            return None
        legal = legal_words()
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(2, n + 1):
            for start in range(max(0, end - 30), end - 1):
                prefix = best[start]
                if prefix is None:
                    continue
                piece = word[start:end]
                if piece == word or (piece not in self.vocab and piece not in legal):
                    continue
                if len(piece) < 3 and (start != 0 or piece not in JOINED_ARTICLES):
                    continue
                candidate = prefix + [piece]
                if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                    best[end] = candidate
        pieces = best[n]
        return pieces if pieces and 1 < len(pieces) <= 4 else None

    def brand(self, token_id: int) -> bool:
        """A word that names a family of listed parties in one country (HUAWEI and its subsidiaries),
        not a common word that unrelated parties happen to share (PHOENIX in six countries)."""
        entities = {self.name_entities[n] for n in self.postings[token_id]}
        if len(entities) < 5:
            return False
        countries: dict[str, int] = {}
        for entity in entities:
            for country in set(self.entity_countries[entity]):
                countries[country] = countries.get(country, 0) + 1
        return bool(countries) and max(countries.values()) >= 0.6 * len(entities)

    def unknown(self, word: str) -> bool:
        return word not in self.vocab

    def weight(self, token_id: int, cls: TokenClass) -> float:
        return self.idf[token_id] * CLASS_FACTOR[cls]


_TRAILING_ACRONYM = re.compile(r"^(?P<base>.+?)\s*\((?P<acronym>[^()]{2,40})\)\s*$")


# Long official country names written inside listed names: the short name says the same
_COUNTRY_FORMS = [
    (re.compile(r"\bdemocratic people'?s republic of korea\b|\bdprk\b", re.I), "Korea"),
    (re.compile(r"\bislamic republic of iran\b", re.I), "Iran"),
    (re.compile(r"\bpeople'?s republic of china\b", re.I), "China"),
    (re.compile(r"\bsyrian arab republic\b", re.I), "Syria"),
    (re.compile(r"\brussian federation\b", re.I), "Russia"),
]


def _with_acronyms(names: list[Name], person: bool) -> list[tuple[Name, str]]:
    """'Beijing University of Aeronautics and Astronautics (BUAA)' is also listed as its two parts: a
    query gives one or the other, and the acronym must not count as a missing word of the full name.
    'Central Bank of the Democratic People's Republic of Korea' is also 'Central Bank of Korea'."""
    out = [(name, name.value) for name in names]
    if person:
        return out
    for name in names:
        for pattern, short in _COUNTRY_FORMS:
            if pattern.search(name.value):
                out.append((Name(pattern.sub(short, name.value), name.kind), name.value))
        found = _TRAILING_ACRONYM.match(name.value)
        if found:
            out.append((Name(found.group("base"), name.kind), name.value))
            out.append((Name(found.group("acronym"), NameKind.WEAK_AKA), name.value))
    return out


def _surname_len(text: str) -> int:
    head, comma, _ = text.partition(",")
    return len(fold(head).split()) if comma else 0


def fuzzy_similarity(distance: int, length: int) -> float:
    """One slip in a long word is still nearly the word; in a short one it may be another word
    (VISA/VISTA, SECOM/MECOM), so short words pay the full price of an edit."""
    factor = 0.6 if length >= 8 else 0.75
    return round(1.0 - factor * distance / length, 4)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def query_tokens(index: Index, text: str, person: bool) -> list[Token]:
    """All tokens of a query (legal forms included, for the explanation), cut and checked against the lists."""
    return tokenize(text, person=person, unknown=index.unknown, splitter=index.word_break)

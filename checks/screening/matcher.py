"""Scoring a query against listed names: distinctive words count, generic ones barely do.

For one candidate name, query words are aligned one-to-one with listed words (equal words first, then
close ones), then leftover words are compared run together, so that "Makingenterprise" meets "MAKING
ENTERPRISE" and "Ta I" meets "TA'I". Every word weighs its rarity in the lists times its class (a legal
form weighs nothing, "Trading" little, a rare surname much). The score mixes the share of the query's
weight that was found and the share of the listed name's weight that was found; persons may leave out
middle names, so the query side counts more for them.

Context (country, type) moves a score a little and is explained; it never hides a strong name match.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from rapidfuzz.distance import Indel

from ..watchlists.model import Entity, EntityType, NameKind
from .index import CLASS_FACTOR, COMMON_POSTINGS, Index, IndexedName, is_patronymic, query_tokens
from .native import has_native, latin_skeletons, looks_like_person
from .normalize import Token, TokenClass, geo_words, legal_words

ALERT_THRESHOLD = 0.88  # reported at or above; below is not a match
CANDIDATES = 25
MAX_QUERY = 500  # characters; a name is never longer, a pasted document is cut
MIN_SHARE = 0.5
SHORT_ORG_WORD = 7  # a company's only distinctive word this short may be anybody's (Wagner, Phoenix, Spar)
BRAND_ENTITIES = 5  # ... unless it names this many listed parties (Huawei and its subsidiaries)
SYLLABLE = 5  # Chinese, Korean, Vietnamese names are made of syllables this short
SHORT_NAME_WORD = 4  # a person's name word this short (Li, Wu, Kim, Jing) is common, whatever the lists say
KIND_FACTOR = {NameKind.PRIMARY: 1.0, NameKind.AKA: 1.0, NameKind.FKA: 0.98, NameKind.WEAK_AKA: 0.92}


@dataclass(slots=True)
class QueryWord:
    text: str
    original: str
    cls: TokenClass
    similar: dict[int, float]
    weight: float
    person_weight: float  # against a person's name, words like "Hong" or "Gold" are names, not generic


@dataclass(slots=True)
class WordPair:
    query: str
    listed: str
    how: str  # exact | close | joined


@dataclass
class Match:
    entity: Entity
    name: str
    name_kind: NameKind
    score: float
    pairs: list[WordPair] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (query word, why: legal|generic|stop|title)
    missing_query: list[str] = field(default_factory=list)
    missing_listed: list[str] = field(default_factory=list)
    country: str | None = None  # agree | differ | None when unknown
    type_mismatch: bool = False
    # strong: every distinctive listed word found and nothing known contradicts it (a `stop`);
    # possible: a partial, common-name, one-word or contradicted match (verify first). `doubts` says why:
    # partial | common | one_word | country | type
    strength: str = "strong"
    doubts: list[str] = field(default_factory=list)


@dataclass
class Query:
    text: str
    type: str | None = None  # company | person | None
    country: str | None = None  # ISO alpha-2


class Matcher:
    def __init__(self, index: Index) -> None:
        self.index = index
        self.screen(Query("warm up Trading Co Ltd"))  # fill the lazy word tables now, not on a user's query

    # ------------------------------------------------------------------ query words

    def _spellings(self, token: Token) -> dict[int, float]:
        """Listed words like a native-script word in any of its romanizations, or (Arabic script) with
        its consonant skeleton."""
        similar: dict[int, float] = {}
        for spelling in token.variants:
            if len(spelling) < 6:  # a short romanization must be exact: Jong is not Yong
                token_id = self.index.vocab.get(spelling)
                if token_id is not None:
                    similar[token_id] = 1.0
                continue
            for token_id, sim in self.index.similar_words(spelling).items():
                if sim > similar.get(token_id, 0.0):
                    similar[token_id] = sim
        for skeleton in token.skeletons:
            for token_id in self.index.skeletons.get(skeleton, ()):
                if token_id in similar:
                    continue
                word = self.index.words[token_id]
                if len(skeleton) < 2 or (len(skeleton) == 2 and len(word) > 6):  # "rs" is Raisi, not Rosenbaums
                    continue
                sim = 1.0 if len(skeleton) >= 4 else 0.96 if len(skeleton) == 3 else 0.92
                if sim > similar.get(token_id, 0.0):
                    similar[token_id] = sim
        return similar

    def _latin_skeleton_matches(self, text: str, similar: dict[int, float]) -> None:
        """Two vowels apart (Hezbollah / Hizballah, Mohammed / Muhammad) is beyond one-edit retrieval:
        listed words with the same consonants and mostly the same letters."""
        for skeleton in latin_skeletons(text):
            if len(skeleton) < 3:
                continue
            for token_id in self.index.skeletons.get(skeleton, ()):
                if token_id in similar or len(self.index.words[token_id]) < 8:
                    continue
                if Indel.normalized_similarity(text, self.index.words[token_id]) >= 0.75:
                    similar[token_id] = 0.9

    def _words(self, tokens: list[Token]) -> list[QueryWord]:
        words = []
        for token in tokens:
            similar = self.index.similar_words(token.text)
            native = bool(token.variants or token.skeletons)
            if not native and token.cls is TokenClass.NAME and len(token.text) >= 6 and token.text.isalpha():
                self._latin_skeleton_matches(token.text, similar)
            if native:
                if token.skeletons:  # the letter-by-letter reading of Arabic script compares with nothing
                    similar = {}
                elif len(token.text) < 6:  # a short romanization must be exact: Yong is not Yang
                    similar = {t: sim for t, sim in similar.items() if sim >= 0.95}
                for token_id, sim in self._spellings(token).items():
                    if sim > similar.get(token_id, 0.0):
                        similar[token_id] = sim
            if token.text in self.index.vocab:
                idf = self.index.idf[self.index.vocab[token.text]]
            elif similar and native:  # the rarest of its best readings
                top = max(similar.values())
                idf = max(self.index.idf[t] for t, sim in similar.items() if sim >= top - 0.03)
            elif similar:
                idf = max(self.index.idf[t] for t in similar)
            else:
                idf = self.index.max_idf
            # against a person's name, "Hong", "Sun" or "Gold" are names; "Trading" never is
            person_cls = TokenClass.NAME if (token.cls is TokenClass.SECTOR or token.text in geo_words()) else token.cls
            words.append(QueryWord(token.text, token.original, token.cls, similar, idf * CLASS_FACTOR[token.cls],
                                   idf * CLASS_FACTOR[person_cls]))
        return words

    # ------------------------------------------------------------------ retrieval

    def _candidates(self, words: list[QueryWord]) -> list[int]:
        scores: dict[int, float] = defaultdict(float)
        keys: dict[int, float] = {}
        for word in words:
            for token_id, sim in word.similar.items():
                keys[token_id] = max(keys.get(token_id, 0.0), sim * word.weight)
        for left, right in pairwise(words):  # "Ta I" for TA'I, "Sber Bank" for SBERBANK
            joined = self.index.vocab.get(left.text + right.text)
            if joined is not None:
                keys[joined] = max(keys.get(joined, 0.0), self.index.idf[joined])
        for word in words:  # and the other way round: "Gazpromneft" for GAZPROM NEFT
            if len(word.text) >= 8 and word.cls is TokenClass.NAME:
                for piece in self.index.pieces(word.text) or ():
                    piece_id = self.index.vocab.get(piece)
                    if piece_id is not None:
                        keys[piece_id] = max(keys.get(piece_id, 0.0), self.index.idf[piece_id])
        postings = self.index.postings
        rare = [t for t in keys if len(postings[t]) <= COMMON_POSTINGS]
        chosen = rare if rare else list(keys)
        for token_id in chosen:
            value = keys[token_id]
            for name_id in postings[token_id]:
                scores[name_id] += value
        # a name that shares less than this share of the query's weight cannot reach the threshold by
        # its words (joined-word and abbreviation credit aside, which is why the bar is low)
        floor = MIN_SHARE * sum(w.weight for w in words if len(w.text) > 4)  # a short word may be an abbreviation
        best = heapq.nlargest(CANDIDATES, scores.items(), key=lambda item: item[1])
        return [name_id for name_id, value in best if value >= floor]

    # ------------------------------------------------------------------ scoring one name

    def _align(self, words: list[QueryWord], name: IndexedName, company_query: bool = False
               ) -> tuple[float, float, list[WordPair], list[int], list[int]]:
        index = self.index
        pairs_found = []
        for qi, word in enumerate(words):
            for cj, token_id in enumerate(name.tokens):
                sim = word.similar.get(token_id)
                if sim:
                    pairs_found.append((sim, qi, cj))
        pairs_found.sort(key=lambda p: (-p[0], p[1], p[2]))
        q_used: dict[int, float] = {}
        c_used: dict[int, float] = {}
        pairs: list[WordPair] = []
        for sim, qi, cj in pairs_found:
            if qi in q_used or cj in c_used:
                continue
            if sim < 1.0 and name.person and _other_gender(words[qi].text, index.words[name.tokens[cj]]):
                sim = 0.6
            q_used[qi] = sim
            c_used[cj] = sim
            if words[qi].cls is not TokenClass.STOP:
                pairs.append(WordPair(words[qi].original, name.originals[cj], "exact" if sim >= 1.0 else "close"))
        if not name.person:  # "Jian" is not an abbreviation of the given name "Jianshu"
            self._abbreviations(words, name, q_used, c_used, pairs)
        # words run together on one side and apart on the other
        self._join(words, name, q_used, c_used, pairs)
        weights_c = name.weights
        weights_q = [w.person_weight if (name.person and not company_query) else w.weight for w in words]
        total_q = sum(weights_q) or 1e-9
        total_c = name.total
        found_q = sum(weights_q[qi] * sim for qi, sim in q_used.items())
        found_c = sum(weights_c[cj] * sim for cj, sim in c_used.items())
        missing_q = [qi for qi in range(len(words)) if qi not in q_used]
        missing_c = [cj for cj in range(len(name.tokens)) if cj not in c_used]
        return min(found_q / total_q, 1.0), min(found_c / total_c, 1.0), pairs, missing_q, missing_c

    @staticmethod
    def _surname_found(name: IndexedName, missing_c: list[int]) -> bool:
        count = len(name.tokens)
        if count < 3:
            return True
        if name.surname_len:
            surname = [i for i in range(min(name.surname_len, count)) if name.classes[i] is not TokenClass.STOP]
            return not surname or any(i not in missing_c for i in surname)
        return 0 not in missing_c or (count - 1) not in missing_c

    def _abbreviations(self, words: list[QueryWord], name: IndexedName, q_used: dict[int, float],
                       c_used: dict[int, float], pairs: list[WordPair]) -> None:
        """'Shpg' for SHIPPING, 'Dev' for DEVELOPMENT: same first letter, letters in order, much shorter."""
        for qi, word in enumerate(words):
            if qi in q_used or not 2 <= len(word.text) <= 5 or word.text.isdigit():
                continue
            for cj, token_id in enumerate(name.tokens):
                listed = self.index.words[token_id]
                if cj in c_used or len(listed) < len(word.text) + 2 or listed[0] != word.text[0]:
                    continue
                if _subsequence(word.text, listed):
                    q_used[qi] = 0.85
                    c_used[cj] = 0.85
                    pairs.append(WordPair(word.original, name.originals[cj], "abbreviation"))
                    break

    def _join(self, words: list[QueryWord], name: IndexedName, q_used: dict[int, float],
              c_used: dict[int, float], pairs: list[WordPair]) -> None:
        free_q = len(words) - len(q_used)
        free_c = len(name.tokens) - len(c_used)
        if not free_q or not free_c or (free_q < 2 and free_c < 2):
            return
        texts_c = [self.index.words[t] for t in name.tokens]
        for qi, word in enumerate(words):
            if qi in q_used or len(word.text) < 5:
                continue
            hit = _window(word.text, texts_c, c_used)
            if hit:
                start, end, sim = hit
                q_used[qi] = sim
                for cj in range(start, end):
                    c_used[cj] = sim
                pairs.append(WordPair(word.original, " ".join(name.originals[start:end]), "joined"))
        texts_q = [w.text for w in words]
        for cj, text in enumerate(texts_c):
            if cj in c_used or len(text) < 3:
                continue
            hit = _window(text, texts_q, q_used)
            if hit and len(text) < 5 and hit[2] < 1.0:
                hit = None
            if hit:
                start, end, sim = hit
                c_used[cj] = sim
                for qi in range(start, end):
                    q_used[qi] = sim
                pairs.append(WordPair(" ".join(w.original for w in words[start:end]), name.originals[cj], "joined"))

    def _score_name(self, words: list[QueryWord], name: IndexedName, person_query: bool,
                    company_query: bool) -> tuple[float, tuple]:
        cov_q, cov_c, pairs, missing_q, missing_c = self._align(words, name, company_query)
        distinct_q = [w for w in words if w.cls is not TokenClass.STOP]
        matched = len(words) - len(missing_q)
        if (name.person or person_query) and not company_query:
            # persons are often given without their middle names: the query side counts most
            score = cov_q * (0.8 + 0.2 * cov_c)
            # a lone given name or surname is not a person match unless the listed name is that short
            if matched < 2 and len([c for c in name.classes if c is not TokenClass.STOP]) >= 2:
                score *= 0.85
            # the family name must be among the words found: first or last word, or the part before
            # the comma in "SURNAME, Given"
            elif not self._surname_found(name, missing_c):
                score *= 0.9
        else:
            score = 0.6 * cov_q + 0.4 * cov_c
        # run-together comparison of the whole names, when the word counts differ (joined or split words)
        compact_q = "".join(w.text for w in words if w.cls is not TokenClass.STOP)
        count_q = len([w for w in words if w.cls is not TokenClass.STOP])
        count_c = len([c for c in name.classes if c is not TokenClass.STOP])
        has_name = any(w.cls is TokenClass.NAME for w in words)
        if has_name and count_q != count_c and len(compact_q) >= 8 and len(name.compact) >= 8:
            compact = Indel.normalized_similarity(compact_q, name.compact)
            if compact >= 0.93 and compact > score:
                score = compact
                pairs = [WordPair(" ".join(w.original for w in words), " ".join(name.originals), "joined")]
                missing_q, missing_c = [], []
        if not distinct_q:
            score *= 0.5
        elif not has_name and any(name.classes[j] is not TokenClass.STOP for j in missing_c):
            # only common words ("International Trading"): nothing short of the whole name is a match
            score *= 0.7
        return score * KIND_FACTOR[name.kind], (pairs, missing_q, missing_c)

    # ------------------------------------------------------------------ public

    def screen(self, query: Query, threshold: float = ALERT_THRESHOLD, limit: int = 10) -> list[Match]:
        """Listed parties whose best name scores at or above `threshold`, best first."""
        text = (query.text or "").strip()[:MAX_QUERY]
        if not text:
            return []
        tokens = query_tokens(self.index, text, person=query.type == "person")
        if all(t.text in legal_words() for t in tokens):  # "ООО", "有限公司", "Co. Ltd.": a legal form, no name
            return []
        words = self._words([t for t in tokens if t.cls is not TokenClass.LEGAL])
        if not words:
            return []
        # "X Trading Co" is a company whatever the list says about X: its "Trading" stays generic
        company_query = query.type == "company" or any(t.cls is TokenClass.LEGAL for t in tokens)
        # 김정수, 吴彬, وليد الخالدي: a person's name in its own script is compared with persons only
        native_query = any(t.variants or t.skeletons for t in tokens)
        persons_only = query.type != "company" and has_native(text) and looks_like_person(text)
        best: dict[int, Match] = {}
        for name_id in self._candidates(words):
            name = self.index.names[name_id]
            if persons_only and not name.person:
                continue
            score, (pairs, missing_q, missing_c) = self._score_name(words, name, query.type == "person", company_query)
            entity = self.index.entities[name.entity]
            final, country, type_mismatch = _context(score, entity, query)
            if final < threshold:
                continue
            current = best.get(name.entity)
            if current is not None and current.score >= final:
                continue
            ignored = [(t.original, t.cls.value) for t in tokens if t.cls in (TokenClass.LEGAL, TokenClass.GENERIC, TokenClass.STOP, TokenClass.TITLE)]
            best[name.entity] = Match(
                entity=entity,
                name=name.text,
                name_kind=name.kind,
                score=round(min(final, 1.0), 3),
                pairs=pairs,
                ignored=ignored,
                missing_query=[words[i].original for i in missing_q if words[i].cls is TokenClass.NAME],
                missing_listed=[name.originals[j] for j in missing_c if name.classes[j] is TokenClass.NAME],
                country=country,
                type_mismatch=type_mismatch,
            )
            match = best[name.entity]
            self._grade(match, words, name, pairs, missing_q, missing_c, query, native_query)
            if self._noise(match, words, name, missing_q, missing_c, tokens):
                del best[name.entity]
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.entity.source, m.entity.source_id))
        return ranked[:limit]


    def _noise(self, match: Match, words: list[QueryWord], name: IndexedName, missing_q: list[int],
               missing_c: list[int], tokens: list[Token]) -> bool:
        """Matches not worth an alert at all: a person's common name that is short or partial (John
        Smith against JOHN B. PRIDMORE-SMITH, Wu Bin), or a name read from native script that leaves
        query words unmatched (its romanization guessed only part of it)."""
        if "partial" in match.doubts and len(words) >= 2 and all(_syllable(w.text) for w in words):
            return True  # Lai Yong is not LAI Yong Chian: a syllable of a given name is not a middle name
        if not name.person:
            return False
        if "common" in match.doubts and "partial" in match.doubts and match.country != "agree":
            if name.surname_len and any(j in missing_c for j in range(min(name.surname_len, len(name.tokens)))):
                return True  # Maria Hernandez against SALAZAR HERNANDEZ, Maria: a family name missing
            if not name.surname_len and len(words) <= 2:
                return True  # John Smith against JOHN B. PRIDMORE-SMITH
        if "common" in match.doubts and len(name.tokens) <= 2 and all(
                len(w.text) <= SHORT_NAME_WORD for w in words) and match.country != "agree":
            return True  # Wu Bin, Li Hao: two short common words name thousands of people
        native = any(t.variants or t.skeletons for t in tokens)
        if native and "common" in match.doubts and "spelling" in match.doubts:
            return True  # وليد الخالدي against WALEED, Khalid: common names, read by their consonants only
        return native and ("partial" in match.doubts or any(words[i].cls is not TokenClass.STOP for i in missing_q))

    def _grade(self, match: Match, words: list[QueryWord], name: IndexedName, pairs: list[WordPair],
               missing_q: list[int], missing_c: list[int], query: Query, native: bool = False) -> None:
        """strong or possible, by the rules of issue 14: a listed distinctive word missing, a common
        person's name, one shared word, a contradicting country or type make it possible."""
        index = self.index
        doubts: list[str] = []
        missing_names = [j for j in missing_c if name.classes[j] is TokenClass.NAME
                         and not (name.person and is_patronymic(index.words[name.tokens[j]]))]
        if missing_names:
            doubts.append("partial")
        if name.person:
            found_names = [name.tokens[j] for j in range(len(name.tokens)) if j not in missing_c]
            rare = [t for t in found_names if t not in index.common_person and len(index.words[t]) > SHORT_NAME_WORD]
            if len(found_names) < 3 and len(rare) < 1:
                doubts.append("common")
        shared = len(name.tokens) - len(missing_c)
        keyed = len([c for c in name.classes if c is not TokenClass.STOP])
        if shared < 2 and keyed >= 2 and not pairs_joined(pairs):
            doubts.append("one_word")
        distinctive = [j for j, c in enumerate(name.classes) if c is TokenClass.NAME]
        if not name.person and len(distinctive) == 1 and keyed == 1:
            word = index.words[name.tokens[distinctive[0]]]
            if len(word) <= SHORT_ORG_WORD and not index.brand(name.tokens[distinctive[0]]):
                doubts.append("common_word")  # WAGNER, PHOENIX, SPAR: one short word names many firms
        matched = [j for j in distinctive if j not in missing_c]
        # a romanization found, or a company word's consonant skeleton, is as good as exact; a person's
        # three consonants are not (Jamal / Jumul)
        bar = (0.97 if name.person else 0.95) if native else 0.999
        exact = [j for j in matched if any(w.similar.get(name.tokens[j], 0.0) >= bar for w in words)]
        if name.person:  # Ali, Kim, Khan found exactly say little
            exact = [j for j in exact if name.tokens[j] not in index.very_common_person]
        exact += [0] * len([p for p in pairs if p.how == "joined"])
        close_short = [p for p in pairs if p.how == "close" and min(len(p.query), len(p.listed)) <= 5]
        if native and exact:
            close_short = []  # a romanization is expected to differ a little; one exact word anchors it
        close_any = [p for p in pairs if p.how == "close" and min(len(p.query), len(p.listed)) <= SHORT_ORG_WORD]
        if distinctive and ((not exact and close_any) or close_short):
            doubts.append("spelling")  # Samina for Sanmina, Phong for Hong: the spelling differs
        places_q = {w.text for w in words if w.text in geo_words()}
        places_c = {index.words[t] for t in name.tokens if index.words[t] in geo_words()}
        if places_q and places_c and not name.person and not any(
                a[:4] == b[:4] for a in places_q for b in places_c):  # Iran = Iranian
            doubts.append("place")  # Shenzhen Tianyi against DALIAN TIANYI: another city's firm
        if match.country == "differ":
            doubts.append("country")
        if match.type_mismatch:
            doubts.append("type")
        match.doubts = doubts
        match.strength = "possible" if doubts else "strong"


def pairs_joined(pairs: list[WordPair]) -> bool:
    """A run-together match ("JSCARGUMENT", "Sber Bank") pairs many words at once."""
    return any(pair.how == "joined" for pair in pairs)


_SYLLABLE = re.compile(
    r"^(?:ch|zh|sh|ts|tz|hs|kk|tt|pp|ss|jj|[bcdfghjklmnpqrstwxyz])?[wy]?"
    r"(?:a|e|i|o|u|ae|ai|ao|ei|eo|eu|ia|ie|io|iu|oa|oe|ou|ua|ue|ui|uo|uai|iao|iu|yeo|yae)"
    r"(?:ng|n|m|l|k|p|t|r)?$")


def _syllable(word: str) -> bool:
    """One syllable of a Chinese, Korean or Vietnamese name as romanized (lai, yong, chian, myong), not a
    word like Ahmed, Khan or Anwar."""
    return len(word) <= SYLLABLE and _SYLLABLE.match(word) is not None


_VOWELS = "aeiouy"


def _other_gender(a: str, b: str) -> bool:
    """Antonio/Antonia, Joaquin/Joaquina, Aleksandr/Aleksandra: given names of different people."""
    short, long = sorted((a, b), key=len)
    if len(long) == len(short) + 1 and long.startswith(short) and long[-1] == "a":
        return True
    return len(a) == len(b) and a[:-1] == b[:-1] and a[-1] in _VOWELS and b[-1] in _VOWELS and a[-1] != b[-1]


def _subsequence(short: str, long: str) -> bool:
    position = 0
    for char in short:
        position = long.find(char, position) + 1
        if position == 0:
            return False
    return True


def _window(text: str, others: list[str], used: dict[int, float]) -> tuple[int, int, float] | None:
    """Consecutive unused words among `others` that, run together, read like `text`."""
    best = None
    for start in range(len(others)):
        if start in used:
            continue
        joined = others[start]
        for end in range(start + 1, min(start + 4, len(others))):
            if end in used:
                break
            joined += others[end]
            if abs(len(joined) - len(text)) > 2:
                if len(joined) > len(text) + 2:
                    break
                continue
            sim = Indel.normalized_similarity(text, joined)
            if sim >= 0.88 and (best is None or sim > best[2]):
                best = (start, end + 1, sim)
    return best


def _context(score: float, entity: Entity, query: Query) -> tuple[float, str | None, bool]:
    """Country and type move a score a little, and only below 0.97: a strong name match stays."""
    country = None
    if query.country and entity.countries:
        country = "agree" if query.country.upper() in entity.countries else "differ"
    type_mismatch = False
    if query.type == "person" and entity.type in (EntityType.ORGANIZATION, EntityType.VESSEL, EntityType.AIRCRAFT) or query.type == "company" and entity.type is EntityType.PERSON:
        type_mismatch = True
    if score >= 0.97:
        return score, country, type_mismatch
    adjusted = score
    if country == "agree":
        adjusted += 0.02
    elif country == "differ":
        adjusted -= 0.02
    if type_mismatch:
        adjusted -= 0.04
    return adjusted, country, type_mismatch

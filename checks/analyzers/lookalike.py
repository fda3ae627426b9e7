"""Look-alike domains: typo-squats, homoglyphs, added words and other endings of a real domain.

Pure functions over domain names, no network: the analyzer compares the buyer's domain with the
official domain of the company it claims to be (strict: any resemblance counts) and with the bundled
list of well-known company domains (careful: only close resemblances, to keep false alarms rare).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import OSA

from ..domains import FILLER_WORDS, DomainParts, split_domain, unicode_label, well_known

# Characters and pairs that read alike in a mail client's font. Applied to both sides.
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("nn", "m"), ("ii", "u"))
_SINGLE = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "3": "e", "4": "a", "5": "s",
                         "7": "t", "8": "b", "9": "g", "$": "s", "@": "a"})


@dataclass(frozen=True)
class Lookalike:
    candidate: str  # the buyer's registrable domain
    target: str  # the real domain it resembles
    kind: str  # typo | homoglyph | added_word | other_tld
    claimed: bool  # the target is the official domain of the company the buyer claims to be


def skeleton(label: str) -> str:
    """What a label looks like: IDN decoded, other scripts transliterated, confusables folded."""
    text = anyascii(unicode_label(label)).lower()
    for pair, single in _PAIRS:
        text = text.replace(pair, single)
    return text.translate(_SINGLE).replace("-", "")


@lru_cache(maxsize=2048)
def _filler_split(rest: str) -> bool:
    """Whether `rest` (hyphens removed) is one or more filler words, e.g. `procurementglobal`."""
    if not rest:
        return True
    return any(rest[:size] in FILLER_WORDS and _filler_split(rest[size:]) for size in range(min(len(rest), 14), 1, -1))


_FILLER_SKELETONS = frozenset(skeleton(w) for w in FILLER_WORDS)


def _typo_distance_allowed(target: str, claimed: bool) -> int:
    length = len(target)
    if claimed:
        return 0 if length < 3 else 1 if length < 9 else 2
    return 0 if length < 4 else 1 if length < 12 else 2  # `bosh`, `bisf`: short brands too, one slip


def compare(candidate: DomainParts, target: DomainParts, *, claimed: bool) -> str | None:
    """The kind of resemblance of `candidate` to `target`, or None. Same domain -> None."""
    if candidate.domain == target.domain:
        return None
    c, t = candidate.label, target.label
    if c == t:
        return "other_tld"
    if len(t) >= 3 and c.startswith(t) and c[len(t):].lstrip("-") in _DROPPED_DOT | set(target.suffix.split(".")):
        return "dot_dropped"  # `boschcom.com`, `maersk-com.net`: the dot before the ending left out
    if c.replace("-", "") == t.replace("-", ""):
        return "typo"  # a hyphen added or dropped: `akzo-nobel` for `akzonobel`
    sc, st = skeleton(c), skeleton(t)
    if sc == st and (claimed or len(t) >= 4):
        return "homoglyph"
    if _added_word(c, t, claimed) or _added_word(sc, st, claimed, filler=_FILLER_SKELETONS):
        return "added_word"
    allowed = _typo_distance_allowed(t, claimed)
    if allowed and abs(len(c) - len(t)) <= allowed:
        plain = c.replace("-", "")
        if OSA.distance(plain, t.replace("-", ""), score_cutoff=allowed) <= allowed:
            return "typo"
        if claimed and OSA.distance(sc, st, score_cutoff=allowed) <= allowed:
            return "homoglyph"  # a swapped glyph plus a typo, aimed at the claimed company
    return None


def _added_word(c: str, t: str, claimed: bool, filler: frozenset[str] = FILLER_WORDS) -> bool:
    """`siemens-trading`, `official-pfizer`, `globalcentene`: the target plus words anyone can add."""
    t_plain = t.replace("-", "")
    min_len = 2 if claimed else 4
    if len(t_plain) < min_len:
        return False
    tokens = [tok for tok in c.split("-") if tok]
    if t in tokens or t_plain in tokens:  # hyphen-separated: `ge-procurement`, `global-up`
        rest = [tok for tok in tokens if tok not in (t, t_plain)]
        if claimed and len(t_plain) >= 2:
            return bool(rest)
        return bool(rest) and all(_is_filler(tok, filler) for tok in rest)
    plain = c.replace("-", "")
    if len(t_plain) < (3 if claimed else 5) or t_plain not in plain or plain == t_plain:
        return False
    start = plain.find(t_plain)
    around = plain[:start] + plain[start + len(t_plain):]
    if claimed and len(t_plain) >= 5:
        return True  # the claimed company's name with anything around it
    return _is_filler(plain[:start], filler) and _is_filler(plain[start + len(t_plain):], filler) and bool(around)


def _is_filler(text: str, filler: frozenset[str]) -> bool:
    if filler is FILLER_WORDS:
        return _filler_split(text)
    return _split_with(text, filler)


@lru_cache(maxsize=2048)
def _split_with(text: str, filler: frozenset[str]) -> bool:
    if not text:
        return True
    return any(text[:size] in filler and _split_with(text[size:], filler) for size in range(min(len(text), 14), 1, -1))


_KIND_ORDER = {"homoglyph": 0, "typo": 1, "dot_dropped": 1, "added_word": 2, "other_tld": 3}
_DROPPED_DOT = frozenset({"com", "net", "org", "co"})


@dataclass(frozen=True)
class _Target:
    parts: DomainParts
    plain: str  # label without hyphens
    skeleton: str


@lru_cache(maxsize=1)
def _index() -> tuple[list[_Target], dict[str, list[_Target]]]:
    """The well-known domains prepared once: labels, skeletons, and a map from label and skeleton."""
    targets: list[_Target] = []
    by_key: dict[str, list[_Target]] = {}
    for domain in well_known():
        parts = split_domain(domain)
        if parts is None:
            continue
        target = _Target(parts, parts.label.replace("-", ""), skeleton(parts.label))
        targets.append(target)
        for key in {target.plain, target.skeleton}:
            by_key.setdefault(key, []).append(target)
    return targets, by_key


def _candidates(candidate: DomainParts) -> list[DomainParts]:
    """Well-known domains close enough to be worth a full comparison (a cheap filter, same results)."""
    from rapidfuzz import process

    targets, by_key = _index()
    plain = candidate.label.replace("-", "")
    sk = skeleton(candidate.label)
    found: dict[str, DomainParts] = {}
    for key in (plain, sk):
        for target in by_key.get(key, ()):
            found[target.parts.domain] = target.parts
    for text, least in ((plain, 2), (sk, 4)):  # the target's name inside the candidate: added words, dropped dot
        for start in range(len(text)):
            for end in range(start + least, len(text) + 1):
                for target in by_key.get(text[start:end], ()):
                    found[target.parts.domain] = target.parts
    for _, _, index in process.extract(plain, [t.plain for t in targets], scorer=OSA.distance, score_cutoff=2,
                                       limit=None):
        found[targets[index].parts.domain] = targets[index].parts
    return list(found.values())


def find_lookalikes(
    domain: str,
    claimed_targets: Iterable[str] = (),
    *,
    own_name_words: Iterable[str] = (),
) -> list[Lookalike]:
    """Real domains that `domain` imitates: the claimed company's first, then the well-known list.

    `own_name_words` are the words of the buyer's own name (`acme`, `trading`): a domain spelled
    like the buyer's own name is not taken for a look-alike of an unrelated well-known company,
    unless it swaps glyphs (digits for letters) the way only impersonators do.
    """
    candidate = split_domain(domain)
    if candidate is None:
        return []
    claimed = {d for d in (split_domain(t) for t in claimed_targets) if d is not None}
    if candidate.domain in {c.domain for c in claimed}:
        return []
    found: list[Lookalike] = []
    for target in sorted(claimed, key=lambda d: d.domain):
        kind = compare(candidate, target, claimed=True)
        if kind:
            found.append(Lookalike(candidate.domain, target.domain, kind, True))
    own_words = [w for w in own_name_words if w]
    known = well_known()
    if candidate.domain not in known and not found:
        for target in _candidates(candidate):
            if target in claimed:
                continue
            kind = compare(candidate, target, claimed=False)
            if not kind:
                continue
            if kind == "other_tld" and len(target.label) < 5:
                continue  # `gm.org`: short words are shared; claimed names are checked above
            # `maersk.co.in` from a buyer of another name: a question (medium), never an accusation
            if kind != "homoglyph" and _is_own_name(candidate.label, own_words):
                continue
            found.append(Lookalike(candidate.domain, target.domain, kind, False))
    found.sort(key=lambda look: (not look.claimed, _KIND_ORDER[look.kind], look.target))
    return found


def _is_own_name(label: str, words: list[str]) -> bool:
    """`acme-trading` or `acmeindia` for ACME Trading / ACME India: the buyer's own words."""
    if not words:
        return False
    plain = label.replace("-", "")
    squashed = "".join(words)
    if plain == squashed or plain in words or (len(plain) >= 4 and squashed.startswith(plain)):
        return True
    return all(tok in words for tok in label.split("-") if tok)

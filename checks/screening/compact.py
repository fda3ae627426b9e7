"""The screening index on disk: one file, memory-mapped and read lazily, so a one-shot command that
screens a single name neither reads nor unpickles the whole index.

Unpickling the built index took about 1 s and 190 MB (45,000 name records, 20,000 entities and a
deletion-neighbourhood dict of 190,000 keys, each a Python object). Here the large parts are flat arrays
and byte blobs in the file, used in place through `memoryview`s of an `mmap`; only the pages a query
touches are ever read:

- postings (word -> names) and the name -> entity column: arrays of unsigned ints, offsets + values;
- the deletion neighbourhood and the consonant skeletons: sorted 64-bit hashes of the keys, each with
  its list of word ids (a lookup is a binary search; no key strings are kept — two keys with the same
  64-bit hash would share one list, which for the deletion neighbourhood only adds a candidate that the
  edit distance then checks);
- listed names and entities: one record each (a marshalled tuple), decoded when a candidate is scored.

The vocabulary, word weights and small sets live in a pickled header and are loaded at once (a few MB).
The file is written to a temporary name and renamed into place (never changed in place), so a running
process that maps an older file keeps reading a complete one. A file that is truncated, of another
format, or written on a machine of another byte order is refused (the caller rebuilds).
"""

from __future__ import annotations

import bisect
import hashlib
import marshal
import mmap
import os
import pickle
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from operator import itemgetter
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from ..watchlists.model import Entity, EntityType, ListInfo, Name, NameKind
from .index import Index, IndexedName
from .normalize import TokenClass

MAGIC = b"TCSIDX\x00\x02"
_HEAD = len(MAGIC) + 8  # magic, then the header's length (8 bytes, little-endian)
_ALIGN = 8
T = TypeVar("T")


def hash64(key: str) -> int:
    """A stable 64-bit hash of a string (Python's own `hash` changes with every process)."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class HashedLists:
    """A read-only `str -> sequence of ints` mapping stored as three flat arrays: sorted key hashes,
    offsets into the values, values. Supports the `get` a dict of lists was used with."""

    __slots__ = ("_keys", "_starts", "_values")

    def __init__(self, keys: Sequence[int], starts: Sequence[int], values: Sequence[int]) -> None:
        self._keys = keys
        self._starts = starts
        self._values = values

    @classmethod
    def from_dict(cls, mapping: dict[str, list[int]]) -> HashedLists:
        pairs = sorted(zip(map(hash64, mapping), mapping.values(), strict=True), key=itemgetter(0))
        keys = array("Q")
        starts = array("I", [0])
        values = array("I")
        for hashed, ids in pairs:
            if keys and keys[-1] == hashed:  # a hash shared by two keys: one list with both keys' ids
                values.extend(i for i in ids if i not in set(values[starts[-2] :]))
                starts[-1] = len(values)
                continue
            keys.append(hashed)
            values.extend(ids)
            starts.append(len(values))
        return cls(keys, starts, values)

    def get(self, key: str, default: Sequence[int] = ()) -> Sequence[int]:
        wanted = hash64(key)
        at = bisect.bisect_left(self._keys, wanted)
        if at < len(self._keys) and self._keys[at] == wanted:
            return self._values[self._starts[at] : self._starts[at + 1]]
        return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and len(self.get(key)) > 0

    def __len__(self) -> int:
        return len(self._keys)

    def arrays(self) -> tuple[Sequence[int], Sequence[int], Sequence[int]]:
        return self._keys, self._starts, self._values


class Slices(Sequence[Sequence[int]]):
    """A list of int lists as offsets + values (the postings): item i is a slice, not a copy."""

    __slots__ = ("_starts", "_values")

    def __init__(self, starts: Sequence[int], values: Sequence[int]) -> None:
        self._starts = starts
        self._values = values

    @classmethod
    def from_lists(cls, lists: Iterable[Sequence[int]]) -> Slices:
        starts = array("I", [0])
        values = array("I")
        for item in lists:
            values.extend(item)
            starts.append(len(values))
        return cls(starts, values)

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, position: int) -> Sequence[int]: ...
    @overload
    def __getitem__(self, position: slice) -> Sequence[Sequence[int]]: ...
    def __getitem__(self, position: int | slice) -> Any:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        i = _position(position, len(self))
        return self._values[self._starts[i] : self._starts[i + 1]]

    def arrays(self) -> tuple[Sequence[int], Sequence[int]]:
        return self._starts, self._values


class Records(Sequence[T], Generic[T]):
    """Records one after another in a blob, each a `marshal`led tuple of plain values (fast to read; the
    cache key includes the Python version, as marshal's format may change with it). Item i is decoded
    when asked for; the last few thousand are kept, so a batch does not decode the same party again."""

    __slots__ = ("_blob", "_starts", "_decode", "_kept")
    KEEP = 4096

    def __init__(self, blob: bytes | memoryview, starts: Sequence[int], decode: Callable[[Any], T]) -> None:
        self._blob = blob
        self._starts = starts
        self._decode = decode
        self._kept: dict[int, T] = {}

    @staticmethod
    def encode(items: Iterable[Any], encode: Callable[[Any], tuple[Any, ...]]) -> tuple[bytes, array]:
        parts: list[bytes] = []
        starts = array("Q", [0])
        for item in items:
            data = marshal.dumps(encode(item))
            parts.append(data)
            starts.append(starts[-1] + len(data))
        return b"".join(parts), starts

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, position: int) -> T: ...
    @overload
    def __getitem__(self, position: slice) -> Sequence[T]: ...
    def __getitem__(self, position: int | slice) -> Any:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        i = _position(position, len(self))
        item = self._kept.get(i)
        if item is None:
            item = self._decode(marshal.loads(self._blob[self._starts[i] : self._starts[i + 1]]))  # noqa: S302 - our own cache file
            if len(self._kept) >= self.KEEP:
                self._kept.clear()
            self._kept[i] = item
        return item

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self)):
            yield self[i]


# Names and entities as tuples of plain values: enums by their value, in the order of the dataclass fields
_KINDS = {kind.value: kind for kind in NameKind}
_CLASSES = {cls.value: cls for cls in TokenClass}
_TYPES = {kind.value: kind for kind in EntityType}
_NAME_FIELDS = tuple(f.name for f in fields(IndexedName))
_ENTITY_FIELDS = tuple(f.name for f in fields(Entity))


def _encode_name(name: IndexedName) -> tuple[Any, ...]:
    values = {f: getattr(name, f) for f in _NAME_FIELDS}
    values["kind"] = name.kind.value
    values["classes"] = tuple(cls.value for cls in name.classes)
    return tuple(values[f] for f in _NAME_FIELDS)


def _decode_name(row: tuple[Any, ...]) -> IndexedName:
    values = dict(zip(_NAME_FIELDS, row, strict=True))
    values["kind"] = _KINDS[values["kind"]]
    values["classes"] = tuple(_CLASSES[cls] for cls in values["classes"])
    return IndexedName(**values)


def _encode_entity(entity: Entity) -> tuple[Any, ...]:
    values = {f: getattr(entity, f) for f in _ENTITY_FIELDS}
    values["type"] = entity.type.value
    values["names"] = [(name.value, name.kind.value) for name in entity.names]
    return tuple(values[f] for f in _ENTITY_FIELDS)


def _decode_entity(row: tuple[Any, ...]) -> Entity:
    values = dict(zip(_ENTITY_FIELDS, row, strict=True))
    values["type"] = _TYPES[values["type"]]
    values["names"] = [Name(value, _KINDS[kind]) for value, kind in values["names"]]
    return Entity(**values)


def _position(position: int, length: int) -> int:
    i = position + length if position < 0 else position
    if not 0 <= i < length:
        raise IndexError(position)
    return i


class Writer:
    """Collects named sections (flat arrays or bytes) and writes the file atomically."""

    def __init__(self) -> None:
        self._sections: list[tuple[str, str, bytes]] = []  # name, array typecode ("B" for bytes), data

    def add(self, name: str, data: array | bytes) -> None:
        if isinstance(data, array):
            self._sections.append((name, data.typecode, data.tobytes()))
        else:
            self._sections.append((name, "B", bytes(data)))

    def write(self, path: Path, header: dict[str, Any]) -> None:
        layout: dict[str, tuple[int, int, str]] = {}
        header = dict(header, byteorder=sys.byteorder, sections=layout, size=0)
        # the header holds the layout, and the layout depends on the header's length: place the sections
        # after a header of a first guess, and grow the guess until the header fits
        room = 4096
        while True:
            offset = _aligned(_HEAD + room)
            for name, code, data in self._sections:
                layout[name] = (offset, len(data), code)
                offset = _aligned(offset + len(data))
            header["size"] = offset
            encoded = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
            if len(encoded) <= room:
                break
            room = len(encoded) + 4096
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".screening-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(MAGIC + len(encoded).to_bytes(8, "little") + encoded)
                for name, _code, data in self._sections:
                    stream.seek(layout[name][0])
                    stream.write(data)
                stream.truncate(header["size"])
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


class Mapped:
    """An opened index file: its header and its sections as typed memoryviews of one read-only mmap."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size < _HEAD:
                raise ValueError(f"{path}: too short for a screening index")
            self._map = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{path}: not a screening index of this format")
        length = int.from_bytes(self._map[len(MAGIC) : _HEAD], "little")
        if _HEAD + length > size:
            raise ValueError(f"{path}: truncated header")
        header = pickle.loads(self._map[_HEAD : _HEAD + length])  # noqa: S301 - our own cache file, as before
        # a shorter file would fault (SIGBUS) when a missing page is touched: refuse it now
        if not isinstance(header, dict) or header.get("size") != size or header.get("byteorder") != sys.byteorder:
            raise ValueError(f"{path}: truncated, or written on another kind of machine")
        self.header: dict[str, Any] = header
        self._view = memoryview(self._map)

    def section(self, name: str) -> memoryview:
        offset, length, code = self.header["sections"][name]
        raw = self._view[offset : offset + length]
        if code == "B":
            return raw
        if length % array(code).itemsize:
            raise ValueError(f"section {name} is not a whole number of items")
        return raw.cast(code)


def _aligned(offset: int) -> int:
    return (offset + _ALIGN - 1) // _ALIGN * _ALIGN


# ---------------------------------------------------------------------- the index file

def write_index(path: Path, index: Index, lists: list[ListInfo]) -> None:
    """Write `index` (as built in memory) and the lists it was built from to `path`, atomically."""
    writer = Writer()
    for name, table in (("deletes", index.deletes), ("skeletons", index.skeletons)):
        hashed = table if isinstance(table, HashedLists) else HashedLists.from_dict(table)
        for part, values in zip(("keys", "starts", "values"), hashed.arrays(), strict=True):
            writer.add(f"{name}.{part}", _array(values, "Q" if part == "keys" else "I"))
    postings = index.postings if isinstance(index.postings, Slices) else Slices.from_lists(index.postings)
    for part, values in zip(("starts", "values"), postings.arrays(), strict=True):
        writer.add(f"postings.{part}", _array(values, "I"))
    writer.add("name_entities", _array(index.name_entities, "I"))
    for name, records, encode in (("names", index.names, _encode_name), ("entities", index.entities, _encode_entity)):
        blob, starts = Records.encode(records, encode)
        writer.add(f"{name}.blob", blob)
        writer.add(f"{name}.starts", starts)
    header = {
        "lists": lists,
        "words": index.words,
        "idf": _array(index.idf, "d"),
        "max_idf": index.max_idf,
        "build_seconds": index.build_seconds,
        "common_person": sorted(index.common_person),
        "very_common_person": sorted(index.very_common_person),
        "entity_countries": list(index.entity_countries),
    }
    writer.write(path, header)


def read_index(path: Path) -> tuple[Index, list[ListInfo]]:
    """The index in `path`, its large parts left in the file until used. ValueError (or OSError) when the
    file cannot be used."""
    mapped = Mapped(path)
    head = mapped.header
    words: list[str] = head["words"]
    index = Index(
        entities=Records(mapped.section("entities.blob"), mapped.section("entities.starts"), _decode_entity),
        names=Records(mapped.section("names.blob"), mapped.section("names.starts"), _decode_name),
        vocab={word: token_id for token_id, word in enumerate(words)},
        words=words,
        postings=Slices(mapped.section("postings.starts"), mapped.section("postings.values")),
        idf=head["idf"],
        deletes=HashedLists(*(mapped.section(f"deletes.{part}") for part in ("keys", "starts", "values"))),
        skeletons=HashedLists(*(mapped.section(f"skeletons.{part}") for part in ("keys", "starts", "values"))),
        common_person=frozenset(head["common_person"]),
        very_common_person=frozenset(head["very_common_person"]),
        name_entities=mapped.section("name_entities"),
        entity_countries=head["entity_countries"],
        max_idf=head["max_idf"],
        build_seconds=head["build_seconds"],
    )
    lists = head["lists"]
    if not (isinstance(lists, list) and all(isinstance(item, ListInfo) for item in lists)):
        raise ValueError(f"{path}: no list descriptions")
    return index, lists


def _array(values: Sequence[int] | Sequence[float], code: str) -> array:
    if isinstance(values, array) and values.typecode == code:
        return values
    return array(code, values)

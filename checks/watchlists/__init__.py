"""Official sanctions and export-control lists, loaded into one neutral entity model.

`load_all()` gives every list that has a copy (a good download in `lists_dir`, else the bundled
snapshot); `lists_as_of()` the publication date of each, as shown on every card.
"""

from __future__ import annotations

from pathlib import Path

from .model import Entity, EntityType, ListInfo, Name, NameKind
from .store import SOURCE_KEYS, SPECS, LoadedList, load_source


def load_all(lists_dir: Path | None = None) -> list[LoadedList]:
    loaded = []
    for key in SOURCE_KEYS:
        item = load_source(key, lists_dir)
        if item is not None:
            loaded.append(item)
    return loaded


__all__ = ["Entity", "EntityType", "ListInfo", "LoadedList", "Name", "NameKind", "SOURCE_KEYS", "SPECS", "load_all", "load_source"]

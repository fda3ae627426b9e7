"""Every process screens against the same list versions: `lists update` publishes its downloads to
the database, and each process copies a newer shared version into its own lists folder before its
screening service's next version check (`ScreeningService.set_refresher`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from checks.trade_remedies import update as trade_remedies
from checks.watchlists.store import SOURCE_KEYS, read_current, resolve_lists_dir
from checks.watchlists.update import export_current, install_version
from storage import watchlists
from storage.db import Database

if TYPE_CHECKING:
    from checks.screening.service import ScreeningService

log = logging.getLogger(__name__)


def publish(database: Database, lists_dir: Path | None, sources: list[str] | None = None) -> list[str]:
    """Share this host's live downloads (those that changed). Returns the lists published."""
    published = []
    with database.session() as session:
        for key in sources or (*SOURCE_KEYS, *trade_remedies.KEYS):
            exported = (trade_remedies.export_download(lists_dir, key) if key in trade_remedies.KEYS
                        else export_current(lists_dir, key))
            if exported is not None and watchlists.publish(session, key, *exported):
                published.append(key)
        session.commit()
    return published


def pull(database: Database, lists_dir: Path | None) -> list[str]:
    """Copy each shared list that is newer than (different from) this host's live one. Returns those."""
    folder = resolve_lists_dir(lists_dir)
    with database.session() as session:
        shared = watchlists.versions(session)
        wanted = [key for key, version in shared.items()
                  if key in SOURCE_KEYS and (read_current(folder, key) or {}).get("version") != version]
        wanted += [key for key, version in shared.items()
                   if key in trade_remedies.KEYS and trade_remedies.installed_version(folder, key) != version]
        copies = {key: watchlists.fetch(session, key) for key in wanted}
    installed = []
    for key, copy in copies.items():
        install = trade_remedies.install_download if key in trade_remedies.KEYS else install_version
        if copy is not None and install(folder, key, *copy):
            installed.append(key)
            log.info("list %s: installed version %s from the shared copy", key, copy[0].get("version"))
    return installed


def enable(screening: ScreeningService, database: Database) -> None:
    """Pull shared lists before every version check of `screening` (the runtime's loaded lists)."""
    screening.set_refresher(lambda lists_dir: pull(database, lists_dir))

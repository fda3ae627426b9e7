"""Two hosts, one database: a list downloaded on one is screened against on the other."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import lists_sync
from checks.screening import service
from checks.watchlists.store import bundled_files, content_version, read_current
from checks.watchlists.update import export_current, install_version
from storage import db as storage_db
from tests.storage.support import db_url, pg_url, sqlite_template  # noqa: F401  (fixtures)

MARK = b"<!-- published 2026-11-30 -->"


def downloaded_un(folder: Path) -> str:
    """A UN list 'downloaded' into `folder`: the bundled file with one more line, installed like an update."""
    files = {name: data + MARK for name, data in (bundled_files("un_sc") or {}).items()}
    version = content_version(files)
    assert install_version(folder, "un_sc", {"version": version, "as_of": "2026-11-30", "count": 1003}, files)
    return version


def test_a_list_updated_on_one_host_is_installed_on_the_other(db_url: str, tmp_path: Path) -> None:
    database = storage_db.get_database(db_url)
    database.ensure_ready()
    here, there = tmp_path / "host-a", tmp_path / "host-b"
    version = downloaded_un(here)
    assert lists_sync.publish(database, here) == ["un_sc"]
    assert lists_sync.publish(database, here) == []  # the same version is not published twice
    assert read_current(there, "un_sc") is None
    assert lists_sync.pull(database, there) == ["un_sc"]
    assert read_current(there, "un_sc")["version"] == version  # type: ignore[index]
    assert export_current(there, "un_sc")[1] == export_current(here, "un_sc")[1]  # type: ignore[index]
    assert lists_sync.pull(database, there) == []  # already current


def test_files_that_do_not_match_their_version_are_not_installed(tmp_path: Path) -> None:
    files = {name: data + MARK for name, data in (bundled_files("un_sc") or {}).items()}
    assert not install_version(tmp_path, "un_sc", {"version": "0000000000000000", "as_of": "2026-11-30"}, files)
    assert read_current(tmp_path, "un_sc") is None


def test_the_screener_pulls_before_it_checks_its_versions(db_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    database = storage_db.get_database(db_url)
    database.ensure_ready()
    downloaded_un(tmp_path / "host-a")
    lists_sync.publish(database, tmp_path / "host-a")
    seen: list[tuple[str, ...]] = []

    def build(lists_dir: Path | None, cache_dir: object) -> object:
        from checks.watchlists.store import current_versions

        seen.append(current_versions(lists_dir))
        return type("Built", (), {"lists_dir": lists_dir, "versions": current_versions(lists_dir)})()

    monkeypatch.setattr(service, "build_screener", build)
    screening = service.ScreeningService(tmp_path / "host-b", cache_dir=False)  # host B's runtime's
    lists_sync.enable(screening, database)
    screening.screener()
    [versions] = seen
    assert f"un_sc:{read_current(tmp_path / 'host-b', 'un_sc')['version']}" in versions  # type: ignore[index]

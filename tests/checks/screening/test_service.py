"""The screening service: loaded in the background at start-up, shared by every check of its engine,
reloaded when the list files change; each service is its owner's (two runtimes share nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.screening import service
from checks.screening.index import Index
from checks.screening.matcher import Matcher

from .conftest import TEST_LISTS_DIR


def test_warm_up_loads_the_index_once_in_the_background(screener: service.Screener, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path | None] = []

    def build(lists_dir: Path | None, cache_dir: object) -> service.Screener:
        builds.append(lists_dir)
        return screener

    monkeypatch.setattr(service, "build_screener", build)
    screening = service.ScreeningService(TEST_LISTS_DIR, cache_dir=False)
    thread = screening.warm_up()
    thread.join(30)
    assert not thread.is_alive() and builds == [TEST_LISTS_DIR]
    assert screening.screener() is screener  # the first check finds it loaded
    assert builds == [TEST_LISTS_DIR]


def test_a_failed_warm_up_is_logged_and_leaves_the_check_to_report_it(monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    def broken(lists_dir: Path | None, cache_dir: object) -> service.Screener:
        raise OSError("unreadable list")

    monkeypatch.setattr(service, "build_screener", broken)
    screening = service.ScreeningService(TEST_LISTS_DIR, cache_dir=False)
    screening.warm_up().join(30)
    assert "warm-up failed" in caplog.text
    with pytest.raises(OSError):
        screening.screener()


def tiny(version: str) -> service.Screener:
    return service.Screener(Matcher(Index.build([])), [], (version,), TEST_LISTS_DIR)


def test_two_services_share_no_loaded_index(monkeypatch: pytest.MonkeyPatch) -> None:
    built = iter([tiny("v1"), tiny("v1")])
    monkeypatch.setattr(service, "build_screener", lambda lists_dir, cache_dir: next(built))
    one, two = service.ScreeningService(TEST_LISTS_DIR), service.ScreeningService(TEST_LISTS_DIR)
    assert one.screener() is not two.screener()
    assert one.screener() is one.screener()  # loaded once per service
    one.reset()  # `lists update` in one runtime reloads that runtime's lists only
    with pytest.raises(StopIteration):
        one.screener()
    assert two.screener() is two.screener()


def test_a_changed_list_version_is_seen_at_the_next_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    versions = ["v1"]
    monkeypatch.setattr(service, "current_versions", lambda lists_dir: (versions[0],))
    monkeypatch.setattr(service, "build_screener", lambda lists_dir, cache_dir: tiny(versions[0]))
    refreshed: list[Path | None] = []
    screening = service.ScreeningService(TEST_LISTS_DIR, recheck_seconds=-1.0, refresher=refreshed.append)
    first = screening.screener()
    assert screening.screener() is first and first.versions == ("v1",)  # unchanged files: the same index
    versions[0] = "v2"
    assert screening.screener().versions == ("v2",)
    assert refreshed and set(refreshed) == {TEST_LISTS_DIR}  # the shared lists were pulled before each check
    waiting = service.ScreeningService(TEST_LISTS_DIR, recheck_seconds=3600.0)
    loaded = waiting.screener()
    versions[0] = "v3"
    assert waiting.screener() is loaded  # not re-checked before `recheck_seconds`

"""The process-wide screener: loaded in the background at start-up, shared by every check."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.screening import service

from .conftest import TEST_LISTS_DIR


def test_warm_up_loads_the_index_once_in_the_background(screener: service.Screener, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path | None] = []

    def build(lists_dir: Path | None, cache_dir: object) -> service.Screener:
        builds.append(lists_dir)
        return screener

    monkeypatch.setattr(service, "build_screener", build)
    service.reset()
    thread = service.warm_up(TEST_LISTS_DIR, cache_dir=False)
    thread.join(30)
    assert not thread.is_alive() and builds == [TEST_LISTS_DIR]
    assert service.get_screener(TEST_LISTS_DIR, cache_dir=False) is screener  # the first check finds it loaded
    assert builds == [TEST_LISTS_DIR]
    service.reset()


def test_a_failed_warm_up_is_logged_and_leaves_the_check_to_report_it(monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    def broken(lists_dir: Path | None, cache_dir: object) -> service.Screener:
        raise OSError("unreadable list")

    monkeypatch.setattr(service, "build_screener", broken)
    service.reset()
    service.warm_up(TEST_LISTS_DIR, cache_dir=False).join(30)
    assert "warm-up failed" in caplog.text
    with pytest.raises(OSError):
        service.get_screener(TEST_LISTS_DIR, cache_dir=False)
    service.reset()

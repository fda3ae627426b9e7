"""The user's own folders for tradecheck's files, one rule for every kind of file.

Data that must survive (updated watchlists, the local case database) goes in the user data folder;
what can be rebuilt (the screening index) in the user cache folder. The same on every run, whatever
the working directory, so the terminal chat and a one-shot command started elsewhere share them.

| system  | data                                  | cache                        |
| ------- | ------------------------------------- | ---------------------------- |
| Linux   | $XDG_DATA_HOME/tradecheck             | $XDG_CACHE_HOME/tradecheck   |
|         | (~/.local/share/tradecheck)           | (~/.cache/tradecheck)        |
| macOS   | ~/Library/Application Support/tradecheck | ~/.cache/tradecheck       |
| Windows | %LOCALAPPDATA%\\tradecheck             | %LOCALAPPDATA%\\tradecheck    |
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "tradecheck"


def user_data_dir() -> Path:
    """A platformdirs-like per-user data folder (not created here)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP


def user_cache_dir() -> Path:
    """A platformdirs-like per-user cache folder (not created here)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / APP

"""What one-shot commands import: only what they need (start-up time and memory; issue 16, item 7).

Each command runs in a fresh interpreter over a one-entry sanctions index (no index build), and the
test reads `sys.modules` after it: a dry-run check loads no database layer, no chat adapter, no PDF
library; a stored check loads the database but still no chat adapter; on a database whose schema is
already at head it loads no migration machinery either; an offline check given no e-mail or site
loads no HTTP client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHAT_AND_SERVER = ("slack_bolt", "slack_sdk", "telegram", "aiohttp", "starlette", "uvicorn", "apscheduler",
                   "bot.slack", "bot.telegram", "bot.feishu", "bot.server", "bot.monitor")
DOCUMENTS = ("reportlab", "pypdf", "bot.evidence")
DATABASE = ("sqlalchemy", "sqlmodel", "alembic", "psycopg", "storage.models", "storage.db", "storage.cases")
MIGRATIONS = ("alembic", "mako")  # only to create or upgrade the schema
ONLINE = ("httpx", "requests", "tldextract")  # downloads, online sources, a domain's public suffix
NOT_GIVEN = ("phonenumbers", "email_validator")  # the request below names a company only

RUN = """
import io, contextlib, json, sys
from checks.screening import service
from checks.screening.index import Index
from checks.screening.matcher import Matcher
from checks.watchlists.model import Entity, EntityType, Name

index = Index.build([Entity("un_sc", "T1", EntityType.ORGANIZATION, [Name("Example Listed Holdings")])])
tiny = service.Screener(Matcher(index), [], service.current_versions(None), None)
service.build_screener = lambda lists_dir=None, cache_dir=True: tiny  # this tiny index stands for the lists
import bot.cli
with contextlib.redirect_stdout(io.StringIO()):
    code = bot.cli.main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], set(result["modules"])


def imported(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_a_dry_run_check_loads_no_database_chat_or_pdf(tmp_path: Path) -> None:
    code, modules = loaded(tmp_path, "check", "--offline", "--no-store", "Example Trading Ltd")
    assert code == 0 and "checks.screening.matcher" in modules  # it did screen
    assert imported(modules, CHAT_AND_SERVER + DOCUMENTS + DATABASE + ONLINE) == []
    assert "phonenumbers.geocoder" not in modules  # no phone given: its 100 MB of place names stay on disk
    assert imported(modules, NOT_GIVEN) == []  # nor the parsers of a phone number or an e-mail address
    assert not (tmp_path / "cli.db").exists()  # and the database is not touched


def test_a_stored_check_loads_the_database_but_no_chat(tmp_path: Path) -> None:
    code, modules = loaded(tmp_path, "check", "--offline", "Example Trading Ltd")
    assert code == 0 and "storage.cases" in modules and (tmp_path / "cli.db").exists()
    assert imported(modules, CHAT_AND_SERVER + DOCUMENTS) == []


def test_a_stored_check_on_an_existing_database_loads_no_migrations_or_http_client(tmp_path: Path) -> None:
    first, _ = loaded(tmp_path, "check", "--offline", "Example Trading Ltd")  # creates the schema (Alembic)
    code, modules = loaded(tmp_path, "check", "--offline", "Example Trading Ltd")
    assert first == code == 0 and "storage.cases" in modules
    assert imported(modules, CHAT_AND_SERVER + DOCUMENTS + MIGRATIONS + ONLINE + NOT_GIVEN) == []

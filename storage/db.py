"""The database: URL handling, engines, sessions, and the schema version check (Alembic).

Decisions (also for README):
- The URL comes from the caller (the bot's settings read `DATABASE_URL`); without one, the SQLite file
  `tradecheck.db` in the user data folder (`checks.paths`, e.g. ~/.local/share/tradecheck/), beside
  the updated lists, so every command run from any folder sees the same cases. PostgreSQL URLs
  `postgres://…` and `postgresql://…` are rewritten to `postgresql+psycopg://…` (psycopg 3).
- SQLite runs in WAL mode with a 30 s busy timeout so that several processes (chat, serve, the
  one-shot `check`) can share one file.
- `tradecheck db upgrade` applies the migrations. Start-up (`chat`, `serve`, `check` that stores)
  calls `ensure_ready()`: a schema that is behind is refused with a message telling to run
  `tradecheck db upgrade` — except for the default local SQLite file and for a brand-new empty
  database, which are upgraded automatically so that `pip install -e . && tradecheck chat` works
  on a fresh machine with no extra step. Upgrades of a shared PostgreSQL database that already has
  data stay a deliberate step.
- The start-up check does not import Alembic (about 0.15 s of every stored one-shot check): the head
  revision is read from the migration files' `revision` / `down_revision` lines and the stored one
  from the `alembic_version` table. Alembic runs only to upgrade, or when that reading is not plain
  (several heads or stored revisions), where it decides as before.
"""

from __future__ import annotations

import ast
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Connection, CursorResult, Result, make_url
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseNotReady(RuntimeError):
    """The schema is older than this version of tradecheck: run `tradecheck db upgrade`."""

    def __init__(self, message: str, *, current: str | None = None, head: str | None = None, url: str = "") -> None:
        super().__init__(message)
        self.current = current
        self.head = head
        self.url = url


def normalize_url(url: str) -> str:
    """Accept the URL forms hosting providers hand out; always use psycopg 3 for PostgreSQL."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched. `Session.execute` types its result as `Result`; for those
    statements it is a `CursorResult`, which has the count."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"no row count on {type(result).__name__}")
    return result.rowcount


def default_url() -> str:
    """The local SQLite file in the user data folder, the same whatever the working directory."""
    from checks.paths import user_data_dir

    return f"sqlite:///{(user_data_dir() / 'tradecheck.db').as_posix()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


@dataclass
class Database:
    url: str
    engine: Engine
    _ready: bool = field(default=False, repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose objects stay readable after commit; rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise

    # --- schema version -------------------------------------------------------------------
    def alembic_config(self, connection: Connection | None = None) -> Config:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        if connection is not None:
            config.attributes["connection"] = connection
        return config

    def head(self) -> str:
        """The newest migration's revision (what this tradecheck's models need)."""
        head = migration_head()
        if head is not None:
            return head
        from alembic.script import ScriptDirectory

        found = ScriptDirectory.from_config(self.alembic_config()).get_current_head()  # raises on several heads
        assert found is not None
        return found

    def current(self) -> str | None:
        """The revision the database's schema is at; None for a database never migrated."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                return None
            stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            if len(stored) <= 1:
                return stored[0] if stored else None
            from alembic.runtime.migration import MigrationContext

            return MigrationContext.configure(connection).get_current_revision()  # raises on several heads

    def is_fresh(self) -> bool:
        """No tables but ours (a first start may be creating them right now in another process)."""
        from sqlmodel import SQLModel

        import storage.models  # noqa: F401  (registers the tables)

        with self.engine.connect() as connection:
            names = set(inspect(connection).get_table_names())
        return names <= set(SQLModel.metadata.tables) | {VERSION_TABLE}

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        with self.engine.begin() as connection:
            command.upgrade(self.alembic_config(connection), revision)
        self._ready = False

    def ensure_ready(self, auto_upgrade: bool | None = None) -> None:
        """Refuse to run on a schema that is behind; upgrade the local default or an empty database."""
        if self._ready:
            return
        head, current = self.head(), self.current()
        if current != head:
            if auto_upgrade is None:
                auto_upgrade = self.url == normalize_url(default_url()) or (current is None and self.is_fresh())
            if not auto_upgrade:
                raise DatabaseNotReady(
                    f"The database schema is at revision {current or 'none'}, this tradecheck needs {head}. "
                    f"Run `tradecheck db upgrade` (DATABASE_URL={safe_url(self.url)}) and start again.",
                    current=current, head=head, url=safe_url(self.url),
                )
            # a new database is the normal first run (info); upgrading one that holds data is worth a warning
            log.log(logging.INFO if current is None else logging.WARNING,
                    "upgrading the database schema from %s to %s", current or "empty", head)
            try:
                self.upgrade()
            except Exception:
                # another process starting at the same moment may have upgraded it first
                if not self._reaches(head):
                    raise
        self._ready = True

    def _reaches(self, head: str, seconds: float = 15.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.current() == head:
                    return True
            except Exception:  # noqa: S110 - the other upgrade is still creating its tables
                pass
            time.sleep(0.2)
        return False


VERSION_TABLE = "alembic_version"  # Alembic's default, which storage/migrations/env.py keeps
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def migration_head(folder: Path = MIGRATIONS / "versions") -> str | None:
    """The one head of the migration files, read as text (no Alembic import); None when that reading is
    not plain (a file without a literal `revision`, a merge, several heads): Alembic decides then."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        if path.name == "__init__.py":
            continue
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        try:
            revision, parent = ast.literal_eval(found["revision"]), ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not (parent is None or isinstance(parent, str)):
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def open_database(url: str | None) -> Database:
    """A new Database (its own engine and connection pool) for `url`; `None` is the local default
    (`default_url`). Its owner disposes of it (`database.engine.dispose()`): a runtime does in `close()`."""
    url = normalize_url(url or default_url())
    return Database(url=url, engine=make_engine(url))

"""The runtime: what one process (the terminal chat, a one-shot command, the server) works with.

Built once by an entry point (`bot/cli.py`, `bot/chat.py`, `bot/server.py`) and passed down; tests
build their own (`tests/bot/app/conftest.py`). It holds the injected BotSettings, the Database (its
own engine and connection pool, opened on first use and closed by `close()`), the check Engine
(built lazily, one per offline flag), the risk Policy and the HTTP client, and the services every
adapter calls. Nothing here is process-wide: two runtimes share nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from checks.i18n import normalize_lang

from ..settings import BotSettings, get_bot_settings

if TYPE_CHECKING:
    from checks.engine import Engine
    from checks.http import HttpClient
    from checks.policy import Policy
    from checks.screening.service import ScreeningService
    from checks.workers import WorkerPool
    from storage.db import Database

    from ..card import CardSettings
    from .cases import CaseService
    from .chatstate import ChatStateService
    from .checking import CheckingService
    from .history import HistoryService
    from .monitoring import MonitoringService

log = logging.getLogger(__name__)

T = TypeVar("T")


class Runtime:
    """BotSettings, Database, Engine, Policy and HTTP client of one process, and the services built on them.

    Everything is built on first use: a one-shot command that never touches the database never
    opens it, and an offline check never builds the online sources.
    """

    def __init__(
        self,
        settings: BotSettings,
        *,
        database: Database | None = None,
        engine: Engine | None = None,
        policy: Policy | None = None,
        http: HttpClient | None = None,
        offline: bool | None = None,
        engine_cache: dict[bool, Engine] | None = None,
        screening: ScreeningService | None = None,
    ) -> None:
        """`engine` replaces the product's engine for every offline flag (tests); `offline` is the
        default flag for checks that do not choose; `engine_cache` lets callers share built engines
        (and `screening`, the sanctions lists those engines screen against). A `database` passed in
        stays its owner's; without one the runtime opens its own (and closes it)."""
        self.settings: BotSettings = settings
        self._database = database
        self._owns_database = False
        self._database_ready = False
        self._engine = engine
        self._engines: dict[bool, Engine] = engine_cache if engine_cache is not None else {}
        self._policy = policy
        self._http = http  # the online sources' HTTP client, made on first use (see `http`)
        self.offline = self.settings.offline if offline is None else offline
        self._lock = threading.RLock()  # re-entrant: building the engine makes the HTTP client
        self._fast_pool: ThreadPoolExecutor | None = None
        self._screening = screening  # the loaded sanctions lists of this runtime's engines (see `screening`)
        self._cpu: WorkerPool | None = None  # the engines' CPU thread (screening, scoring)
        self._parse: WorkerPool | None = None  # the request parser's thread (`parse_pool`)
        self._services: dict[str, Any] = {}

    @classmethod
    def from_environment(cls, *, offline: bool | None = None) -> Runtime:
        """The runtime an entry point builds: settings from the environment and `.env` (their secrets
        are redacted from every log line from now on)."""
        from .. import logs

        settings = get_bot_settings()
        logs.protect_settings(settings)
        return cls(settings, offline=offline)

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what the runtime holds ------------------------------------------------------------------
    @property
    def database(self) -> Database:
        """The configured database (not checked: see `ensure_database`), opened on first use: this
        runtime's own engine and connection pool, disposed of by `close()`."""
        if self._database is None:
            from storage.db import open_database

            with self._lock:
                if self._database is None:
                    self._database = open_database(self.settings.database_url)
                    self._owns_database = True
        return self._database

    @property
    def http(self) -> HttpClient:
        """The online sources' HTTP client: one connection pool per event loop that uses it, the response
        cache and the per-host rate limits, shared by every check of this runtime (the chat's loop and
        the monitor thread's). Made on first use: an offline runtime never imports httpx."""
        if self._http is None:
            from checks.http import HttpClient

            with self._lock:
                if self._http is None:
                    self._http = HttpClient()
        return self._http

    @property
    def screening(self) -> ScreeningService:
        """The sanctions lists this runtime's engines screen against: loaded once (or read from the index
        cache file), re-checked against the list files, reloaded after `lists update` (`reset()`)."""
        if self._screening is None:
            from checks.screening.service import ScreeningService

            with self._lock:
                if self._screening is None:
                    self._screening = ScreeningService(self.settings.lists_dir)
        return self._screening

    @property
    def cpu_pool(self) -> WorkerPool:
        """The one thread this runtime's engines run their CPU work on (off the event loop)."""
        return self._pool("_cpu", "checks-cpu")

    @property
    def parse_pool(self) -> WorkerPool:
        """The one thread `/check` text is parsed on before an adapter's ack (bot/offloop.py): not the
        engines' thread, so a parse never waits behind a check's screening."""
        return self._pool("_parse", "parse")

    def _pool(self, attribute: str, name: str) -> WorkerPool:
        found: WorkerPool | None = getattr(self, attribute)
        if found is None:
            from checks.workers import WorkerPool

            with self._lock:
                found = getattr(self, attribute)
                if found is None:
                    found = WorkerPool(name)
                    setattr(self, attribute, found)
        return found

    def ensure_database(self) -> Database:
        """The database, checked once: raises DatabaseNotReady if the schema is behind (the default
        local SQLite file and a brand-new database are upgraded automatically). Blocking."""
        database = self.database
        if not self._database_ready:
            database.ensure_ready()
            self._database_ready = True
        return database

    async def ready_database(self) -> Database:
        """`ensure_database` off the event loop."""
        if self._database_ready and self._database is not None:
            return self._database
        return await asyncio.to_thread(self.ensure_database)

    def engine(self, offline: bool | None = None) -> Engine:
        """The check engine for this offline flag, built once per runtime (its indexes load once)."""
        if self._engine is not None:
            return self._engine
        flag = self.offline if offline is None else offline
        engine = self._engines.get(flag)
        if engine is None:
            from checks.registry import build_engine

            with self._lock:
                engine = self._engines.get(flag)
                if engine is None:
                    engine = self._engines[flag] = build_engine(
                        self.settings, offline=flag, http=None if flag else self.http, screening=self.screening,
                        cpu=self.cpu_pool)
        return engine

    @property
    def policy(self) -> Policy | None:
        """The risk policy (re-read when its file changes); None when the file is broken, so a bad
        edit never stops checks: the scorer's own approval flag applies then."""
        if self._policy is not None:
            return self._policy
        from checks.policy import BUNDLED, load_policy

        try:
            return load_policy(self.settings.policy_path or BUNDLED)  # this runtime's settings, not the process's
        except Exception:
            log.exception("could not load the policy")
            return None

    def default_lang(self) -> str:
        return normalize_lang(self.settings.tradecheck_lang)

    @property
    def card_settings(self) -> CardSettings:
        """What every card this runtime builds needs from it (time zone, list age, the policy)."""
        from ..card import CardSettings

        return CardSettings.of(self.settings, self.policy)

    # --- running blocking work off the event loop ------------------------------------------------
    async def offload(self, function: Callable[..., T], *args: Any, fast: bool = False, **kwargs: Any) -> T:
        """Run blocking (database) work on a worker thread. `fast=True` uses a small pool of the
        runtime's own for the short reads an adapter makes before it acknowledges a request, so they
        never queue behind stored checks on the default pool."""
        if not fast:
            return await asyncio.to_thread(function, *args, **kwargs)
        with self._lock:
            if self._fast_pool is None:
                self._fast_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="app-fast")
            pool = self._fast_pool
        bound = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(pool, bound)

    async def aclose(self) -> None:
        """Close the HTTP connections this runtime opened in the running event loop (call it in each loop
        that ran checks, before the loop ends: a one-shot command's, the chat's, the monitor thread's)."""
        if self._http is not None:
            await self._http.aclose()

    def close(self) -> None:
        """Release what the runtime started: its thread pools, the HTTP connections of loops that are not
        running now, and the database connections of the database it opened (a database passed in
        stays open: it is its owner's)."""
        with self._lock:
            pool, self._fast_pool = self._fast_pool, None
            http = self._http
            workers = [worker for worker in (self._cpu, self._parse) if worker is not None]
            database = self._database if self._owns_database else None
        if pool is not None:
            pool.shutdown(wait=False)
        for worker in workers:
            worker.close()
        if http is not None:
            http.close()
        if database is not None:
            database.engine.dispose()  # the pool's connections; the runtime may open new ones if used again

    # --- the services ----------------------------------------------------------------------------
    def _service(self, name: str, build: Callable[[], T]) -> T:
        found = self._services.get(name)
        if found is None:
            with self._lock:
                found = self._services.get(name)
                if found is None:
                    found = self._services[name] = build()
        return found

    @property
    def checking(self) -> CheckingService:
        from .checking import CheckingService

        return self._service("checking", lambda: CheckingService(self))

    @property
    def cases(self) -> CaseService:
        from .cases import CaseService

        return self._service("cases", lambda: CaseService(self))

    @property
    def history(self) -> HistoryService:
        from .history import HistoryService

        return self._service("history", lambda: HistoryService(self))

    @property
    def chat(self) -> ChatStateService:
        from .chatstate import ChatStateService

        return self._service("chat", lambda: ChatStateService(self))

    @property
    def monitoring(self) -> MonitoringService:
        from .monitoring import MonitoringService

        return self._service("monitoring", lambda: MonitoringService(self))

"""`tradecheck` — the command line. Each subcommand translates its arguments, builds its one runtime and calls its services.

`tradecheck --help` (`HELP` below) lists the commands and points to the README sections that explain them:
README is what a user has (on the package's page too); the design notes of the developers are not.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

# Each subcommand imports what it needs when it runs: `--help` loads none of the engine, a dry-run check
# no database, no command a chat adapter (tests/test_cli_imports.py).

if TYPE_CHECKING:
    from .app import Runtime

T = TypeVar("T")

# Subcommands implemented in their own modules: name -> (module, function taking argv).
_DELEGATED: dict[str, tuple[str, str]] = {
    "screen": ("checks.screening.cli", "screen_main"),
    "serve": ("bot.server", "serve_main"),
    "db": ("bot.admin", "db_main"),
    "cases": ("bot.admin", "cases_main"),
    "trade": ("bot.admin", "trade_main"),
    "audit": ("bot.admin", "audit_main"),
    "roles": ("bot.admin", "roles_main"),
    "telegram": ("bot.telegram.setup", "telegram_main"),
}


HELP = """\
commands (README.md explains each in the section named in quotes):
  chat                                   the terminal chat                        "Using it"
  check TEXT... [--json] [--lang zh|en] [--no-store] [--offline] [--stdin]
                                         check one buyer, print its card          "A card"
  screen NAME... | --file CSV [--json]   screen names against the lists           "Sanctions screening"
  lists update|status                    download the official lists, or dates    "Sanctions screening"
  serve [--host H] [--port P] [--socket] [--telegram-polling] [--feishu-ws] [--no-monitor]
                                         the chat platforms' bot, the monitor    "Slack", "Telegram", "Feishu (Lark)",
                                                                                  "Monitoring, reminders and delivery"
  db upgrade|status                      the database's schema version            "Database"
  cases list|show N [--json]             the cases                                "Using it"
  cases export N --format pdf|html --out FILE [--lang zh|en] · cases verify FILE
                                         a case's evidence pack                   "Evidence pack"
  trade import CSV                       the team's own trade records             "Trade records"
  audit export --case N                  a case's audit trail                     "Database"
  roles set PLATFORM:USER ROLE           who is a manager or compliance           "A card"
  telegram set-webhook URL|delete-webhook                                         "Telegram"

`tradecheck COMMAND --help` shows a command's options. Settings are environment variables or a .env file
in the working directory ("Configuration"). Cases are kept in DATABASE_URL; without it, in
{database}
"""


def help_text() -> str:
    """The top-level help, with where this user's cases are kept when DATABASE_URL is not set."""
    from checks.paths import user_data_dir

    return HELP.format(database=user_data_dir() / "tradecheck.db")


def _configure_stdout() -> None:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")


def check_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tradecheck check", description="Check one buyer and print the card.")
    parser.add_argument("text", nargs="*", help='e.g. "ACME Trading LLC" email=j@acme.ae site=acme.ae country=AE')
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--lang", choices=["zh", "en"], help="language of the card")
    parser.add_argument("--no-store", action="store_true", help="dry run: do not store the case")
    parser.add_argument("--offline", action="store_true", help="skip every online source")
    parser.add_argument("--stdin", action="store_true", help="read the text (e.g. a pasted signature) from stdin")
    args = parser.parse_args(argv)
    from .app import Runtime

    with Runtime.from_environment(offline=True if args.offline else None) as runtime:
        return _check_and_print(runtime, args)


def _check_and_print(runtime: Runtime, args: argparse.Namespace) -> int:
    import getpass

    from checks.i18n import normalize_lang
    from checks.request import RequestError

    from .app import Actor
    from .app.checking import describe_error, describe_request

    lang = normalize_lang(args.lang) if args.lang else runtime.default_lang()
    text = sys.stdin.read() if args.stdin else _join(args.text)
    actor = Actor(platform="cli", user_id=getpass.getuser(), name=getpass.getuser())
    # a dry run never touches the database, so it does not import storage (SQLAlchemy: a second of start-up)
    database_not_ready: type[Exception] = _NeverRaised
    try:
        if not args.no_store:
            from storage.db import DatabaseNotReady

            from . import lists_sync

            database_not_ready = DatabaseNotReady
            lists_sync.enable(runtime.screening, runtime.ensure_database())
        outcome = _run_closing(runtime, runtime.checking.run_check(text, actor, lang=lang, persist=not args.no_store))
    except RequestError as error:
        print(describe_error(error, lang), file=sys.stderr)
        return 2
    except Exception as error:
        if not isinstance(error, database_not_ready):
            raise
        from .chat import db_not_ready_text

        print(db_not_ready_text(error, lang), file=sys.stderr)  # type: ignore[arg-type]
        return 1
    if args.json:
        for line in describe_request(outcome.request):  # what was not understood, beside the JSON
            print(line, file=sys.stderr)
        print(outcome.report.model_dump_json(indent=2))
        return 0
    from rich.console import Console

    from .render.terminal import renderable

    console = Console()
    for line in describe_request(outcome.request):
        console.print(line, markup=False, highlight=False)
    console.print(renderable(outcome.card))
    return 0


class _NeverRaised(Exception):
    """Stands for storage's DatabaseNotReady in a dry run, which never opens the database."""


def _join(parts: list[str]) -> str:
    """Re-quote arguments the shell split, so `person="Jane Doe"` survives as one value."""
    from checks.request import key_matches

    joined = []
    for part in parts:
        if "=" in part:
            key, _, value = part.partition("=")
            more_keys = key_matches(value)  # "ACME email=a@b.ae site=b.ae": a whole request in one argument
            if " " in value and not more_keys and not value.startswith(('"', "“", "'")):
                part = f'{key}="{value}"'
        joined.append(part)
    return " ".join(joined)



def lists_main(argv: list[str]) -> int:
    """`lists update|status`; after an update that changed a list, every watched case is screened
    again at once and new hits are alerted in their chats (bot.monitor)."""
    from checks.screening.cli import lists_main as lists

    return lists(argv, on_updated=_rescreen_watched_cases)


def _rescreen_watched_cases(changed: list[str]) -> str:
    """Publish the new list versions and screen every watched case again, with this command's runtime."""
    from storage.db import DatabaseNotReady

    from .app import Runtime
    from .monitor.service import Monitor

    with Runtime.from_environment() as runtime:
        lang = runtime.default_lang()
        try:
            from . import lists_sync

            lists_sync.publish(runtime.ensure_database(), runtime.settings.lists_dir, changed)  # for every other host
            watch = Monitor(runtime)
            alerts = _run_closing(runtime, watch.after_lists_update())
            if any(key.startswith("tr_") for key in changed):  # new trade-remedy data: re-check buyers with goods
                watch.recheck_watched_with_goods()
        except DatabaseNotReady as error:
            from .chat import db_not_ready_text

            return db_not_ready_text(error, lang)
    from checks.i18n import t

    return t("cli.lists_rescreened", lang, lists=", ".join(changed), alerts=alerts)


def _run_closing(runtime: Runtime, work: Coroutine[Any, Any, T]) -> T:
    """Run `work` in an event loop of its own; the runtime's HTTP connections of that loop are closed before it ends."""
    import asyncio

    async def run() -> T:
        try:
            return await work
        finally:
            await runtime.aclose()

    return asyncio.run(run())


def chat_main(argv: list[str]) -> int:
    from .chat import main as chat

    return chat(argv)


_LOCAL: dict[str, Callable[[list[str]], int]] = {"check": check_main, "chat": chat_main, "lists": lists_main}


def main(argv: list[str] | None = None) -> int:
    _configure_stdout()
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = sorted([*_LOCAL, *_DELEGATED])
    if not argv or argv[0] in ("-h", "--help", "help"):
        print("usage: tradecheck {" + ",".join(commands) + "} ...\n")
        print(help_text())
        return 0 if argv else 2
    from . import logs

    logs.configure(logging.WARNING)
    command, rest = argv[0], argv[1:]
    try:
        if command in _LOCAL:
            return _LOCAL[command](rest)
        if command in _DELEGATED:
            module_name, function = _DELEGATED[command]
            module = importlib.import_module(module_name)
            return int(getattr(module, function)(rest) or 0)
    except KeyboardInterrupt:
        return 130
    print(f"tradecheck: unknown command {command!r}; one of: {', '.join(commands)}", file=sys.stderr)
    return 2


STUCK_GRACE_SECONDS = 0.5


def _release_idle_pool_threads() -> None:
    """Tell every thread-pool worker to end once its current work item is done, as the interpreter's own
    exit hook does (`concurrent.futures.thread._python_exit`), but without waiting for them: an idle
    worker (the parse thread, the engine's CPU thread, a source loop's default executor) then ends at
    once instead of costing the whole grace below on every command; a worker stuck in a lookup still
    gets only the grace."""
    from concurrent.futures import thread as pool_threads

    queues = getattr(pool_threads, "_threads_queues", None)
    if queues is None or not hasattr(pool_threads, "_shutdown"):
        return  # another Python's internals: keep the plain grace
    pool_threads._shutdown = True
    for work_queue in list(queues.values()):
        work_queue.put(None)


def console_main(argv: list[str] | None = None) -> None:
    """The `tradecheck` command. A lookup abandoned at its source's timeout (a DNS server that never
    answers) leaves a thread blocked in getaddrinfo that Python would wait for at exit, for as long as
    the system resolver takes; once everything is printed and stored, the command ends without it."""
    one_shot = (sys.argv[1:] if argv is None else argv)[:1] == ["check"]
    if one_shot:
        # a one-shot check makes ~200,000 container objects that mostly live until the process ends (modules,
        # the ORM, the index): the cyclic collector's passes over them cost 0.1-0.2 s and would free ~2 MB
        gc.disable()
    try:
        code = main(argv)
        sys.stdout.flush()
    except BrokenPipeError:  # `tradecheck screen --file X | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        code = 141  # 128 + SIGPIPE, what a shell reports for a command its pipe stopped
    _release_idle_pool_threads()
    deadline = time.monotonic() + STUCK_GRACE_SECONDS
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    stuck = any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread())
    # A one-shot check has printed, stored and closed its runtime (database, threads) by now; Python's own
    # shutdown (a last collection over those objects, tearing down ~700 modules) would add 0.15-0.2 s.
    if stuck or one_shot:
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    console_main()

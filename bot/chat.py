"""`tradecheck chat`: the terminal chat, the embedded default way to use the bot.

A plain `input()` prompt (works in pipes, tmux and scripted tests). Type `/check …` to check a
buyer, `/paste` for a signature block, press the card's buttons by their number, `/user NAME` to
act as someone else (for the four-eyes story: MANAGERS=terminal:boss), `/history ACME`, `/cases`,
`/lang zh|en`, `/help`, `/quit`. The actor is platform "terminal", workspace "local"; the data goes
to DATABASE_URL (default: `tradecheck.db` in the user data folder, the same from any working folder;
created and upgraded on first use).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from rich.console import Console

from checks.i18n import normalize_lang, t
from checks.request import RequestError
from storage.cases import Refused
from storage.db import DatabaseNotReady

from .app import ActionResult, Actor, Conversation, Runtime
from .app.cases import WITH_DEAL
from .app.checking import describe_error, describe_request
from .card import ActionKind, Card, CardAction
from .render.terminal import render_details, renderable
from .text import clean

PLATFORM = "terminal"
WORKSPACE = "local"
CHANNEL = "terminal"
_YES = {"y", "yes", "是", "是的", "好", "对", "确认", "check"}
_NO = {"", "n", "no", "否", "不", "不是", "取消"}


def db_not_ready_text(error: DatabaseNotReady, lang: str) -> str:
    return t("chat.db_not_ready", lang, current=error.current or "—", head=error.head or "?", url=error.url)


class TerminalChat:
    """One person at one terminal: the current user, language and the last card shown."""

    def __init__(self, runtime: Runtime, user: str, lang: str | None, *, offline: bool | None = None,
                 console: Console | None = None) -> None:
        """`runtime`: the entry point's (`main`), whose services every command calls."""
        self.console = console or Console(highlight=False)
        self.runtime = runtime
        self.actor = self._actor(user)
        self.offline = offline
        self.runner = asyncio.Runner()
        self.lang = normalize_lang(lang) if lang else self.runner.run(self.runtime.chat.user_lang(self.actor))
        self.card: Card | None = None
        self.export_dir = Path.cwd()  # where the Evidence pack button writes its file

    @staticmethod
    def _actor(user: str) -> Actor:
        return Actor(platform=PLATFORM, user_id=user, name=user, workspace=WORKSPACE)

    @property
    def conversation(self) -> Conversation:
        return Conversation(platform=PLATFORM, workspace=WORKSPACE, channel=CHANNEL)

    def say(self, text: str, style: str | None = None) -> None:
        self.console.print(clean(text), markup=False, highlight=False, style=style, soft_wrap=True)

    def ask(self, prompt: str) -> str | None:
        """A line from the user; None at end of input."""
        try:
            return input(prompt + " ")
        except EOFError:
            return None

    # --- the loop ---------------------------------------------------------------------------------
    def run(self) -> int:
        self.say(t("chat.welcome", self.lang, user=self.actor.label, role=self._role_name()))
        try:
            while True:
                self.show_pending()
                line = self.ask(f"{self.actor.label}>")
                if line is None:
                    break
                if not self.handle(line.strip()):
                    break
        except KeyboardInterrupt:
            pass
        finally:
            try:
                self.runner.run(self.runtime.aclose())  # this loop's HTTP connections, before it ends
            finally:
                self.runner.close()
        self.say(t("chat.bye", self.lang))
        return 0

    def show_pending(self) -> None:
        """What the monitor said while the user was away (re-check changes, reminders), once each."""
        from . import monitor

        try:
            messages = monitor.pending_terminal_messages(CHANNEL)
        except Exception:  # noqa: BLE001 - a busy database must not end the chat
            return
        for message in messages:
            self.say(message, style="bold yellow")

    def handle(self, line: str) -> bool:
        """One line of input; False to stop."""
        if not line:
            return True
        if line.isdigit():
            self.press(int(line))
            return True
        if not line.startswith("/"):
            self.offer_check(line)  # never a check by itself
            return True
        command, _, rest = line.partition(" ")
        command, rest = command.lower(), rest.strip()
        if command in ("/quit", "/exit", "/q"):
            return False
        handlers = {
            "/check": lambda: self.check(rest), "/paste": self.paste, "/user": lambda: self.switch_user(rest),
            "/history": lambda: self.history(rest), "/cases": self.cases, "/lang": lambda: self.set_lang(rest),
            "/open": lambda: self.open(rest),
            "/help": self.help, "/whoami": lambda: self.say(t("chat.whoami", self.lang, user=self.actor.label,
                                                               role=self._role_name())),
        }
        handler = handlers.get(command)
        if handler is None:
            self.say(t("chat.unknown_command", self.lang, command=command[:40]))
            return True
        handler()
        return True

    # --- commands ---------------------------------------------------------------------------------
    def help(self) -> None:
        self.say(t("chat.help", self.lang))

    def _role_name(self) -> str:
        return t(f"chat.role.{self.runner.run(self.runtime.cases.role_of(self.actor))}", self.lang)

    def check(self, text: str) -> None:
        if not text.strip():
            self.say(t("chat.check_usage", self.lang))
            return
        self.say(t("chat.checking", self.lang), style="dim")
        try:
            outcome = self.runner.run(self.runtime.checking.run_check(text, self.actor, self.conversation,
                                                                      lang=self.lang, offline=self.offline))
        except RequestError as error:
            self.say(describe_error(error, self.lang), style="yellow")
            return
        for line in describe_request(outcome.request):
            self.say(line, style="dim")
        self.show(outcome.card)

    def paste(self) -> None:
        self.say(t("chat.paste_intro", self.lang))
        lines: list[str] = []
        while True:
            line = self.ask("|")
            if line is None or line.strip() in ("", "."):
                break
            lines.append(line)
        if not lines:
            self.say(t("chat.cancelled", self.lang))
            return
        self.check("\n".join(lines))

    def offer_check(self, line: str) -> None:
        """Text without a command: one word ("clear") is not a company; anything longer is checked only
        when the person says yes, and more lines pasted at once are read as an inquiry (paste mode)."""
        if len(line.split()) < 2 and not any(ch in line for ch in "=@.+"):
            self.say(t("chat.not_a_command", self.lang, text=line[:60]))
            return
        answer = self.ask(t("chat.check_this", self.lang, text=line[:120]))
        if answer is None:
            return
        reply = answer.strip()
        if reply.lower() in _YES:
            self.check(line)
            return
        if reply.lower() in _NO:
            self.say(t("chat.cancelled", self.lang))
            return
        # a multi-line paste: the next line arrived as the "answer" — read the rest as one inquiry
        self.say(t("chat.reading_paste", self.lang), style="dim")
        lines = [line, answer]
        while True:
            more = self.ask("|")
            if more is None or more.strip() in ("", "."):
                break
            lines.append(more)
        self.check("\n".join(lines))

    def show(self, card: Card, *, details: bool = False) -> None:
        self.card = card
        self.console.print(render_details(card) if details else renderable(card))
        if card.actions:
            self.say(t("chat.press_hint", self.lang), style="dim")

    def open(self, rest: str) -> None:
        """`/open N`: the case's card with its buttons."""
        number = rest.strip().lstrip("#")
        if not number.isdigit():
            self.say(t("chat.open_usage", self.lang))
            return
        result = self.runner.run(self.runtime.cases.open_case(int(number), self.actor, self.lang))
        if not result.ok or result.card is None:
            self.say(result.message, style="yellow")
            return
        self.show(result.card)

    def _action(self, number: int) -> CardAction | None:
        assert self.card is not None
        for position, action in enumerate(self.card.actions, 1):
            if (action.number or position) == number:
                return action
        return None

    def press(self, number: int) -> None:
        if self.card is None or not self.card.actions:
            self.say(t("chat.no_card", self.lang))
            return
        action = self._action(number)
        if action is None:
            numbers = ", ".join(str(a.number or i) for i, a in enumerate(self.card.actions, 1))
            self.say(t("chat.bad_number", self.lang, n=numbers))
            return
        assert action.case_id is not None
        permission = self.runner.run(self.runtime.cases.can_perform(self.actor, action.kind, action.case_id, self.lang))
        if not permission.allowed:  # said before asking for anything
            self.say(permission.why, style="yellow")
            return
        reason: str | None = None
        deal: str | None = None
        if self.runner.run(self.runtime.cases.needs_reason(action.kind, action.case_id, self.actor)):
            result = self._perform(action.kind, action.case_id, action.arg, None)
            if not result.needs_reason:
                self._show_result(result, action.kind)
                return
            reason = self.ask(result.message)
            if not (reason or "").strip():
                self.say(t("chat.cancelled", self.lang))
                return
            if action.kind in WITH_DEAL:
                deal = self.ask(t("flows.ask.deal", self.lang))
        result = self._perform(action.kind, action.case_id, action.arg, reason, deal=deal)
        if result.needs_confirm:
            answer = self.ask(result.message + " " + t("chat.confirm_hint", self.lang))
            if (answer or "").strip().lower() not in _YES:
                self.say(t("chat.cancelled", self.lang))
                return
            result = self._perform(action.kind, action.case_id, action.arg, reason, deal=deal, confirmed=True)
        self._show_result(result, action.kind)

    def _show_result(self, result: ActionResult, kind: ActionKind) -> None:
        if result.attachment is not None:  # the evidence pack: a file in the current folder
            path = self.export_dir / result.attachment.filename
            path.write_bytes(result.attachment.content)
            self.say(t("evidence.terminal.written", self.lang, file=str(path.resolve())))
        self.say(result.message, style=None if result.ok else "yellow")
        if result.announce:
            self.say(result.announce, style="bold")
        if result.card is not None:
            self.show(result.card, details=kind is ActionKind.DETAILS)

    def _perform(self, kind: ActionKind, case_id: int, arg: str, reason: str | None, *, deal: str | None = None,
                 confirmed: bool = False) -> ActionResult:
        if kind is ActionKind.RECHECK:
            self.say(t("chat.checking", self.lang), style="dim")
        return self.runner.run(self.runtime.cases.perform_action(
            kind, case_id, self.actor, arg=arg, reason=reason, deal=deal, confirmed=confirmed, lang=self.lang,
            conversation=self.conversation,
        ))

    def switch_user(self, name: str) -> None:
        name = name.strip()
        if not name or len(name) > 100 or any(c.isspace() for c in name):
            self.say(t("chat.user_usage", self.lang))
            return
        self.actor = self._actor(name)
        self.lang = self.runner.run(self.runtime.chat.get_user_lang(self.actor)) or self.lang
        self.say(t("chat.user_switched", self.lang, user=name, role=self._role_name()))

    def history(self, query: str) -> None:
        for line in self.runner.run(self.runtime.history.history_text(query, self.actor, self.lang)):
            self.say(line)

    def cases(self) -> None:
        lines = self.runner.run(self.runtime.history.cases_text(self.actor, self.lang))
        for line in lines or [t("chat.no_cases", self.lang)]:
            self.say(line)

    def set_lang(self, value: str) -> None:
        if value.strip().lower() not in ("zh", "en", "zh_cn", "zh-cn", "中文", "english"):
            self.say(t("chat.lang_usage", self.lang))
            return
        self.lang = normalize_lang(value)
        self.runner.run(self.runtime.chat.set_user_lang(self.actor, self.lang))
        self.say(t("chat.lang_set", self.lang))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tradecheck chat", description="The terminal chat: /check a buyer, press buttons by number.")
    parser.add_argument("--user", default=os.environ.get("TRADECHECK_USER") or _login(), help="who you are (default: your login)")
    parser.add_argument("--lang", choices=["zh", "en"], help="language (default: your last /lang, else TRADECHECK_LANG)")
    parser.add_argument("--offline", action="store_true", default=None, help="skip every online source")
    parser.add_argument("--no-monitor", dest="monitor", action="store_false",
                        help="do not run scheduled re-checks and reminders while the chat is open")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    runtime = Runtime.from_environment(offline=args.offline)
    lang = normalize_lang(args.lang) if args.lang else runtime.default_lang()
    try:
        runtime.ensure_database()
    except DatabaseNotReady as error:
        print(db_not_ready_text(error, lang), file=sys.stderr)
        return 1
    from . import monitor
    from .monitor.service import Monitor

    replaced = monitor.use(Monitor(runtime))  # the chat's monitor re-checks with the chat's runtime
    asyncio.run(runtime.checking.warm_up(args.offline))
    if args.monitor:
        from . import platforms

        platforms.register_deliverers(monitor.current().deliverers, monitor.current().runtime.settings)
        monitor.start_ticker_thread(30)
    try:
        chat = TerminalChat(runtime, args.user, args.lang, offline=args.offline)
        return chat.run()
    except Refused as refused:  # pragma: no cover - the services turn refusals into messages
        print(t(refused.key, lang, **refused.params), file=sys.stderr)
        return 1
    finally:
        if args.monitor:
            monitor.stop_ticker()
        monitor.use(replaced)
        runtime.close()


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "me"

"""Admin commands: `tradecheck db|cases|trade|audit|roles …` (dispatched by bot/cli.py).

Whoever runs these has shell access to the deployment, so they act as the admin
`cli:<login>`; every change they make (roles, imports, exports) is in the audit trail.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from checks.i18n import normalize_lang, t
from storage import audit, cases, chatstate, trade
from storage.db import Database, DatabaseNotReady, safe_url
from storage.models import CaseStatus, Workspace, aware

from .app.runtime import Runtime


def _lang(runtime: Runtime, value: str | None) -> str:
    return normalize_lang(value) if value else runtime.default_lang()


def _admin() -> cases.Who:
    try:
        login = getpass.getuser()
    except Exception:
        login = "admin"
    return cases.Who(platform="cli", user_id=login, name=login, workspace="local")


def _ready(runtime: Runtime, lang: str) -> Database | None:
    try:
        return runtime.ensure_database()
    except DatabaseNotReady as error:
        print(t("chat.db_not_ready", lang, current=error.current or "—", head=error.head or "?", url=error.url),
              file=sys.stderr)
        return None


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# --- tradecheck db -----------------------------------------------------------------------------------
def db_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tradecheck db", description="Database schema (Alembic migrations).")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade", help="apply every migration (safe to run again)")
    sub.add_parser("status", help="the schema revision of the database and the one this version needs")
    args = parser.parse_args(argv)
    with Runtime.from_environment() as runtime:
        database = runtime.database  # not `ensure_database`: these commands work on a schema that is behind
        lang = _lang(runtime, None)
        if args.command == "upgrade":
            before = database.current()
            database.upgrade()
            print(t("admin.db.upgraded", lang, url=safe_url(database.url), before=before or "—",
                    after=database.current() or "—"))
            return 0
        current, head = database.current(), database.head()
        print(t("admin.db.status", lang, url=safe_url(database.url), current=current or "—", head=head))
        return 0 if current == head else 1


# --- tradecheck cases ------------------------------------------------------------------------------
def _case_dict(session: Any, case: Any, full: bool = False) -> dict[str, Any]:
    ws = session.get(Workspace, case.workspace_id)
    data: dict[str, Any] = {
        "id": case.id, "workspace": ws.key if ws else None, "name": case.name, "country": case.country,
        "domains": case.domains, "identifiers": case.identifiers, "status": case.status,
        "risk": case.last_risk_level, "score": case.last_score,
        "last_checked_at": aware(case.last_checked_at), "checks": cases.count_runs(session, case.id),
        "watching": case.watching, "next_recheck_at": aware(case.next_recheck_at),
        "created_at": aware(case.created_at), "created_by": case.created_by,
    }
    if not full:
        return data
    history = cases.history(session, case, run_limit=1000)
    data["check_runs"] = [
        {"id": r.id, "at": aware(r.created_at), "by": r.actor_name, "actor": r.actor, "platform": r.platform,
         "risk": r.risk_level, "score": r.score, "approval_required": r.approval_required, "lists_as_of": r.lists_as_of,
         "problems": [f"{f['code']}:{f['status']}" for s in r.report.get("sections", {}).values() for f in s
                      if f.get("status") in ("flag", "fail")]}
        for r in history.runs
    ]
    data["approvals"] = [
        {"id": a.id, "requested_by": a.requested_by, "requested_at": aware(a.requested_at), "risk": a.risk_level,
         "decision": a.decision, "decided_by": a.decided_by, "decided_at": aware(a.decided_at),
         "reason_code": a.reason_code, "reason": a.reason_text, "expires_at": aware(a.expires_at)}
        for a in history.approvals
    ]
    data["notes"] = [{"id": n.id, "by": n.author, "at": aware(n.created_at), "text": n.text} for n in history.notes]
    data["cleared_matches"] = [
        {"id": c.id, "source": c.source, "source_id": c.source_id, "entry": c.entry_name, "fingerprint": c.fingerprint,
         "by": c.cleared_by, "at": aware(c.created_at), "reason": c.reason}
        for c in history.clears
    ]
    data["trade_records"] = [
        {"id": r.id, "kind": r.kind, "date": r.date, "amount": str(r.amount) if r.amount is not None else None,
         "currency": r.currency, "due_date": r.due_date, "days_overdue": r.days_overdue, "status": r.status,
         "reference": r.reference, "note": r.note}
        for r in history.trade
    ]
    data["conversations"] = [
        {"platform": link.platform, "channel": link.channel, "thread": link.thread, "message": link.message,
         "dead": link.dead}
        for link in chatstate.links(session, case.id, include_dead=True)
    ]
    data["audit"] = audit.as_dicts(audit.events_for_case(session, case.id))
    return data


def cases_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tradecheck cases", description="The team's cases (buyers).")
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="cases, most recently active first")
    listing.add_argument("--status", choices=[s.value for s in CaseStatus])
    listing.add_argument("--workspace", help="only this workspace (team); default: all")
    listing.add_argument("--limit", type=int, default=200)
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--lang", choices=["zh", "en"])
    show = sub.add_parser("show", help="one case with its checks, decisions, notes and audit events")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.add_argument("--lang", choices=["zh", "en"])
    export = sub.add_parser("export", help="the evidence pack of a case, for an insurer, a bank or an auditor")
    export.add_argument("id", type=int)
    export.add_argument("--format", choices=["pdf", "html"], default="pdf")
    export.add_argument("--out", "-o", type=Path, required=True, help="file to write")
    export.add_argument("--lang", choices=["zh", "en"])
    verify = sub.add_parser("verify", help="check an evidence pack file against the data embedded in it")
    verify.add_argument("file", type=Path)
    verify.add_argument("--lang", choices=["zh", "en"])
    args = parser.parse_args(argv)
    with Runtime.from_environment() as runtime:
        return _cases(runtime, args)


def _cases(runtime: Runtime, args: argparse.Namespace) -> int:
    lang = _lang(runtime, args.lang)
    if args.command == "verify":
        return _verify_pack(args.file, lang)
    database = _ready(runtime, lang)
    if database is None:
        return 1
    if args.command == "export":
        return _export_pack(database, args.id, args.format, args.out, lang)
    with database.session() as session:
        if args.command == "list":
            found = cases.list_cases(session, args.workspace, args.status, args.limit)
            for case in found:
                cases.expire_approval(session, case)
            session.commit()
            rows = [_case_dict(session, case) for case in found]
            if args.json:
                _print_json(rows)
            elif not rows:
                print(t("chat.no_cases", lang))
            else:
                for row in rows:
                    print(t("admin.cases.row", lang, id=row["id"], name=row["name"] or "?", country=row["country"] or "—",
                            status=t(f"case.status.{row['status']}", lang),
                            risk=t(f"level.{row['risk']}", lang) if row["risk"] else "—", checks=row["checks"],
                            when=row["last_checked_at"].strftime("%Y-%m-%d") if row["last_checked_at"] else "—"))
            return 0
        case = session.get(cases.Case, args.id)
        if case is None:
            print(t("flows.refused.not_found", lang, id=args.id), file=sys.stderr)
            return 1
        cases.expire_approval(session, case)
        session.commit()
        data = _case_dict(session, case, full=True)
        if args.json:  # the case with its whole audit trail, in a machine-readable form: an export
            admin = _admin()
            audit.record(session, "audit_exported", actor=admin.key, actor_name=admin.label, case_id=case.id,
                         workspace_id=case.workspace_id,
                         details={"format": "json", "events": len(data["audit"]), "via": "cases show"})
            session.commit()
    if args.json:
        _print_json(data)
        return 0
    _print_case(data, lang)
    return 0


def _export_pack(database: Database, case_id: int, fmt: str, out: Path, lang: str) -> int:
    from . import evidence

    try:
        exported = evidence.export(database, case_id, fmt, lang, _admin(), via="cases export")
    except cases.Refused as refused:
        print(t(refused.key, lang, **refused.params), file=sys.stderr)
        return 1
    out.write_bytes(exported.content)
    print(t("evidence.written", lang, id=case_id, file=str(out), hash=exported.sha256))
    return 0


def _verify_pack(path: Path, lang: str) -> int:
    from . import evidence

    try:
        result = evidence.verify(path)
    except OSError as error:
        print(t("evidence.verify.unreadable", lang, file=f"{path} ({type(error).__name__})"), file=sys.stderr)
        return 2
    if result.actual is None:
        print(t("evidence.verify.unreadable", lang, file=str(path)), file=sys.stderr)
        return 2
    if not result.ok:
        print(t("evidence.verify.bad", lang, file=str(path), actual=result.actual, stated=result.stated or "—"),
              file=sys.stderr)
        return 1
    print(t("evidence.verify.ok", lang, file=str(path), hash=result.actual, id=result.case_id))
    return 0


def _print_case(data: dict[str, Any], lang: str) -> None:
    print(t("admin.cases.row", lang, id=data["id"], name=data["name"] or "?", country=data["country"] or "—",
            status=t(f"case.status.{data['status']}", lang),
            risk=t(f"level.{data['risk']}", lang) if data["risk"] else "—", checks=data["checks"],
            when=data["last_checked_at"].strftime("%Y-%m-%d") if data["last_checked_at"] else "—"))
    if data["domains"] or data["identifiers"]:
        print("  " + ", ".join([*data["domains"], *(f"{k}={v}" for k, v in data["identifiers"].items())]))
    sections = (
        ("admin.cases.checks", [f"#{r['id']} {r['at']:%Y-%m-%d %H:%M} {r['by']} {r['risk']} {r['score']}"
                                + (f" — {', '.join(r['problems'])}" if r["problems"] else "") for r in data["check_runs"]]),
        ("admin.cases.approvals", [f"{a['requested_at']:%Y-%m-%d} {a['requested_by'] or '—'} → {a['decision'] or '…'}"
                                   + (f" {a['decided_by']} {a['decided_at']:%Y-%m-%d}: {a['reason'] or ''}" if a["decision"] else "")
                                   for a in data["approvals"]]),
        ("admin.cases.notes", [f"{n['at']:%Y-%m-%d} {n['by']}: {n['text']}" for n in data["notes"]]),
        ("admin.cases.cleared", [f"{c['source']}:{c['source_id']} {c['entry']} — {c['by']} {c['at']:%Y-%m-%d}: {c['reason']}"
                                 for c in data["cleared_matches"]]),
        ("admin.cases.trade", [f"{r['date']} {r['kind']} {r['amount'] or ''} {r['currency'] or ''} {r['status'] or ''} {r['reference'] or ''}"
                               for r in data["trade_records"]]),
        ("admin.cases.audit", [f"{e['at'][:19]} {e['actor_name'] or e['actor']} {e['action']}" for e in data["audit"]]),
    )
    for key, lines in sections:
        if lines:
            print(t(key, lang))
            for line in lines:
                print("  " + " ".join(line.split()))


# --- tradecheck trade ------------------------------------------------------------------------------
def trade_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="tradecheck trade", description="Import the team's trade records (see storage/trade.py for the CSV columns).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    importing = sub.add_parser("import", help="import a CSV file; all rows or none")
    importing.add_argument("file", type=Path)
    importing.add_argument("--workspace", default="local", help="the team the records belong to (default: local)")
    importing.add_argument("--lang", choices=["zh", "en"])
    args = parser.parse_args(argv)
    with Runtime.from_environment() as runtime:
        return _trade(runtime, args)


def _trade(runtime: Runtime, args: argparse.Namespace) -> int:
    lang = _lang(runtime, args.lang)
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(t("admin.trade.unreadable", lang, file=str(args.file), error=type(error).__name__), file=sys.stderr)
        return 2
    try:
        rows = trade.parse_csv(text)
    except trade.TradeImportError as error:
        print(t("admin.trade.rejected", lang, n=len(error.errors), file=str(args.file)), file=sys.stderr)
        for row_error in error.errors:
            print(t("admin.trade.line", lang, line=row_error.line, problem=t(row_error.key, lang, **row_error.params)),
                  file=sys.stderr)
        return 1
    database = _ready(runtime, lang)
    if database is None:
        return 1
    admin = _admin()
    who = cases.Who(platform=admin.platform, user_id=admin.user_id, name=admin.name, workspace=args.workspace)
    with database.session() as session:
        result = trade.import_rows(session, rows, who, source_file=args.file.name)
        session.commit()
    print(t("admin.trade.imported", lang, n=result.imported, duplicates=result.duplicates, cases=len(result.cases),
            opened=result.cases_opened))
    return 0


# --- tradecheck audit ------------------------------------------------------------------------------
def audit_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tradecheck audit", description="The append-only audit trail.")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="write a case's audit events as CSV or JSON")
    export.add_argument("--case", type=int, required=True)
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    export.add_argument("--lang", choices=["zh", "en"])
    args = parser.parse_args(argv)
    with Runtime.from_environment() as runtime:
        return _audit(runtime, args)


def _audit(runtime: Runtime, args: argparse.Namespace) -> int:
    lang = _lang(runtime, args.lang)
    database = _ready(runtime, lang)
    if database is None:
        return 1
    admin = _admin()
    with database.session() as session:
        case = session.get(cases.Case, args.case)
        if case is None:
            print(t("flows.refused.not_found", lang, id=args.case), file=sys.stderr)
            return 1
        events = audit.events_for_case(session, case.id)  # type: ignore[arg-type]
        text = audit.to_csv(events) if args.format == "csv" else json.dumps(
            audit.as_dicts(events), ensure_ascii=False, indent=2, default=str) + "\n"
        audit.record(session, "audit_exported", actor=admin.key, actor_name=admin.label, case_id=case.id,
                     workspace_id=case.workspace_id,
                     details={"format": args.format, "events": len(events), "output": str(args.output or "-")})
        session.commit()
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(t("admin.audit.written", lang, n=len(events), file=str(args.output)), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# --- tradecheck roles ------------------------------------------------------------------------------
def roles_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tradecheck roles", description="Who may approve: sales | manager | compliance (alone approves a STOP case) | admin.")
    sub = parser.add_subparsers(dest="command", required=True)
    setting = sub.add_parser("set", help="set the role of PLATFORM:USER (e.g. slack:U123 manager)")
    setting.add_argument("user", help="PLATFORM:USER, e.g. slack:U123, telegram:456, terminal:boss")
    setting.add_argument("role", choices=list(chatstate.ROLES))
    setting.add_argument("--lang", choices=["zh", "en"])
    listing = sub.add_parser("list", help="users whose role is not sales, and MANAGERS")
    listing.add_argument("--lang", choices=["zh", "en"])
    args = parser.parse_args(argv)
    with Runtime.from_environment() as runtime:
        return _roles(runtime, args)


def _roles(runtime: Runtime, args: argparse.Namespace) -> int:
    lang = _lang(runtime, args.lang)
    database = _ready(runtime, lang)
    if database is None:
        return 1
    if args.command == "set":
        platform, _, user_id = args.user.partition(":")
        if not platform or not user_id:
            print(t("admin.roles.bad_user", lang, user=args.user), file=sys.stderr)
            return 2
        with database.session() as session:
            old, new = chatstate.set_role(session, platform, user_id, args.role, _admin())
            session.commit()
        print(t("admin.roles.set", lang, user=args.user, old=old, new=new))
        return 0
    from sqlmodel import select

    from storage.models import User

    with database.session() as session:
        for person in session.exec(select(User).where(User.role != "sales").order_by(User.platform, User.platform_user_id)):
            print(f"{person.platform}:{person.platform_user_id}\t{person.role}\t{person.display_name}")
    for key in sorted(chatstate.configured_managers(runtime.settings.managers)):
        print(f"{key}\tmanager\t(MANAGERS)")
    return 0

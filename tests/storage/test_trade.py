"""Trade records: the documented CSV, bad rows reported by line, all or nothing, and the history
findings they become on the next check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.app.types import Actor
from checks.models import Status
from storage import db as storage_db
from storage import trade
from storage.cases import Who
from storage.models import AuditEvent, Case, TradeRecord
from tests.runtimes import MakeRuntime

from .support import db_url, pg_url, risk_engine, sqlite_template  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
GOOD = """\ufeffBuyer,Kind,Date,Country,Domain,Amount,Currency,Due_date,Days_overdue,Status,Reference,Note
ACME Trading LLC,order,2026-03-02,AE,acme-trading.ae,"12,500.00",USD,,,,PO-881,
ACME Trading LLC,shipment,2026-03-20,AE,acme-trading.ae,,,,,,BL-5521,
ACME Trading LLC,overdue,2026-05-01,AE,acme-trading.ae,4200,USD,2026-04-01,75,open,INV-1042,second reminder sent
ACME Trading LLC,dispute,2026-06-11,AE,acme-trading.ae,900,USD,,,open,CLM-7,short shipment claim
Sunrise Textiles,payment,2025-11-30,India,,3000,EUR,,,paid,INV-990,
"""
BAD = """buyer,kind,date,amount,currency,country
Good Buyer Ltd,order,2026-01-05,100,USD,DE
,order,2026-01-06,100,USD,DE
Bad Date Co,payment,05/01/2026,100,USD,DE
Odd Kind Co,refund,2026-01-07,"1.000,50",dollars,Atlantis
"""


def who() -> Who:
    return Who("cli", "admin", "Admin")


def test_every_bad_row_is_reported_by_line_and_nothing_is_parsed() -> None:
    with pytest.raises(trade.TradeImportError) as error:
        trade.parse_csv(BAD)
    found = [(e.line, e.key) for e in error.value.errors]
    assert (3, "trade.error.required") in found
    assert (4, "trade.error.date") in found
    assert {(5, "trade.error.kind"), (5, "trade.error.amount"), (5, "trade.error.currency"),
            (5, "trade.error.country")} <= set(found)
    assert all(line != 2 for line, _ in found)


def test_missing_columns_are_reported_on_the_header() -> None:
    with pytest.raises(trade.TradeImportError) as error:
        trade.parse_csv("name,date\nACME,2026-01-01\n")
    assert [(e.line, e.key) for e in error.value.errors] == [(1, "trade.error.columns")]
    assert error.value.errors[0].params["columns"] == "buyer, kind"


def test_quoted_multiline_cells_keep_the_right_line_numbers() -> None:
    text = 'buyer,kind,date,note\nA Co,order,2026-01-01,"two\nlines"\nB Co,order,not-a-date,\n'
    with pytest.raises(trade.TradeImportError) as error:
        trade.parse_csv(text)
    assert [(e.line, e.key) for e in error.value.errors] == [(4, "trade.error.date")]


def test_import_finds_or_opens_cases_and_is_idempotent(db_url: str) -> None:
    rows = trade.parse_csv(GOOD)
    database = storage_db.get_database(db_url)
    with database.session() as session:
        result = trade.import_rows(session, rows, who(), "ledger.csv")
        session.commit()
    assert (result.imported, result.duplicates, result.cases_opened, len(result.cases)) == (5, 0, 2, 2)
    with database.session() as session:
        again = trade.import_rows(session, rows, who(), "ledger.csv")
        session.commit()
        assert (again.imported, again.duplicates, again.cases_opened) == (0, 5, 0)
        assert session.exec(select(func.count()).select_from(TradeRecord)).one() == 5
        acme = session.exec(select(Case).where(Case.name == "ACME Trading LLC")).one()
        assert acme.domains == ["acme-trading.ae"] and acme.country == "AE"


async def test_trade_records_become_history_findings_on_the_next_check(db_url: str, runtime_factory: MakeRuntime) -> None:
    database = storage_db.get_database(db_url)
    with database.session() as session:
        trade.import_rows(session, trade.parse_csv(GOOD), who(), "ledger.csv")
        session.commit()
    engine, _ = risk_engine()
    checking = runtime_factory(engine=engine).checking
    outcome = await checking.run_check("ACME Trading LLC email=ap@acme-trading.ae", Actor("terminal", "li", "Li"))
    history = {f.code: f for f in outcome.report.sections.history}
    assert history["history.trade_overdue"].status is Status.FLAG
    assert "INV-1042" in history["history.trade_overdue"].title and "75 days" in history["history.trade_overdue"].title
    assert history["history.trade_dispute"].status is Status.FLAG
    assert "4 trade record" in history["history.trade_summary"].title
    assert {f.code for f in outcome.report.risk.factors} >= {"history.trade_overdue", "history.trade_dispute"}
    paid = await checking.run_check("Sunrise Textiles country=IN", Actor("terminal", "li", "Li"))
    assert [f.code for f in paid.report.sections.history] == ["history.trade_summary"]


def test_the_import_command_rejects_a_bad_file_whole_and_imports_a_good_one(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from bot import admin

    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "Late Co,overdue,2026-13-01,AE,,10,USD,,x,,,\n", encoding="utf-8")
    assert admin.trade_main(["import", str(bad), "--lang", "en"]) == 1
    stderr = capsys.readouterr().err
    assert "Nothing imported" in stderr and "line 7:" in stderr
    assert "days_overdue" in stderr and "date YYYY-MM-DD" in stderr
    with storage_db.get_database(db_url).session() as session:
        assert session.exec(select(func.count()).select_from(TradeRecord)).one() == 0
        assert session.exec(select(func.count()).select_from(Case)).one() == 0
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert admin.trade_main(["import", str(good), "--lang", "zh"]) == 0
    assert "已为 2 个买家导入 5 条记录" in capsys.readouterr().out
    assert admin.trade_main(["import", str(tmp_path / "missing.csv")]) == 2


def test_the_import_command_from_a_shell(tmp_path: Path) -> None:
    """Once as a user runs it: exit code and messages, never a traceback."""
    bad = tmp_path / "bad.csv"
    bad.write_text("buyer,kind,date\nACME,refund,2026-01-01\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'shell.db'}", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "trade", "import", str(bad), "--lang", "en"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and "line 2: unknown kind “refund”" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_equal_rows_are_two_records_and_the_file_imports_once(db_url: str) -> None:
    from sqlmodel import col

    twice = ("buyer,kind,date,country,amount,currency,note\n"
             "Sunrise Textiles,shipment,2026-04-02,IN,1800,USD,one container\n"
             "Sunrise Textiles,shipment,2026-04-02,IN,1800,USD,one container\n")
    rows = trade.parse_csv(twice)
    database = storage_db.get_database(db_url)
    with database.session() as session:
        first = trade.import_rows(session, rows, who(), "shipments.csv")
        session.commit()
        again = trade.import_rows(session, rows, who(), "shipments.csv")
        session.commit()
        assert (first.imported, first.duplicates, again.imported, again.duplicates) == (2, 0, 0, 2)
        assert session.exec(select(func.count()).select_from(TradeRecord)).one() == 2
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "trade_imported")
                             .order_by(col(AuditEvent.id))).first()
        assert event is not None and event.details["rows"] == 2

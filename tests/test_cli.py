"""The `tradecheck` command line as a user runs it: exit codes, messages, JSON shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: str | None = None, tmp_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRADECHECK_OFFLINE": "1", "PYTHONIOENCODING": "utf-8"}
    if tmp_path is not None:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True, env=env,
        cwd=tmp_path or ROOT, timeout=120,
    )


@pytest.mark.parametrize(
    "args,needle",
    [
        (["check", ""], "Nothing to check"),
        (["check", "https://acme.example/"], "Only a web address"),
        (["check", "--lang", "zh", ""], "没有可检查的内容"),
        (["check", "phone=+971 4 123 4567"], "Which company?"),
    ],
)
def test_bad_input_exits_non_zero_with_a_message(args: list[str], needle: str, tmp_path: Path) -> None:
    result = run(*args, tmp_path=tmp_path)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Example: /check" in result.stderr or "示例" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_huge_stdin_is_refused_politely(tmp_path: Path) -> None:
    result = run("check", "--stdin", stdin="A" * 10_000_000, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "too long" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("country,level", [("DE", "low"), ("IR", "critical")])
def test_check_json_has_the_report_contract(country: str, level: str, tmp_path: Path) -> None:
    """An unlisted name in Germany is low risk; the same name in Iran (a comprehensive embargo) critical."""
    result = run("check", "ACME Trading LLC", f"country={country}", "--json", "--no-store", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"subject", "sections", "risk", "sources", "lists_as_of"}
    assert set(report["sections"]) == {"verification", "profile", "history", "risk"}
    assert set(report["risk"]) >= {"level", "score", "factors", "actions"}
    assert report["risk"]["level"] == level
    assert report["subject"]["name"] == "ACME Trading LLC" and report["subject"]["country"] == country
    for source in report["sources"]:
        assert set(source) >= {"name", "status", "elapsed_ms", "detail"}
    # offline: the sources with their input answered, those without it were skipped; none failed
    statuses = {source["name"]: source["status"] for source in report["sources"]}
    assert statuses == {"sanctions": "ok", "country_risk": "ok", "email": "skipped", "phone": "skipped",
                        "identifiers": "skipped"}


def test_unknown_command_and_help() -> None:
    assert run("frobnicate").returncode == 2
    result = run("--help")
    assert result.returncode == 0 and "tradecheck" in result.stdout


@pytest.mark.parametrize("email", ["john@@acme..ae", "x@[127.0.0.1]", "j@" + "a" * 64 + ".ae", "not-an-email"])
def test_an_unusable_email_is_refused_before_any_source_runs(email: str, tmp_path: Path) -> None:
    result = run("check", "ACME Trading LLC", f"email={email}", "--no-store", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "is not an email address" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and "UnicodeError" not in result.stderr


def test_screen_into_a_pipe_that_closes_early_ends_quietly(tmp_path: Path) -> None:
    """`tradecheck screen --file X | head -1`: no BrokenPipeError traceback, the shell's code for SIGPIPE."""
    names = tmp_path / "names.csv"
    names.write_text("name\n" + "".join(f"ACME Trading {i} LLC\n" for i in range(3000)), encoding="utf-8")
    env = {**os.environ, "TRADECHECK_OFFLINE": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "screen", "--file", str(names)], cwd=tmp_path,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()  # the reader takes one line, then goes away
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr

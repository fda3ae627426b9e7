"""The `tradecheck screen` / `tradecheck lists` contract (JSON lines, CSV input, status table)."""

from __future__ import annotations

import io
import json

import pytest

from checks.screening import cli


@pytest.fixture(autouse=True)
def use_session_index(screener, monkeypatch, tmp_path):
    global SCREENER
    SCREENER = screener  # `screen` screens with the session's index, not the lists of TRADECHECK_LISTS_DIR
    monkeypatch.setenv("TRADECHECK_LISTS_DIR", str(tmp_path))
    from checks.config import get_settings
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


SCREENER = None


def run(argv, fn=cli.screen_main):
    out = io.StringIO()
    code = fn(argv, out=out, screener=SCREENER) if fn is cli.screen_main else fn(argv, out=out)
    return code, out.getvalue()


def test_json_lines_from_csv_in_order(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("name,type,country\nRosneft Trading S.A.,company,CH\nHarbour Textiles Ltd,company,GB\n,,\n"
                    "\"HANIYA, Ismail\",person,\n", encoding="utf-8")
    code, output = run(["--file", str(path), "--json"])
    lines = [json.loads(line) for line in output.splitlines()]
    assert code == 0 and [line["query"] for line in lines] == ["Rosneft Trading S.A.", "Harbour Textiles Ltd", "", "HANIYA, Ismail"]
    assert [line["hit"] for line in lines] == [True, False, False, True]
    first = lines[0]
    assert set(first) == {"query", "hit", "matches"}
    assert set(first["matches"][0]) == {"source", "source_id", "name", "score", "list", "reasons", "strength"}
    assert first["matches"][0]["strength"] in ("strong", "possible")
    scores = [m["score"] for m in first["matches"]]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0.88
    assert ("us_ofac_sdn", "18299") in [(m["source"], m["source_id"]) for m in first["matches"]]
    assert lines[3]["matches"][0]["source_id"] == "9639"


def test_names_as_arguments_human_output():
    code, output = run(["Banco Nacional de Cuba", "Harbour Textiles Ltd"])
    assert code == 0
    assert "HIT    Banco Nacional de Cuba" in output and "Details.aspx?id=306" in output
    assert "CLEAR  Harbour Textiles Ltd" in output


def test_usage_errors(tmp_path):
    assert run([])[0] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("company\nACME\n", encoding="utf-8")
    assert run(["--file", str(bad)])[0] == 2
    assert run(["--file", str(tmp_path / "missing.csv")])[0] == 2


def test_lists_status():
    code, output = run(["status"], fn=cli.lists_main)
    assert code == 0
    assert "us_ofac_sdn   2024-05-03    14965" in output and "not loaded" in output


def test_chinese_excel_csv_in_gb18030(tmp_path):
    path = tmp_path / "客户.csv"
    path.write_bytes("name,country\n深圳市某某贸易有限公司,CN\nBanco Nacional de Cuba,古巴\n".encode("gb18030"))
    code, output = run(["--file", str(path), "--json", "--lang", "zh"])
    lines = [json.loads(line) for line in output.splitlines()]
    assert code == 0 and lines[0]["query"] == "深圳市某某贸易有限公司" and lines[0]["hit"] is False
    assert lines[1]["matches"][0]["source_id"] == "306"
    assert any("相同" in reason for reason in lines[1]["matches"][0]["reasons"])

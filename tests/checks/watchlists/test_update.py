"""`lists update` against a fake server (httpx.MockTransport) serving the real UN file."""

from __future__ import annotations

import json

import httpx

from checks.watchlists.store import SPECS, bundled_files, load_source, read_current
from checks.watchlists.update import update_lists

UN_URL = SPECS["un_sc"].files["UN_consolidated.xml"]
UN_XML = bundled_files("un_sc")["UN_consolidated.xml"]


def shrunk_un() -> bytes:
    """The real file cut to its first 30 individuals: well-formed, but far too small."""
    text = UN_XML.decode("utf-8")
    head, _, rest = text.partition("<INDIVIDUALS>")
    parts = rest.split("</INDIVIDUAL>")
    return (head + "<INDIVIDUALS>" + "</INDIVIDUAL>".join(parts[:30]) + "</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>").encode()


class FakeServer:
    def __init__(self, body: bytes = UN_XML, etag: str = '"v1"') -> None:
        self.body, self.etag, self.requests, self.down = body, etag, [], False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("network is unreachable", request=request)
        assert str(request.url) == UN_URL
        if request.headers.get("if-none-match") == self.etag:
            return httpx.Response(304)
        return httpx.Response(200, content=self.body, headers={"ETag": self.etag,
                                                              "Last-Modified": "Fri, 27 Feb 2026 08:00:00 GMT"})


def run(tmp_path, server: FakeServer):
    client = httpx.Client(transport=httpx.MockTransport(server))
    return update_lists(tmp_path, ["un_sc"], client=client, sleep=lambda seconds: None)[0]


def test_success_then_304(tmp_path):
    server = FakeServer()
    result = run(tmp_path, server)
    assert (result.status, result.count, result.as_of) == ("updated", 1003, "2026-02-27")
    meta = read_current(tmp_path, "un_sc")
    assert meta["files"]["UN_consolidated.xml"]["etag"] == '"v1"'
    loaded = load_source("un_sc", tmp_path)
    assert loaded.info.origin == "downloaded" and loaded.info.count == 1003

    again = run(tmp_path, server)
    assert again.status == "unchanged"
    assert server.requests[-1].headers["if-none-match"] == '"v1"'
    assert server.requests[-1].headers["if-modified-since"] == "Fri, 27 Feb 2026 08:00:00 GMT"
    assert read_current(tmp_path, "un_sc")["version"] == meta["version"]


def test_corrupt_download_keeps_the_last_good_version(tmp_path):
    assert run(tmp_path, FakeServer()).status == "updated"
    good = read_current(tmp_path, "un_sc")["version"]
    truncated = run(tmp_path, FakeServer(body=UN_XML[: len(UN_XML) // 2], etag='"v2"'))
    assert truncated.status == "refused" and "unreadable" in truncated.detail
    error_page = run(tmp_path, FakeServer(body=b"<html><body>Service temporarily unavailable</body></html>", etag='"v3"'))
    assert error_page.status == "refused" and "no entries" in error_page.detail
    assert read_current(tmp_path, "un_sc")["version"] == good
    assert load_source("un_sc", tmp_path).info.count == 1003


def test_shrunk_list_is_refused(tmp_path):
    result = run(tmp_path, FakeServer(body=shrunk_un(), etag='"small"'))
    assert result.status == "refused" and "shrank" in result.detail
    assert read_current(tmp_path, "un_sc") is None  # nothing installed: the bundled snapshot stays in use
    assert load_source("un_sc", tmp_path).info.origin == "bundled"


def test_network_down_is_retried_then_reported(tmp_path):
    assert run(tmp_path, FakeServer()).status == "updated"
    server = FakeServer()
    server.down = True
    result = run(tmp_path, server)
    assert result.status == "failed" and "unreachable" in result.detail
    assert len(server.requests) == 3  # bounded retry
    assert load_source("un_sc", tmp_path).info.origin == "downloaded"


def test_server_error_then_success_is_retried(tmp_path):
    calls = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503) if len(calls) == 1 else httpx.Response(200, content=UN_XML)

    client = httpx.Client(transport=httpx.MockTransport(flaky))
    result = update_lists(tmp_path, ["un_sc"], client=client, sleep=lambda seconds: None)[0]
    assert result.status == "updated" and len(calls) == 2
    pointer = json.loads((tmp_path / "un_sc" / "current.json").read_text())
    assert (tmp_path / "un_sc" / pointer["version"] / "UN_consolidated.xml").read_bytes() == UN_XML

"""A partial failure of the multi-file OFAC update (issue 15, "not tested"): the SDN list is four
files (sdn, alt, add, comments) fetched one after the other. Whichever file fails — a 503 that
outlasts the retries, a connection dropped midway, a truncated body — the live version stays
exactly as it was (all four files of the last good download) and screening keeps its entries;
never a new sdn.csv installed beside an old or missing alt.csv. Served from the real bundled files."""

from __future__ import annotations

import httpx
import pytest

from checks.watchlists.store import SPECS, bundled_files, downloaded_files, load_source, read_current
from checks.watchlists.update import update_lists

KEY = "us_ofac_sdn"
URLS = SPECS[KEY].files  # name -> url
REAL = bundled_files(KEY)
assert REAL is not None and set(REAL) == set(URLS)


class OFAC:
    """The OFAC export endpoints: serves `files` by URL, with ETags; `broken` makes one file fail."""

    def __init__(self, files: dict[str, bytes], tag: str) -> None:
        self.files, self.tag = files, tag
        self.broken: dict[str, str] = {}
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        name = next(n for n, url in URLS.items() if url == str(request.url))
        self.requests.append(name)
        how = self.broken.get(name)
        if how == "503":
            return httpx.Response(503)
        if how == "404":
            return httpx.Response(404)
        if how == "drop":
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body",
                                            request=request)
        etag = f'"{self.tag}-{name}"'
        if request.headers.get("if-none-match") == etag:
            return httpx.Response(304)
        return httpx.Response(200, content=self.files[name], headers={"ETag": etag})


def _update(tmp_path, server: OFAC):  # type: ignore[no-untyped-def]
    client = httpx.Client(transport=httpx.MockTransport(server))
    return update_lists(tmp_path, [KEY], client=client, sleep=lambda seconds: None)[0]


def _newer() -> dict[str, bytes]:
    """The next publication: the same files with one more SDN row (a real row, re-numbered)."""
    sdn = REAL["sdn.csv"]
    first = sdn.split(b"\n", 1)[0]
    extra = first.replace(first.split(b",", 1)[0], b"99999999", 1)
    return {**REAL, "sdn.csv": sdn.rstrip(b"\x1a").rstrip(b"\r\n") + b"\r\n" + extra + b"\r\n"}


@pytest.mark.parametrize("file,how", [("alt.csv", "503"), ("add.csv", "drop"), ("sdn.csv", "drop")])
def test_one_failing_file_keeps_the_whole_live_version(tmp_path, file: str, how: str) -> None:  # type: ignore[no-untyped-def]
    assert _update(tmp_path, OFAC(REAL, "v1")).status == "updated"
    live = read_current(tmp_path, KEY)
    before = load_source(KEY, tmp_path)
    assert live is not None and before is not None

    server = OFAC(_newer(), "v2")
    server.broken[file] = how
    result = _update(tmp_path, server)
    assert result.status == "failed" and "download failed" in result.detail
    assert server.requests.count(file) == 3  # the bounded retry, then the whole source gives up

    assert read_current(tmp_path, KEY)["version"] == live["version"]
    assert downloaded_files(tmp_path, KEY, read_current(tmp_path, KEY)) == REAL  # all four, the old ones
    after = load_source(KEY, tmp_path)
    assert after is not None and after.info.count == before.info.count

    server.broken.clear()  # the next run succeeds and installs the new publication whole
    again = _update(tmp_path, server)
    assert again.status == "updated" and again.count == before.info.count + 1
    assert downloaded_files(tmp_path, KEY, read_current(tmp_path, KEY)) == _newer()


def test_a_truncated_file_among_the_four_is_refused_and_changes_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert _update(tmp_path, OFAC(REAL, "v1")).status == "updated"
    live = read_current(tmp_path, KEY)
    files = {**_newer(), "sdn.csv": REAL["sdn.csv"][: len(REAL["sdn.csv"]) // 3]}  # cut mid-file
    result = _update(tmp_path, OFAC(files, "v2"))
    assert result.status == "refused" and "shrank" in result.detail
    assert read_current(tmp_path, KEY)["version"] == live["version"]
    assert downloaded_files(tmp_path, KEY, read_current(tmp_path, KEY)) == REAL


def test_an_optional_file_gone_missing_is_not_installed_as_a_list_without_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """ALT.CSV (the aliases) answering 404 once the live version has it would install the SDN list
    without its aliases — fewer names screened, silently. The update fails instead."""
    assert _update(tmp_path, OFAC(REAL, "v1")).status == "updated"
    live = read_current(tmp_path, KEY)
    server = OFAC(_newer(), "v2")
    server.broken["alt.csv"] = "404"
    result = _update(tmp_path, server)
    assert result.status == "failed" and "404" in result.detail
    assert read_current(tmp_path, KEY)["version"] == live["version"]
    assert downloaded_files(tmp_path, KEY, read_current(tmp_path, KEY)) == REAL

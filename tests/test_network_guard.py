"""The root conftest's guard: loopback and Unix sockets work, anything else is refused and recorded."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tests import conftest


def _take_violations() -> list[str]:
    tried, conftest._violations[:] = list(conftest._violations), []
    return tried


@pytest.mark.parametrize("address", [("192.0.2.1", 443), ("8.8.8.8", 53), ("2001:db8::1", 443, 0, 0)])
def test_a_public_address_is_refused_and_recorded(address: tuple) -> None:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(conftest.NetworkGuardError):
        sock.connect(address)
    with socket.socket(family, socket.SOCK_DGRAM) as sock, pytest.raises(conftest.NetworkGuardError):
        sock.sendto(b"x", address)
    assert len(_take_violations()) == 2


def test_name_lookups_and_asyncio_connections_are_refused() -> None:
    with pytest.raises(conftest.NetworkGuardError):
        socket.getaddrinfo("api.gleif.org", 443)

    async def connect() -> None:
        await asyncio.open_connection("192.0.2.1", 443)

    with pytest.raises(conftest.NetworkGuardError):
        asyncio.run(connect())
    tried = _take_violations()
    assert any("api.gleif.org" in item for item in tried) and any("192.0.2.1" in item for item in tried)


def test_loopback_and_unix_sockets_work(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    assert socket.getaddrinfo("localhost", 80)
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)
    assert _take_violations() == []

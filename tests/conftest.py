"""For every test: no connection leaves the machine.

A test that reaches a real service (GLEIF, DNS, Slack) passes or fails with the network, and may leak
what it sends. `socket.socket.connect`/`connect_ex`/`sendto` and `socket.getaddrinfo` are wrapped: a
loopback address (127.0.0.0/8, ::1), `localhost` and Unix sockets go through; anything else is
refused with `NetworkGuardError`, and recorded, so the test fails at teardown even when the code
under test catches the error (as sources do: "unavailable" would otherwise pass silently).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

_violations: list[str] = []
_lock = threading.Lock()
_real = {
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
    "sendto": socket.socket.sendto,
    "getaddrinfo": socket.getaddrinfo,
}


class NetworkGuardError(ConnectionRefusedError):
    """A test tried to reach a non-loopback address."""


def _local_host(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0].rstrip(".").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


def _local_address(sock: socket.socket, address: Any) -> bool:
    if getattr(socket, "AF_UNIX", None) is not None and sock.family == socket.AF_UNIX:
        return True
    if isinstance(address, (str, bytes)):  # a Unix socket path
        return True
    return _local_host(address[0])


def _refuse(what: str) -> NetworkGuardError:
    with _lock:
        _violations.append(what)
    return NetworkGuardError(f"test tried to reach the network: {what}")


def _connect(self: socket.socket, address: Any) -> Any:
    if not _local_address(self, address):
        raise _refuse(f"connect {address!r}")
    return _real["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> Any:
    if not _local_address(self, address):
        raise _refuse(f"connect_ex {address!r}")
    return _real["connect_ex"](self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> Any:
    address = args[-1]
    if not _local_address(self, address):
        raise _refuse(f"sendto {address!r}")
    return _real["sendto"](self, data, *args)


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not _local_host(host):
        raise _refuse(f"getaddrinfo {host!r}")
    return _real["getaddrinfo"](host, *args, **kwargs)


socket.socket.connect = _connect  # type: ignore[method-assign]
socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
socket.socket.sendto = _sendto  # type: ignore[method-assign, assignment]
socket.getaddrinfo = _getaddrinfo  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    """Fail the test that tried to reach the network, even if the code under test swallowed the error."""
    with _lock:
        _violations.clear()
    yield
    with _lock:
        tried, _violations[:] = list(_violations), []
    if tried:
        pytest.fail("test reached for the network (tests/conftest.py allows loopback only): " + "; ".join(tried[:5]),
                    pytrace=False)


# With TEST_DATABASE_URL set, a skipped PostgreSQL test fails the run (tests/pg_required.py).
from tests.pg_required import (  # noqa: E402,F401  (hooks, registered by being in this module)
    pytest_runtest_logreport,
    pytest_sessionfinish,
    pytest_terminal_summary,
)
from tests.runtimes import runtime_factory  # noqa: E402,F401  (fixture: build your own Runtime)

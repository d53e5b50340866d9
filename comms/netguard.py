"""Outbound URLs stay outside: no request of ours reaches a loopback, private, link-local, multicast or
reserved address (the cloud metadata service at 169.254.169.254, the database on 127.0.0.1:5432,
Redis on localhost:6379, the office network…).

Two checks, both needed:

- ``check_url(url)`` at save time: the URL's host is resolved and every address it resolves to must
  be public, so a bad URL is a 400 naming its field.
- ``session()`` at send time: its connections check the address they actually connected to, on
  every request and every redirect, so a host that resolved to a public address when it was saved
  and to 127.0.0.1 now (DNS rebinding) is refused before a byte is sent.

``settings.FOGHORN_ALLOW_PRIVATE_URLS`` (on in development and tests) turns both off, so local
receivers work.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# Names that are internal whatever they resolve to from here.
BLOCKED_HOSTNAMES = {"localhost", "metadata", "metadata.google.internal", "metadata.goog", "instance-data"}
BLOCKED_SUFFIXES = (".localhost", ".internal", ".local")


class UnsafeURL(ValueError):
    """The URL may not be called; the message says why, in words fit for a 400."""


def _private_allowed() -> bool:
    return bool(getattr(settings, "FOGHORN_ALLOW_PRIVATE_URLS", False))


def address_problem(address: str) -> str:
    """Why ``address`` may not be connected to ("" if it may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for attribute, words in (("is_loopback", "a loopback"), ("is_link_local", "a link-local"),
                             ("is_multicast", "a multicast"), ("is_private", "a private"),
                             ("is_reserved", "a reserved"), ("is_unspecified", "an unspecified")):
        if getattr(ip, attribute):
            return f"{words} address ({ip})"
    if not ip.is_global:
        return f"a non-public address ({ip})"
    return ""


def _host_problem(host: str) -> str:
    name = host.lower().rstrip(".")
    if name in BLOCKED_HOSTNAMES or name.endswith(BLOCKED_SUFFIXES):
        return f"an internal host name ({host})"
    return ""


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"The host {host} cannot be resolved.") from exc
    return sorted({info[4][0] for info in infos})


def check_url(url: str) -> None:
    """Raise ``UnsafeURL`` unless ``url`` is http(s) with a host that resolves only to public addresses."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL("Enter a valid http(s) URL.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Enter a valid http(s) URL.")
    if _private_allowed():
        return
    problem = _host_problem(parts.hostname)
    if problem:
        raise UnsafeURL(f"This URL points at {problem}; only public addresses can be called.")
    for address in _resolve(parts.hostname, port):
        problem = address_problem(address)
        if problem:
            raise UnsafeURL(f"The host {parts.hostname} resolves to {problem}; only public addresses can be called.")


class _GuardedConnectionMixin:
    """Checks the peer of every new socket before anything is sent on it."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        if _private_allowed():
            return sock
        problem = _host_problem(self.host) or address_problem(sock.getpeername()[0])
        if problem:
            sock.close()
            raise UnsafeURL(f"Refused to connect to {self.host}: it is {problem}.")
        return sock


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool,
                                                   "https": GuardedHTTPSConnectionPool}


def session() -> requests.Session:
    """A ``requests.Session`` whose connections re-check the resolved peer address at connect time, on
    every request and every redirect. Environment proxies are ignored (a proxy would hide the peer)."""
    guarded = requests.Session()
    guarded.trust_env = False
    adapter = GuardedAdapter()
    guarded.mount("http://", adapter)
    guarded.mount("https://", adapter)
    return guarded

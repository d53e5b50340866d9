"""Outbound URLs never reach private, loopback, link-local or metadata addresses.

A minimal version of the outbound helper's module (same API; the fuller one, which also re-checks
the peer address at connect time, replaces it at merge): ``check_url`` resolves the host and refuses
any address that is not global, unless ``settings.FOGHORN_ALLOW_PRIVATE_URLS`` is on (a laptop, tests)."""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings


class UnsafeURL(ValueError):
    """The URL may not be fetched: not http(s), no host, unresolvable, or a non-public address."""


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"The host {host!r} does not resolve.") from exc
    return [info[4][0] for info in infos]


def check_url(url: str) -> None:
    """Raise ``UnsafeURL`` unless ``url`` is http(s) and every address of its host is public."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL("Not a valid URL.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Only http and https URLs with a host are allowed.")
    if getattr(settings, "FOGHORN_ALLOW_PRIVATE_URLS", False):
        return
    for address in _addresses(parts.hostname, port):
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise UnsafeURL(f"The host {parts.hostname!r} resolves to a non-public address.")


def session() -> requests.Session:
    """A session for outbound calls (the outbound helper's version checks the peer at connect time)."""
    return requests.Session()

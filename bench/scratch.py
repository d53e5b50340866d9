"""What every benchmark needs: its own scratch PostgreSQL database and a free loopback port."""

import os
import socket
from urllib.parse import urlsplit, urlunsplit


def scratch_database_url(name: str) -> str:
    """DATABASE_URL (default: the local server) pointed at the database ``name``."""
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/foghorn"))
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def recreate_database(url: str) -> None:
    """Drop and create the database of ``url`` (connections to it are closed by force)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

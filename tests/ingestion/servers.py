"""Real servers for ingestion tests: gunicorn serving the project's WSGI app (as the Procfile runs
it) on the test database, and a Redis of the test's own on a free port (which a test may SIGSTOP:
never the shared one)."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    auth = f"{db['USER']}@" if db.get("USER") else ""
    return f"postgresql://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"not listening after {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def start_gunicorn(tmp_path: Path, *, app: str = "config.wsgi:application", redis_url: str, threads: int = 4,
                   name: str = "gunicorn") -> Server:
    """gunicorn with the Procfile's worker class (2 workers; gthread), on the test database."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(DATABASE_URL=database_url(), REDIS_URL=redis_url, CELERY_TASK_ALWAYS_EAGER="0", LOG_LEVEL="INFO",
               PYTHONUNBUFFERED="1")
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads",
         str(threads), "--log-level", "info"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    _wait_for_port(port, process, log)
    return Server(f"http://127.0.0.1:{port}", port, process, log)


@dataclass
class OwnRedis:
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def pause(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def stop(self) -> None:
        self.resume()
        os.kill(self.pid, signal.SIGTERM)


def start_redis(tmp_path: Path) -> OwnRedis:
    """``redis-server`` on a free port, this test's alone (its pid from its own pidfile)."""
    port = free_port()
    pidfile = tmp_path / f"redis-{port}.pid"
    subprocess.run(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--daemonize", "yes", "--pidfile", str(pidfile), "--dir", str(tmp_path)], check=True)
    deadline = time.monotonic() + 10
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(pidfile.read_text().strip())
    assert port != 6379
    assert pid > 1
    return OwnRedis(port, pid)

"""End-to-end fixtures: a live HTTP server (pytest-django) and real Celery worker / beat
processes sharing the test database and the Redis broker.

The worker is a separate process started from the project's own command line, so a test
can SIGKILL it, restart it, or restart Redis under it. Under pytest tasks run eagerly
in-process; the ``real_broker`` fixture turns that off so tasks go through Redis.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.comms.e2e_setup import SECONDS_PER_MINUTE
from tests.comms.receiver import HttpReceiver

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CeleryProcess:
    name: str
    args: list[str]
    env: dict
    log_path: Path
    popen: subprocess.Popen | None = None
    history: list[str] = field(default_factory=list)

    def start(self, ready_text: str, timeout: float = 30) -> "CeleryProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready_text in self.logs():
                return self
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.logs()}")
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.logs()}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the worker's pool children too)."""
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgresql://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def purge_queues() -> int:
    """Empty the paging queue and the outbound queue; returns how many messages were dropped."""
    dropped = 0
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in (settings.CELERY_TASK_DEFAULT_QUEUE, settings.OUTBOUND_QUEUE):
            dropped += channel.queue_purge(queue) or 0
    return dropped


@pytest.fixture
def real_broker(transactional_db):
    """Send tasks through Redis instead of running them eagerly; start from empty queues."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    purge_queues()
    yield celery_app
    celery_app.conf.task_always_eager = previous
    purge_queues()


@pytest.fixture
def celery_env(real_broker, live_server):
    env = {
        key: value for key, value in os.environ.items() if key not in {"PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.CELERY_BROKER_URL,
        CELERY_TASK_ALWAYS_EAGER="0",
        FOGHORN_BASE_URL=live_server.url,
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def start_worker(celery_env, tmp_path):
    """start_worker(concurrency=1, pool="prefork", queues=None) -> CeleryProcess, stopped after the test.
    ``queues`` ("bulk", "celery,bulk"): the queues it consumes; default Celery's default queue only."""
    started: list[CeleryProcess] = []

    def start(concurrency: int = 1, pool: str = "prefork", name: str | None = None,
              queues: str = "celery,outbound", fault: str = "") -> CeleryProcess:
        """``queues``: the paging queue and the outbound one by default (one worker does both);
        ``fault``: ``<point>:<seconds>`` installs ``tests.e2e.faults`` in this worker only."""
        name = name or f"worker{len(started)}"
        args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                "--pool", pool, "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
                "--without-heartbeat", "--hostname", f"{name}@%h", "--queues", queues]
        env = dict(celery_env)
        if fault:
            args += ["--include", "tests.e2e.faults"]
            env["FOGHORN_TEST_FAULT_SLEEP"] = fault
        process = CeleryProcess(name, args, env, tmp_path / f"{name}.log")
        started.append(process)
        return process.start(ready_text=" ready.")

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def start_beat(celery_env, tmp_path):
    """start_beat() -> CeleryProcess running every app's BEAT_SCHEDULE, stopped after the test."""
    started: list[CeleryProcess] = []

    def start() -> CeleryProcess:
        args = [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                "--schedule", str(tmp_path / "beat-schedule")]
        process = CeleryProcess("beat", args, celery_env, tmp_path / "beat.log")
        started.append(process)
        return process.start(ready_text="beat: Starting")

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def receiver():
    """A local HTTP server recording what chat and webhook channels post to it."""
    server = HttpReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def paging_env(celery_env):
    """The worker's environment with escalation minutes shortened to seconds for the paging tests."""
    celery_env.update(COMMS_SECONDS_PER_DELAY_MINUTE=str(SECONDS_PER_MINUTE), COMMS_TICK_SECONDS="1",
                      COMMS_SEND_LEASE_SECONDS="5", COMMS_RENUDGE_SECONDS="3")
    return celery_env

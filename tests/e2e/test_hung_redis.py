"""A hung Redis (SIGSTOP: connections accepted, nothing answered) must not freeze the web tier: /healthz says
the broker is down, quickly, and the API answers — the committed work is left to the outbox sweeper.

The Redis here is one this test starts on a free port and stops; the shared Redis is never touched."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from incidents.models import Incident
from tests.e2e.conftest import CeleryProcess

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A private redis-server on a free port: (url, popen)."""
    port = free_port()
    popen = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(tmp_path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", popen
    os.kill(popen.pid, signal.SIGCONT)
    popen.terminate()
    popen.wait(timeout=10)


@pytest.fixture
def web_on_own_redis(celery_env, own_redis, tmp_path):
    """gunicorn (as the Procfile runs it) with its broker on ``own_redis``."""
    url, _popen = own_redis
    port = free_port()
    env = {**celery_env, "REDIS_URL": url}
    args = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--threads", "4", "--timeout", "60"]
    web = CeleryProcess("web", args, env, tmp_path / "web.log")
    web.start(ready_text="Booting worker")
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/healthz", timeout=2)
            break
        except requests.RequestException:
            time.sleep(0.2)
    yield base
    web.stop()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_hung_redis_leaves_healthz_and_the_api_answering(web_on_own_redis, own_redis, org, make_member):
    from tenancy import services as tenancy_services

    member = make_member(org, "responder")
    _token, secret = tenancy_services.api_token_create(organization=org, user=member.user, name="e2e")
    headers = {"Authorization": f"Bearer {secret}"}
    base = web_on_own_redis
    healthy = requests.get(f"{base}/healthz", timeout=5)
    assert healthy.json()["checks"]["broker"] == "ok", healthy.text

    _url, redis_process = own_redis
    os.kill(redis_process.pid, signal.SIGSTOP)
    health, seconds = timed(lambda: requests.get(f"{base}/healthz", timeout=10))
    assert health.status_code == 503
    assert health.json()["failed"] == ["broker"]
    assert seconds < 2, seconds

    durations = []
    for number in range(3):
        created, seconds = timed(lambda n=number: requests.post(
            f"{base}/api/v1/orgs/{org.slug}/incidents/", json={"title": f"Redis hung {n}", "severity": "P2"},
            headers=headers, timeout=20))
        assert created.status_code == 201, created.text
        durations.append(seconds)
    listed, seconds = timed(lambda: requests.get(f"{base}/api/v1/orgs/{org.slug}/incidents/", headers=headers,
                                                 timeout=20))
    assert listed.status_code == 200
    durations.append(seconds)
    # The first nudge waits one socket timeout (1 s); after it, nudges are skipped while the broker backs off.
    assert durations[0] < 3, durations
    assert max(durations[1:]) < 1.5, durations
    assert Incident.objects.filter(organization=org, title__startswith="Redis hung").count() == 3

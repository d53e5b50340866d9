"""Paging benchmark: alert accepted → first notification handed to its channel, end to end.

    .venv/bin/python bench/bench_paging.py [--alerts 60] [--rate 10]
    .venv/bin/python bench/bench_paging.py --burst 50      # 50 distinct incidents at once

Makes its own scratch database (``foghorn_bench_paging`` on the server of DATABASE_URL), migrates
it, seeds an org whose service pages Alice on chat (a Slack-compatible webhook pointing at a local
HTTP receiver in this process), then starts the Procfile's layout — gunicorn, the paging worker
(threads, 8, queue ``celery``), the outbound worker (threads, 16, queue ``outbound``) and beat —
over Redis (REDIS_URL, default db 4), posts PagerDuty Events v2 triggers with distinct dedup keys
at ``--rate`` per second (or ``--burst N`` of them at once, from N threads), and times each from its
202 to the chat message reaching the receiver.
Prints p50/p95/max and how many pages arrived (and that none arrived twice).

Budget (docs DESIGN.md): p95 ≤ 2 s.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from scratch import free_port, recreate_database, scratch_database_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.comms.receiver import HttpReceiver  # noqa: E402 — after the path is set

BENCH_DB = os.environ.get("BENCH_PAGING_DB", "foghorn_bench_paging")  # a scratch database, dropped and made again








SEED = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from comms.services import contacts
from incidents.models import Service
from incidents.ingestion import services as ingestion
from oncall import services as oncall
from tenancy import services as tenancy
from tenancy.enums import Role
import os
org = tenancy.organization_create(name="Bench", slug="bench")
alice = tenancy.membership_create(organization=org, email="alice@bench.test", name="Alice", role=Role.RESPONDER).user
contacts.contact_method_create(organization=org, user=alice, kind="chat", value=os.environ["BENCH_CHAT_URL"])
for urgency in ("high", "low"):
    contacts.notification_rules_set(organization=org, user=alice, urgency=urgency,
                                    chain=[{"channel": "chat", "delay_minutes": 0}])
contacts.channel_throttle_save(organization=org, channel="chat", max_count=1_000_000, per_seconds=1)
policy = oncall.escalation_policy_create(organization=org, name="Bench", steps=[{"users": [alice],
                                         "delay_minutes": 30}])
service = Service.objects.create(organization=org, name="API", escalation_policy=policy)
_integration, key = ingestion.integration_create(organization=org, name="bench", kind="pagerduty_v2",
    service=service, rate_limit_per_minute=100_000_000, rate_limit_burst=100_000_000)
print(key)
"""


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_for_log(log: Path, text: str, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise SystemExit(f"{log.name}: {text!r} not seen:\n{log.read_text(errors='replace')[-3000:]}")


def _post(session: requests.Session, base: str, routing_key: str, number: int) -> float:
    body = {"routing_key": routing_key, "event_action": "trigger", "dedup_key": f"bench-{number}",
            "payload": {"summary": f"bench alert {number}", "source": "bench", "severity": "critical"}}
    response = session.post(f"{base}/v2/enqueue", data=json.dumps(body), headers={"Content-Type": "application/json"},
                            timeout=30)
    if response.status_code != 202:
        raise SystemExit(f"alert {number}: {response.status_code} {response.text}")
    return time.time()


def post_alerts(base: str, routing_key: str, options) -> dict[int, float]:
    """Post the alerts (paced, or a burst from as many threads) and return when each was accepted."""
    if options.burst:
        start_line = threading.Barrier(options.burst)

        def one(number: int) -> float:
            session = requests.Session()
            start_line.wait()
            return _post(session, base, routing_key, number)

        with ThreadPoolExecutor(max_workers=options.burst) as pool:
            return dict(enumerate(pool.map(one, range(options.burst))))
    accepted: dict[int, float] = {}
    session = requests.Session()
    for number in range(options.alerts):
        accepted[number] = _post(session, base, routing_key, number)
        time.sleep(1 / options.rate)
    return accepted


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:  # noqa: C901 — a script, read top to bottom
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=60)
    parser.add_argument("--rate", type=float, default=10.0, help="alerts per second")
    parser.add_argument("--burst", type=int, default=0, help="post this many distinct alerts at once instead")
    parser.add_argument("--paging-pool", default="threads", help="pool of the paging worker (Procfile: threads)")
    parser.add_argument("--paging-concurrency", type=int, default=8)
    options = parser.parse_args()

    receiver = HttpReceiver().start()
    database_url = scratch_database_url(BENCH_DB)
    recreate_database(database_url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING",
               DEBUG="0", CELERY_TASK_ALWAYS_EAGER="0", PYTHONUNBUFFERED="1", BENCH_CHAT_URL=receiver.url("/alice"),
               FOGHORN_ALLOW_PRIVATE_URLS="1")  # the chat receiver is on 127.0.0.1
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
    seeded = subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    if seeded.returncode != 0:
        raise SystemExit(f"set-up failed:\n{seeded.stderr}")
    routing_key = seeded.stdout.strip().splitlines()[-1]

    logs = Path(os.environ.get("BENCH_LOG_DIR", tempfile.gettempdir())) / "bench_paging"
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env["FOGHORN_BASE_URL"] = f"http://127.0.0.1:{port}"
    subprocess.run([sys.executable, "-m", "celery", "-A", "config", "purge", "-f", "-Q", "celery,outbound"], cwd=ROOT,
                   env=env, capture_output=True, check=False)
    processes = [
        start([sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
              env, logs / "web.log"),
        start([sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--pool",
               options.paging_pool, "--concurrency", str(options.paging_concurrency), "--queues", "celery",
               "--without-gossip", "--without-mingle", "--without-heartbeat"], env, logs / "worker.log"),
        start([sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--pool", "threads",
               "--concurrency", "16", "--queues", "outbound", "--hostname", "outbound@%h", "--without-gossip",
               "--without-mingle", "--without-heartbeat"], env, logs / "outbound.log"),
        start([sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "--schedule",
               str(logs / "beat-schedule")], env, logs / "beat.log"),
    ]
    try:
        wait_for_log(logs / "worker.log", " ready.")
        wait_for_log(logs / "outbound.log", " ready.")
        wait_for_log(logs / "beat.log", "beat: Starting")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        accepted = post_alerts(f"http://127.0.0.1:{port}", routing_key, options)
        if options.burst:
            options.alerts = options.burst
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(receiver.at("/alice")) < options.alerts:
            time.sleep(0.1)
        time.sleep(3)  # anything sent twice would arrive now
        first: dict[int, float] = {}
        for received in receiver.at("/alice"):
            match = re.search(r"bench alert (\d+)", received.body.decode())
            if match:
                number = int(match.group(1))
                first[number] = min(first.get(number, received.at), received.at)
        latencies = [first[n] - accepted[n] for n in accepted if n in first]
        twice = len(receiver.at("/alice")) - len(first)
        how = "at once" if options.burst else f"at {options.rate}/s"
        print(f"alerts posted: {options.alerts} {how}; pages received: {len(first)}; "
              f"received twice: {twice}")
        if latencies:
            p50 = statistics.median(latencies) * 1000
            print(f"accepted → first notification at the chat receiver: p50 {p50:.0f} ms,"
                  f" p95 {percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
                  f" (budget p95 ≤ 2000 ms)")
    finally:
        for process in processes:
            try:
                os.killpg(process.pid, 15)
                process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, 9)
        receiver.stop()


if __name__ == "__main__":
    main()

"""Affected-user campaign benchmark: 10,000 recipients handed to the ESP, while alerts keep paging.

    .venv/bin/python bench/bench_campaign.py [--recipients 10000] [--rate 5]

Makes its own scratch database (``foghorn_bench_campaign`` on the server of DATABASE_URL), seeds an org
whose service pages Alice on chat (a local HTTP receiver in this process) and a resolved incident with
``--recipients`` affected users, then starts gunicorn, the default Celery worker (prefork, 2), the bulk
worker (``-Q bulk``, 1, under ``nice`` as in the Procfile) and beat over Redis (REDIS_URL, default db 4).
Email goes through Anymail's real Mailgun backend to the same receiver standing in for Mailgun's API
(batches of 1,000 with merge data). It POSTs ``affected-users/email/`` and, until the campaign is sent,
PagerDuty Events v2 triggers at ``--rate`` per second, timing each from its 202 to Alice's chat page.

Prints the campaign time (budget ≤ 30 s), recipients received by the ESP stand-in (and any twice), and the
paging latency meanwhile (budget p95 ≤ 2 s, as in bench_paging.py).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

import requests
from bench_paging import percentile, start, wait_for_log
from scratch import free_port, recreate_database, scratch_database_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.comms.receiver import HttpReceiver  # noqa: E402 — after the path is set

BENCH_DB = "foghorn_bench_campaign"
MAILGUN_OK = b'{"id": "<bench@mailgun.test>", "message": "Queued. Thank you."}'

SEED = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
import os
from comms.services import affected, contacts
from incidents import services as incidents
from incidents.models import Service
from incidents.ingestion import services as ingestion
from oncall import services as oncall
from tenancy import services as tenancy
from tenancy.enums import Role
org = tenancy.organization_create(name="Bench", slug="bench")
alice = tenancy.membership_create(organization=org, email="alice@bench.test", name="Alice", role=Role.ADMIN).user
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
outage = incidents.incident_create(organization=org, title="Applications failing", severity="P1")
rows = [{"email": f"user{n}@example.com", "name": f"User {n}", "plan": "pro"}
        for n in range(int(os.environ["BENCH_RECIPIENTS"]))]
affected.affected_users_import(incident=outage, parsed=affected.parse_json(rows))
incidents.incident_resolve(incident=outage, actor=alice, override_reason="bench")
_token, secret = tenancy.api_token_create(organization=org, user=alice, name="bench")
print(key, secret, outage.number)
"""


def _recipients(receiver: HttpReceiver) -> Counter:
    counts: Counter = Counter()
    for request in receiver.at("/mailgun/"):
        counts.update(parse_qs(request.body.decode()).get("to", []))
    return counts


def _page_latencies(receiver: HttpReceiver, accepted: dict[int, float]) -> list[float]:
    first: dict[int, float] = {}
    for received in receiver.at("/alice"):
        match = re.search(r"bench alert (\d+)", received.body.decode())
        if match:
            number = int(match.group(1))
            first[number] = min(first.get(number, received.at), received.at)
    return [first[n] - accepted[n] for n in accepted if n in first]


def main() -> None:  # noqa: C901 — a script, read top to bottom
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=5.0, help="alerts per second while the campaign runs")
    options = parser.parse_args()

    receiver = HttpReceiver().start()
    receiver.respond("/mailgun/", body=MAILGUN_OK)
    database_url = scratch_database_url(BENCH_DB)
    recreate_database(database_url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING",
               DEBUG="0", CELERY_TASK_ALWAYS_EAGER="0", PYTHONUNBUFFERED="1", BENCH_CHAT_URL=receiver.url("/alice"),
               BENCH_RECIPIENTS=str(options.recipients), EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend",
               ANYMAIL_MAILGUN_API_KEY="key-bench", ANYMAIL_MAILGUN_SENDER_DOMAIN="bench.test",
               ANYMAIL_MAILGUN_API_URL=receiver.url("/mailgun/v3"))
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
    seeded = subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    if seeded.returncode != 0:
        raise SystemExit(f"set-up failed:\n{seeded.stderr}")
    routing_key, token, number = seeded.stdout.strip().splitlines()[-1].split()

    logs = Path(os.environ.get("BENCH_LOG_DIR", tempfile.gettempdir())) / "bench_campaign"
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env["FOGHORN_BASE_URL"] = base
    subprocess.run([sys.executable, "-m", "celery", "-A", "config", "purge", "-f", "-Q", "celery,bulk"], cwd=ROOT,
                   env=env, capture_output=True, check=False)
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    worker_flags = ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    processes = [
        start([sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
              env, logs / "web.log"),
        start([*celery, "worker", "--concurrency", "2", "--hostname", "default@%h", *worker_flags], env,
              logs / "worker.log"),
        start(["nice", "-n", "10", *celery, "worker", "-Q", "bulk", "--concurrency", "1", "--hostname", "bulk@%h",
               *worker_flags], env, logs / "bulk.log"),
        start([*celery, "beat", "--loglevel", "INFO", "--schedule", str(logs / "beat-schedule")], env,
              logs / "beat.log"),
    ]
    try:
        wait_for_log(logs / "worker.log", " ready.")
        wait_for_log(logs / "bulk.log", " ready.")
        wait_for_log(logs / "beat.log", "beat: Starting")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        session = requests.Session()
        auth = {"Authorization": f"Bearer {token}"}
        email_url = f"{base}/api/v1/orgs/bench/incidents/{number}/affected-users/email/"
        started = time.time()
        response = session.post(email_url, json={}, headers=auth, timeout=30)
        if response.status_code != 202:
            raise SystemExit(f"campaign: {response.status_code} {response.text}")
        accepted: dict[int, float] = {}
        finished = None
        alert = 0
        while time.time() - started < 120:
            body = {"routing_key": routing_key, "event_action": "trigger", "dedup_key": f"bench-{alert}",
                    "payload": {"summary": f"bench alert {alert}", "source": "bench", "severity": "critical"}}
            answer = session.post(f"{base}/v2/enqueue", data=json.dumps(body),
                                  headers={"Content-Type": "application/json"}, timeout=10)
            if answer.status_code != 202:
                raise SystemExit(f"alert {alert}: {answer.status_code} {answer.text}")
            accepted[alert] = time.time()
            alert += 1
            if finished is None and alert % max(int(options.rate), 1) == 0:
                state = session.get(email_url, headers=auth, timeout=10).json()[0]
                if state["state"] == "sent":
                    finished = time.time()
            if finished is not None and time.time() - finished > 2:
                break
            time.sleep(1 / options.rate)
        last_mail = max((r.at for r in receiver.at("/mailgun/")), default=started)
        time.sleep(3)  # pages still in flight, and anything sent twice
        counts = _recipients(receiver)
        print(f"campaign: {options.recipients} recipients; ESP stand-in received {sum(counts.values())} in "
              f"{len(receiver.at('/mailgun/'))} batch call(s); distinct {len(counts)}; "
              f"twice: {sum(1 for c in counts.values() if c > 1)}")
        print(f"campaign time: POST → last batch at the ESP {last_mail - started:.1f} s; → state sent "
              f"{(finished or time.time()) - started:.1f} s (budget ≤ 30 s)")
        latencies = _page_latencies(receiver, accepted)
        print(f"alerts posted meanwhile: {len(accepted)} at {options.rate}/s; pages received: {len(latencies)}")
        if latencies:
            print(f"accepted → first notification at the chat receiver: p50 {statistics.median(latencies) * 1000:.0f}"
                  f" ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
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

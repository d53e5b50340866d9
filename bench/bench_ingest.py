"""Ingestion benchmark: PagerDuty Events v2 triggers against gunicorn on PostgreSQL, and a trivial
Django view on the same server in the same run, loaded on loopback by ``wrk`` (Debian's package;
a raw-socket asyncio generator is used when wrk is absent).

    .venv/bin/python bench/bench_ingest.py [--duration 20] [--connections 8] [--keys 100] [--threads 4]
        [--new-every N]

Gunicorn runs the Procfile's configuration (2 workers x 4 threads, gthread); ``--threads 1`` runs
sync workers. The ingestion endpoint is measured twice, each on its own server: with durable
joins (the default) and with ``INGESTION_ASYNC_COMMIT_JOINS=1`` (the opt-in); the ratio to the
trivial view is printed for both. ``--new-every N`` makes every Nth event a new dedup key (a new
incident, which pages); ``--new-every 1`` is the all-new-keys storm (storm grouping is off for
the bench integration, so every event really opens an incident).

It makes its own scratch database (``BENCH_DATABASE``, default ``foghorn_bench``, on the server of
DATABASE_URL), migrates it, creates an org, a service and an integration with no practical rate
limit, then prints events/s, p50/p99 latency and the peak RSS of each gunicorn worker, and counts
the alert rows after the run (zero lost: every 202 is a row).

Budget (DESIGN.md): durable joins ≥ 50 % of the trivial view, p99 ≤ 25 ms; every event a new
incident ≥ 400 events/s.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = os.environ.get("BENCH_DATABASE", "foghorn_bench")
TRIVIAL_PATH = "/bench/trivial"


# --- the WSGI app gunicorn serves: the project plus one trivial view ------------------------
def wsgi_app():
    """Gunicorn factory (``bench.bench_ingest:wsgi_app()``): Foghorn's own WSGI app (config.wsgi, as
    the Procfile serves it), with a trivial view added to the URLconf in this process only. The
    trivial view goes through the middleware stack as every page and API route does; ingestion
    routes skip it there (config/wsgi.py)."""
    from config import wsgi  # first: it sets Django up

    application = wsgi.application
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    import config.urls

    def trivial(request):
        return HttpResponse(b'{"status": "ok"}', content_type="application/json")

    config.urls.urlpatterns.append(path(TRIVIAL_PATH.lstrip("/"), trivial))
    clear_url_caches()
    return application


# --- set-up ---------------------------------------------------------------------------------




def django_env(database_url: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING",
               DEBUG="0", CELERY_TASK_ALWAYS_EAGER="0", PYTHONUNBUFFERED="1")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
    return env


def prepare(env: dict) -> str:
    """Migrate and seed in a child process (this one stays free of Django); return the routing key.
    Each dedup key's incident is opened here, so the timed run measures the steady state of an
    alert storm (events joining open incidents); ``--keys`` sets how many."""
    code = """
from django.core.management import call_command
call_command("migrate", verbosity=0)
import os
if os.environ.get("BENCH_WITHOUT_CONSTRAINTS"):
    # For measuring what the foreign-key constraints of the alert and timeline tables cost.
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' AND "
                       "conrelid::regclass::text IN ('ingestion_alert', 'incidents_timelineevent') AND "
                       "conname NOT LIKE '%%integration%%' AND conname NOT LIKE '%%actor%%' AND "
                       "conname NOT LIKE '%%suppressed%%'")
        for table, name in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
from tenancy import services as tenancy_services
from incidents.models import Service
from incidents.ingestion import services
org = tenancy_services.organization_create(name="Bench", slug="bench")
service = Service.objects.create(organization=org, name="API")
_integration, key = services.integration_create(organization=org, name="bench", kind="pagerduty_v2",
    service=service, rate_limit_per_minute=100_000_000, rate_limit_burst=100_000_000,
    storm_threshold_per_minute=0)
from incidents.ingestion.events import NormalizedEvent
for number in range(int(__import__("os").environ["BENCH_KEYS"])):
    services.alert_ingest(integration=_integration, event=NormalizedEvent(
        action="trigger", dedup_key=f"bench-{number}", summary=f"Bench alert {number}", source="bench",
        severity="error"))
print(key)
"""
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup()\n{code}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"set-up failed:\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def count_rows(env: dict) -> dict:
    code = """
import json
from incidents.ingestion.models import Alert
from incidents.models import Incident
print(json.dumps({"alerts": Alert.objects.count(), "incidents": Incident.objects.count()}))
"""
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup()\n{code}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])




# --- gunicorn and its workers' memory -------------------------------------------------------
class Gunicorn:
    def __init__(self, env: dict, port: int, workers: int = 2, threads: int = 1):
        self.port, self.workers = port, workers
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "bench.bench_ingest:wsgi_app()", "--workers", str(workers),
             "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--backlog", "2048", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True)
        self.peak_rss: dict[int, int] = {}
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def wait_ready(self, timeout: float = 30) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{TRIVIAL_PATH}", timeout=1):
                    if len(self.worker_pids()) >= self.workers:
                        self._sampler.start()
                        return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit("gunicorn exited") from None
            time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for pid in self.worker_pids():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"VmHWM:\s+(\d+) kB", status)
                if match:
                    self.peak_rss[pid] = max(self.peak_rss.get(pid, 0), int(match.group(1)))

    def stop(self) -> None:
        self._stop.set()
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


# --- load generators ------------------------------------------------------------------------
WRK_SCRIPT = """
local counter = 0
local key = os.getenv("BENCH_ROUTING_KEY")
local keys = tonumber(os.getenv("BENCH_KEYS"))
local new_every = tonumber(os.getenv("BENCH_NEW_EVERY") or "0")
local run = tostring(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local dedup = string.format("bench-%d", counter % keys)
  if new_every > 0 and counter % new_every == 0 then dedup = string.format("new-%s-%d", run, counter) end
  local body = string.format('{"routing_key":"%s","event_action":"trigger","dedup_key":"%s",' ..
    '"payload":{"summary":"Bench alert %s","source":"bench","severity":"error"}}', key, dedup, dedup)
  return wrk.format(nil, nil, nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH_JSON {\\"requests\\": %d, \\"errors\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d, " ..
    "\\"duration_us\\": %d, \\"accepted\\": %d}\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, latency:percentile(50), latency:percentile(99), summary.duration,
    summary.requests - summary.errors.status))
end
"""


def run_wrk(url: str, *, script: str | None, duration: int, connections: int, env: dict) -> dict:
    args = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script or WRK_SCRIPT.replace('wrk.method = "POST"', 'wrk.method = "GET"').replace(
            "return wrk.format(nil, nil, nil, body)", "return wrk.format(nil, nil, nil, nil)"))
    result = subprocess.run([*args, "-s", handle.name, url], capture_output=True, text=True, env=env, check=True)
    Path(handle.name).unlink()
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON"))
    data = json.loads(line.removeprefix("BENCH_JSON "))
    # "accepted": completed responses that were 2xx (wrk counts other statuses in errors.status).
    return {"rate": data["requests"] / (data["duration_us"] / 1e6), "p50_ms": data["p50_us"] / 1000,
            "p99_ms": data["p99_us"] / 1000, "requests": data["requests"], "errors": data["errors"],
            "accepted": data["accepted"]}


def run_python(url: str, *, body_for, duration: int, connections: int) -> dict:
    """The fallback generator when wrk is absent: ``connections`` asyncio loops writing prebuilt
    HTTP/1.1 requests on raw sockets (a connection each, as gunicorn's sync workers close them),
    so the generator spends as little of the two cores as Python can. It still spends more than
    wrk: both rates come out lower, read their ratio."""
    parsed = urlsplit(url)
    host, port, target = parsed.hostname, parsed.port, parsed.path

    def request(body: bytes | None) -> bytes:
        if body is None:
            return f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        return (f"POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body

    latencies: list[float] = []
    counts = {"accepted": 0, "errors": 0}

    async def worker(stop_at, counter):
        while time.monotonic() < stop_at:
            counter[0] += 1
            body = body_for(counter[0])
            payload = request(body.encode() if body is not None else None)
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(payload)
                answer = await asyncio.wait_for(reader.read(), timeout=5)
                writer.close()
            except (TimeoutError, OSError):
                counts["errors"] += 1
                continue
            latencies.append(time.perf_counter() - started)
            status = answer[9:12]
            counts["accepted" if status in (b"200", b"202") else "errors"] += 1

    async def main():
        started = time.monotonic()
        counter = [0]
        await asyncio.gather(*(worker(started + duration, counter) for _ in range(connections)))
        return time.monotonic() - started

    elapsed = asyncio.run(main())
    latencies.sort()
    return {"rate": len(latencies) / elapsed, "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "requests": len(latencies),
            "errors": counts["errors"], "accepted": counts["accepted"]}


# --- the run --------------------------------------------------------------------------------
def main() -> None:
    # Here, not at the top: gunicorn imports this module as bench.bench_ingest, where it is not on the path.
    from scratch import free_port, recreate_database, scratch_database_url

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keys", type=int, default=100, help="distinct dedup keys (each opens one incident)")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the budget is for 2)")
    parser.add_argument("--threads", type=int, default=4,
                        help="gunicorn threads per worker (the Procfile's 4, gthread; 1: sync workers)")
    parser.add_argument("--new-every", type=int, default=0,
                        help="every Nth event has a new dedup key (opens an incident); 0: all join open incidents")
    parser.add_argument("--without-constraints", action="store_true",
                        help="drop the alert and timeline tables' organization/service/incident foreign keys "
                             "first (to measure what they cost)")
    options = parser.parse_args()
    use_wrk = options.generator == "wrk" or (options.generator == "auto" and shutil.which("wrk"))

    database_url = scratch_database_url(BENCH_DB)
    recreate_database(database_url)
    env = {**django_env(database_url), "BENCH_KEYS": str(options.keys), "BENCH_NEW_EVERY": str(options.new_every)}
    if options.without_constraints:
        env["BENCH_WITHOUT_CONSTRAINTS"] = "1"
    routing_key = prepare(env)
    base_env = env
    results = {}
    for mode, async_joins in (("durable", "0"), ("async", "1")):
        env = {**base_env, "INGESTION_ASYNC_COMMIT_JOINS": async_joins}
        port = free_port()
        server = Gunicorn(env, port, workers=options.workers, threads=options.threads)
        try:
            server.wait_ready()
            results[mode] = measure(options, f"http://127.0.0.1:{port}", routing_key, server, use_wrk,
                                    trivial=mode == "durable")
        finally:
            server.stop()
    rows = count_rows(base_env)
    rows["alerts"] -= options.keys  # the warm-up's
    report(options, "wrk" if use_wrk else "python (asyncio sockets)", results, rows)


def measure(options, base: str, routing_key: str, server, use_wrk: bool, *, trivial: bool) -> dict:
    """The trivial view (once) and the ingestion endpoint on one server."""
    figures = {}
    if use_wrk:
        wrk_env = {**os.environ, "BENCH_ROUTING_KEY": routing_key, "BENCH_KEYS": str(options.keys),
                   "BENCH_NEW_EVERY": str(options.new_every)}
        if trivial:
            figures["trivial"] = run_wrk(base + TRIVIAL_PATH, script=None, duration=options.duration,
                                         connections=options.connections, env=wrk_env)
            figures["rss_trivial"] = dict(server.peak_rss)
        figures["ingest"] = run_wrk(base + "/v2/enqueue", script=WRK_SCRIPT, duration=options.duration,
                                    connections=options.connections, env=wrk_env)
    else:
        def event(number):
            new = options.new_every and number % options.new_every == 0
            dedup = f"new-{time.time_ns()}-{number}" if new else f"bench-{number % options.keys}"
            return json.dumps({"routing_key": routing_key, "event_action": "trigger", "dedup_key": dedup,
                               "payload": {"summary": f"Bench alert {dedup}", "source": "bench",
                                           "severity": "error"}})

        if trivial:
            figures["trivial"] = run_python(base + TRIVIAL_PATH, body_for=lambda number: None,
                                            duration=options.duration, connections=options.connections)
            figures["rss_trivial"] = dict(server.peak_rss)
        figures["ingest"] = run_python(base + "/v2/enqueue", body_for=event, duration=options.duration,
                                       connections=options.connections)
    time.sleep(0.5)
    figures["rss_ingest"] = dict(server.peak_rss)
    return figures


def report(options, generator, results, rows) -> None:
    def rss(values):
        return ", ".join(f"{kb / 1024:.1f} MB" for kb in values.values()) or "n/a"

    trivial = results["durable"]["trivial"]
    workers = (f"{options.workers} sync workers" if options.threads == 1
               else f"{options.workers} workers x {options.threads} threads (gthread, the Procfile's)")
    print(f"generator: {generator}, {options.connections} connections, {options.duration}s per endpoint, "
          f"gunicorn {workers}, {os.cpu_count()} CPUs, PostgreSQL {BENCH_DB}, {options.keys} open incidents"
          f"{f', a new dedup key every {options.new_every} events' if options.new_every else ''}"
          f"{', WITHOUT the foreign-key constraints' if options.without_constraints else ''}; "
          f"load average: {os.getloadavg()[0]:.2f}")
    print(f"{'endpoint':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'non-2xx':>9}  peak RSS/worker")
    lines = [("trivial Django view", trivial, results["durable"]["rss_trivial"])]
    lines += [(f"POST /v2/enqueue ({mode} joins)", results[mode]["ingest"], results[mode]["rss_ingest"])
              for mode in ("durable", "async")]
    for name, figures, memory in lines:
        print(f"{name:<34}{figures['rate']:>10.0f}{figures['p50_ms']:>10.2f}{figures['p99_ms']:>10.2f}"
              f"{figures['requests']:>10}{figures['requests'] - figures['accepted']:>9}  {rss(memory)}")
    durable, asynchronous = results["durable"]["ingest"], results["async"]["ingest"]
    ratio = durable["rate"] / trivial["rate"] if trivial["rate"] else 0.0
    print(f"ingestion / trivial: durable {ratio:.0%}, async "
          f"{asynchronous['rate'] / trivial['rate'] if trivial['rate'] else 0:.0%}")
    accepted = durable["accepted"] + asynchronous["accepted"]
    lost = max(0, accepted - rows["alerts"])
    print(f"accepted (202): {accepted}, alert rows: {rows['alerts']}, incidents: {rows['incidents']}, lost: {lost}")
    if options.new_every == 1:
        verdict = durable["rate"] >= 400 and lost == 0
        print(f"budget (every event a new incident, durable: >= 400 events/s, 0 lost): "
              f"{'MET' if verdict else 'NOT MET'}")
    else:
        verdict = ratio >= 0.5 and durable["p99_ms"] <= 25 and lost == 0
        print(f"budget (durable: >= 50 % of trivial, p99 <= 25 ms, 0 lost): {'MET' if verdict else 'NOT MET'}")


if __name__ == "__main__":
    main()

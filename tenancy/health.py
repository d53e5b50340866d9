"""GET /healthz: the plan's "health checks passing" — database and broker, each checked for real, and
quickly: a hung broker is reported within about a second, never waited on.

Apps add reports of their own (``register_report``): comms says when beat's paging ticker has not
run for a while. A report is informative: it makes the status "degraded" but not the answer a 503
(a web node stays in rotation when beat is down; the alert goes to whoever reads healthz)."""

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

BROKER_CHECK_TIMEOUT = 0.5


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(url, socket_timeout=BROKER_CHECK_TIMEOUT,
                                      socket_connect_timeout=BROKER_CHECK_TIMEOUT, retry_on_timeout=False)
        try:
            client.ping()
        finally:
            client.close()
        return
    with Connection(url, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=2) as broker:
        broker.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": check_database, "broker": check_broker}
# name → function returning (ok, details); registered by apps in their ``ready``.
REPORTS: dict[str, Callable[[], tuple[bool, dict]]] = {}


def register_report(name: str, report: Callable[[], tuple[bool, dict]]) -> None:
    REPORTS[name] = report


def _reports() -> tuple[dict, list[str]]:
    bodies, warnings = {}, []
    for name, report in REPORTS.items():
        try:
            ok, details = report()
        except Exception as exc:  # a report failing is itself worth reporting, never a 500
            ok, details = False, {"error": type(exc).__name__}
        bodies[name] = details
        if not ok:
            warnings.append(name)
    return bodies, warnings


@require_GET
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # a health check reports every failure, whatever its type
            logger.warning("health check failed", extra={"check": name, "error": str(exc)})
            results[name] = f"error: {type(exc).__name__}"
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    failed = [name for name, value in results.items() if value != "ok"]
    reports, warnings = _reports() if results.get("database") == "ok" else ({}, [])
    status = "unhealthy" if not healthy else ("degraded" if warnings else "ok")
    body = {"status": status, "checks": results, "failed": failed, **reports, "warnings": warnings}
    return JsonResponse(body, status=200 if healthy else 503)

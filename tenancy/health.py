"""GET /healthz: the plan's "health checks passing" — database and broker, each checked for real."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                    connect_timeout=2) as broker:
        broker.ensure_connection(max_retries=1, timeout=2)
        if settings.CELERY_BROKER_URL.startswith("redis"):
            broker.default_channel.client.ping()


CHECKS = {"database": check_database, "broker": check_broker}


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
    body = {"status": "ok" if healthy else "unhealthy", "checks": results, "failed": failed}
    return JsonResponse(body, status=200 if healthy else 503)

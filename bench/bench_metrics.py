"""Metrics budget (issue 13): run by hand, never by CI.

    .venv/bin/python bench/bench_metrics.py [--incidents 100000] [--runs 15] [--reuse]

Makes its own scratch database (``foghorn_bench_metrics`` on the server of DATABASE_URL), migrates
it, and fills one organization with 100,000 incidents over the last year (five services, five
root-cause categories, 1 % drills, 5,000 action items, 2,000 post-mortems), then times
``GET /api/v1/orgs/<slug>/metrics/`` through Django's test client (the whole view: auth, the
org lookup, every query, JSON rendering): the default window (90 days), the whole year, and the
whole year grouped by month. Prints the median and p90 of each; the budget is ≤ 200 ms.
``--reuse`` keeps the scratch database of an earlier run (migrated forward) instead of building it again.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from scratch import recreate_database, scratch_database_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "foghorn_bench_metrics"
BUDGET_MS = 200.0


def build(count: int) -> tuple:
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from incidents.models import Incident, RootCauseCategory, Service, Severity
    from postmortems.models import ActionItem, PostMortem
    from tenancy import services as tenancy_services
    from tenancy.enums import Role

    organization = tenancy_services.organization_create(name="Bench", slug="bench")
    membership = tenancy_services.membership_create(organization=organization, email="owner@bench.test",
                                                    role=Role.OWNER)
    _token, secret = tenancy_services.api_token_create(organization=organization, user=membership.user, name="bench")
    services = [Service.objects.create(organization=organization, name=f"service-{n}") for n in range(5)]
    categories = [RootCauseCategory.objects.create(organization=organization, name=f"cause-{n}") for n in range(5)]
    severities = list(Severity.objects.filter(organization=organization).order_by("rank"))
    rng = random.Random(13)
    now = timezone.now()
    rows = []
    for number in range(1, count + 1):
        detected = now - timedelta(seconds=rng.randrange(365 * 86400))
        ack = detected + timedelta(seconds=rng.randrange(30, 1800))
        mitigated = ack + timedelta(seconds=rng.randrange(60, 3600)) if rng.random() < 0.7 else None
        resolved = (mitigated or ack) + timedelta(seconds=rng.randrange(60, 7200))
        rows.append(Incident(
            organization=organization, number=number, title=f"incident {number}", source="bench",
            severity=rng.choices(severities, weights=[2, 10, 40, 48])[0], service=rng.choice(services),
            status="resolved", detected_at=detected, acknowledged_at=ack, mitigated_at=mitigated,
            resolved_at=resolved, root_cause_category=rng.choice(categories) if rng.random() < 0.6 else None,
            impact_started_at=detected - timedelta(seconds=rng.randrange(600)) if rng.random() < 0.3 else None,
            is_drill=rng.random() < 0.01))
    Incident.objects.bulk_create(rows, batch_size=5000)
    Incident.objects.filter(organization=organization).update(created_at=F("detected_at"))
    ids = list(Incident.objects.filter(organization=organization).values_list("pk", "resolved_at"))
    sample = rng.sample(ids, 2000)
    PostMortem.objects.bulk_create([
        PostMortem(organization=organization, incident_id=pk, due_at=resolved + timedelta(hours=48),
                   root_cause_category=rng.choice(categories), status="published") for pk, resolved in sample])
    items = []
    for pk, resolved in rng.sample(ids, 5000):
        due = (resolved + timedelta(days=rng.randrange(1, 30))).date()
        done = rng.random() < 0.7
        items.append(ActionItem(organization=organization, incident_id=pk, title="item", due_date=due,
                                status="done" if done else "open",
                                done_at=resolved + timedelta(days=rng.randrange(1, 35)) if done else None))
    ActionItem.objects.bulk_create(items, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does to a table after a bulk load
    return organization, secret


def reused() -> tuple:
    """The organization an earlier run built, with a new token; VACUUM ANALYZE after the migrations."""
    from django.db import connection

    from tenancy import services as tenancy_services
    from tenancy.models import Membership, Organization

    organization = Organization.objects.get(slug="bench")
    user = Membership.objects.filter(organization=organization).first().user
    _token, secret = tenancy_services.api_token_create(organization=organization, user=user, name="bench")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return organization, secret


def timed(client, url: str, params: dict, runs: int) -> list[float]:
    figures = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        figures.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return figures


def count_times(organization, runs: int) -> list[float]:
    from incidents.models import Incident

    figures = []
    for _ in range(runs):
        started = time.perf_counter()
        Incident.objects.filter(organization=organization, is_drill=False).count()
        figures.append((time.perf_counter() - started) * 1000)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="keep the database an earlier run built")
    args = parser.parse_args()
    database_url = scratch_database_url(BENCH_DB)
    if not args.reuse:
        recreate_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.test import APIClient

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    organization, secret = reused() if args.reuse else build(args.incidents)
    print(f"built {args.incidents:,} incidents in {time.perf_counter() - started:.0f} s")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/orgs/{organization.slug}/metrics/"
    year = {"since": (timezone.now() - timedelta(days=366)).isoformat()}
    timed(client, url, {}, 2)  # warm the connection and caches
    baseline = sorted(count_times(organization, args.runs))
    print(f"baseline: SELECT count(*) of the year's incidents   median {statistics.median(baseline):7.1f} ms "
          "(how loaded the machine is)")
    worst = 0.0
    for label, params in [("default window (90 days)", {}), ("whole year", year),
                          ("whole year, group_by=month", {**year, "group_by": "month"}),
                          ("whole year, group_by=service", {**year, "group_by": "service"})]:
        figures = sorted(timed(client, url, params, args.runs))
        median = statistics.median(figures)
        p90 = figures[int(0.9 * (len(figures) - 1))]
        worst = max(worst, median)
        ratio = median / statistics.median(baseline)
        print(f"GET metrics/ {label:32s} median {median:7.1f} ms  p90 {p90:7.1f} ms  ({ratio:.1f}x the count; "
              f"budget {BUDGET_MS:.0f} ms)")
    verdict = "within" if worst <= BUDGET_MS else "OVER"
    print(f"{verdict} budget: worst median {worst:.1f} ms ({args.incidents:,} incidents; shared machine)")
    return 0 if worst <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())

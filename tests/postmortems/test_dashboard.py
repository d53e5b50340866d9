"""The console's dashboard shows the same figures the metrics API answers (one source of truth)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from postmortems import dashboard, selectors
from tenancy.models import Organization

pytestmark = pytest.mark.django_db


def test_dashboard_figures_match_the_metrics_selectors(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo = Organization.objects.get(slug="demo")
    now = timezone.now()
    context = dashboard.dashboard_context(organization=demo, user=None, now=now)
    quarter_start = datetime(now.year, 3 * ((now.month - 1) // 3) + 1, 1, tzinfo=UTC)
    quarter = selectors.metrics(organization=demo, since=quarter_start, until=now)
    p0 = next(row for row in quarter["targets"] if row["key"] == "p0_per_quarter")
    assert context["metrics"]["p0_quarter"]["count"] == p0["value"]
    last_90 = selectors.metrics(organization=demo, since=now - timedelta(days=90), until=now)
    mttd = next(row for row in last_90["targets"] if row["key"] == "mttd")
    assert context["metrics"]["mttd"]["met"] == mttd["met"]
    assert context["open_incidents"]["rows"]

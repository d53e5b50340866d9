"""Every metric on a small hand-computed data set (exact means, medians, p90 by linear interpolation
as PostgreSQL's percentile_cont), drills excluded, the monthly review, the API."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from incidents import services as incident_services
from incidents.models import RootCauseCategory, Service
from postmortems import selectors, services
from tenancy.enums import Role

pytestmark = pytest.mark.django_db
MIN = 60
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
SINCE, UNTIL = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)


def make(org, severity, service, start, *, ack, resolve, mitigate=None, impact=None, category=None, drill=False):
    """An incident through the services, each moment at its time: detected at ``start``, acknowledged
    ``ack`` seconds later, in monitoring at ``mitigate``, resolved at ``resolve``; impact began
    ``impact`` seconds before detection."""
    with time_machine.travel(start, tick=False):
        incident = incident_services.incident_create(organization=org, title="x", severity=severity,
                                                     service=service, is_drill=drill)
    with time_machine.travel(start + timedelta(seconds=ack), tick=False):
        incident = incident_services.incident_acknowledge(incident=incident)
        if mitigate:
            incident = incident_services.incident_transition(incident=incident, status="investigating")
    if mitigate:
        with time_machine.travel(start + timedelta(seconds=mitigate), tick=False):
            incident = incident_services.incident_transition(incident=incident, status="monitoring")
    with time_machine.travel(start + timedelta(seconds=resolve), tick=False):
        incident = incident_services.incident_resolve(incident=incident, override_reason="ok",
                                                      root_cause_category=category)
    if impact:
        incident = incident_services.incident_update_details(incident=incident,
                                                             impact_started_at=start - timedelta(seconds=impact))
    return incident


def item(org, incident, due: date, done_on: date | None = None, status="done"):
    with time_machine.travel(datetime(2026, 9, 30, tzinfo=UTC), tick=False):
        created = services.action_item_create(organization=org, incident=incident, title="x", due_date=due)
    if done_on is not None:
        with time_machine.travel(datetime.combine(done_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)):
            services.action_item_update(item=created, status=status)
    return created


@pytest.fixture
def history(org):
    database = Service.objects.create(organization=org, name="Database")
    api = Service.objects.create(organization=org, name="API")
    pool = RootCauseCategory.objects.create(organization=org, name="Connection pool")
    deploy = RootCauseCategory.objects.create(organization=org, name="Bad deploy")
    i1 = make(org, "P0", database, datetime(2026, 10, 5, 10, tzinfo=UTC), ack=2 * MIN, mitigate=10 * MIN,
              resolve=20 * MIN, impact=5 * MIN, category=pool)
    i2 = make(org, "P1", api, datetime(2026, 10, 10, 12, tzinfo=UTC), ack=4 * MIN, mitigate=30 * MIN,
              resolve=60 * MIN, category=deploy)
    i3 = make(org, "P1", database, datetime(2026, 11, 3, 8, tzinfo=UTC), ack=6 * MIN, resolve=90 * MIN,
              category=pool)
    i4 = make(org, "P2", api, datetime(2026, 11, 20, 9, tzinfo=UTC), ack=12 * MIN, mitigate=40 * MIN,
              resolve=120 * MIN, impact=15 * MIN)
    drill = make(org, "P0", database, datetime(2026, 11, 21, 9, tzinfo=UTC), ack=60 * MIN, resolve=300 * MIN,
                 category=pool, drill=True)
    # Post-mortem categories win over the incident's: #2 was the pool after all, #4 a bad deploy.
    services.postmortem_update(postmortem=services.postmortem_open(incident=i2), root_cause_category=pool)
    services.postmortem_update(postmortem=services.postmortem_open(incident=i4), root_cause_category=deploy)
    item(org, i1, date(2026, 10, 8), done_on=date(2026, 10, 7))  # on time
    item(org, i1, date(2026, 10, 9), done_on=date(2026, 10, 12))  # late; #1's items all done Oct 12
    item(org, i2, date(2026, 10, 20))  # still open: overdue
    item(org, i4, date(2026, 12, 5))  # due after the window
    item(org, drill, date(2026, 11, 22), done_on=date(2026, 11, 22))  # a drill's: excluded
    return {"incidents": [i1, i2, i3, i4], "drill": drill}


def figures(org, **kwargs):
    with time_machine.travel(NOW, tick=False):
        return selectors.metrics(organization=org, since=SINCE, until=UNTIL, **kwargs)


def test_every_measure_mean_median_p90(org, history):
    result = figures(org)
    overall = result["overall"]
    assert overall["count"] == 4  # the drill is not counted
    assert overall["mttd"] == {"n": 4, "mean": 360.0, "median": 300.0, "p90": pytest.approx(612.0)}
    assert overall["mttr"] == {"n": 4, "mean": 4350.0, "median": 4500.0, "p90": pytest.approx(6660.0)}
    assert overall["mtta"] == {"n": 4, "mean": 360.0, "median": 300.0, "p90": pytest.approx(612.0)}
    assert overall["mttm"] == {"n": 3, "mean": 1600.0, "median": 1800.0, "p90": pytest.approx(2280.0)}
    assert overall["impact_to_detection"] == {"n": 2, "mean": 600.0, "median": 600.0, "p90": pytest.approx(840.0)}
    assert overall["impact_to_resolution"] == {"n": 2, "mean": 4800.0, "median": 4800.0,
                                               "p90": pytest.approx(7440.0)}
    assert result["definitions"]["mttd"]["formula"] == "acknowledged_at - detected_at"
    assert result["definitions"]["mttr"]["formula"] == "resolved_at - detected_at"
    assert result["drills_excluded"] is True
    assert result["percentiles"] is True


def test_targets_counts_root_causes_and_mitigation(org, history):
    result = figures(org)
    targets = {target["key"]: target for target in result["targets"]}
    assert (targets["mttd"]["value"], targets["mttd"]["met"]) == (360.0, False)  # 6 min ≥ 5 min
    assert (targets["mttr_p0"]["value"], targets["mttr_p0"]["met"]) == (1200.0, True)  # 20 min < 30 min
    assert (targets["p0_per_quarter"]["value"], targets["p0_per_quarter"]["met"]) == (1, True)
    assert result["p0_per_quarter"] == [{"quarter": "2026-Q4", "count": 1, "target": "< 2", "met": True}]
    assert result["counts_by_month"] == [
        {"month": "2026-10", "by_severity": {"P0": 1, "P1": 1}, "total": 2},
        {"month": "2026-11", "by_severity": {"P1": 1, "P2": 1}, "total": 2}]
    assert result["top_root_causes"] == [{"category": "Connection pool", "count": 3},
                                         {"category": "Bad deploy", "count": 1}]
    mitigation = result["mitigation"]
    assert (mitigation["due"], mitigation["done_by_due"]) == (3, 1)
    assert mitigation["share_done_by_due"] == pytest.approx(1 / 3)
    # #3 hit the database's connection pool again after #1's items were all done.
    assert (mitigation["repeat_incidents"], mitigation["repeat_incident_numbers"]) == (1, [3])


def test_grouped_by_severity_service_month_and_quarter(org, history):
    by_severity = {group["key"]: group for group in figures(org, group_by="severity")["groups"]}
    assert list(by_severity) == ["P0", "P1", "P2"]
    assert by_severity["P1"]["count"] == 2
    assert by_severity["P1"]["mttd"] == {"n": 2, "mean": 300.0, "median": 300.0, "p90": pytest.approx(348.0)}
    assert by_severity["P0"]["mttr"]["mean"] == 1200.0
    by_service = {group["key"]: group["mttr"]["mean"] for group in figures(org, group_by="service")["groups"]}
    assert by_service == {"API": 5400.0, "Database": 3300.0}
    by_month = {group["key"]: (group["count"], group["mttr"]["median"])
                for group in figures(org, group_by="month")["groups"]}
    assert by_month == {"2026-10": (2, 2400.0), "2026-11": (2, 6300.0)}
    assert [(g["key"], g["count"]) for g in figures(org, group_by="quarter")["groups"]] == [("2026-Q4", 4)]


def test_monthly_review_as_data_and_markdown(org, history, member_of):
    with time_machine.travel(NOW, tick=False):
        review = selectors.monthly_review(organization=org, month="2026-11")
    assert (review["total"], review["previous_total"], review["trend"]) == (2, 2, "flat")
    assert review["incident_count_by_severity"] == [
        {"severity": "P0", "count": 0}, {"severity": "P1", "count": 1}, {"severity": "P2", "count": 1},
        {"severity": "P3", "count": 0}]
    assert review["top_root_causes"] == [{"category": "Bad deploy", "count": 1},
                                         {"category": "Connection pool", "count": 1}]
    assert review["mitigation"]["repeat_incident_numbers"] == [3]
    assert review["overdue_action_items"] == 1
    _member, client = member_of(Role.VIEWER)
    url = f"/api/v1/orgs/{org.slug}/metrics/monthly-review/"
    with time_machine.travel(NOW, tick=False):
        assert client.get(url, {"month": "2026-11"}).json()["total"] == 2
        response = client.get(url, {"month": "2026-11", "format": "md"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    text = response.content.decode()
    assert "- P1: 1\n" in text
    assert "- Total: 2 (previous month 2, trend flat)" in text
    assert "- Repeat incidents after the previous one's items were done: 1" in text
    assert client.get(url, {"month": "2026-13"}).json()["errors"].keys() == {"month"}


@pytest.mark.parametrize("role", [Role.VIEWER, Role.RESPONDER, Role.ADMIN])
def test_metrics_api_reads_for_every_member(org, history, member_of, role):
    _member, client = member_of(role)
    url = f"/api/v1/orgs/{org.slug}/metrics/"
    response = client.get(url, {"since": SINCE.isoformat(), "until": UNTIL.isoformat(), "group_by": "severity"})
    assert response.status_code == 200
    assert response.json()["overall"]["mttr"]["mean"] == 4350.0
    assert client.get(url, {"group_by": "team"}).json()["errors"].keys() == {"group_by"}
    bad = client.get(url, {"since": UNTIL.isoformat(), "until": SINCE.isoformat()})
    assert bad.status_code == 400
    assert "since" in bad.json()["errors"]


def test_months_follow_the_organization_time_zone(org):
    """An incident at 02:00 UTC on 1 November is 31 October's in New York, and counted there."""
    org.time_zone = "America/New_York"
    org.save(update_fields=["time_zone"])
    make(org, "P2", None, datetime(2026, 11, 1, 2, tzinfo=UTC), ack=MIN, resolve=10 * MIN)
    make(org, "P2", None, datetime(2026, 11, 1, 6, tzinfo=UTC), ack=MIN, resolve=10 * MIN)
    result = figures(org, group_by="month")
    assert [(row["month"], row["total"]) for row in result["counts_by_month"]] == [
        ("2026-09", 0), ("2026-10", 1), ("2026-11", 1)]  # since/until are UTC midnights: 20:00 local
    assert [(group["key"], group["count"]) for group in result["groups"]] == [("2026-10", 1), ("2026-11", 1)]


def test_the_query_count_does_not_grow_with_the_data(org, history, django_assert_max_num_queries):
    """The figures come from a fixed set of aggregate queries, however many incidents, items and
    repeats there are (no query per incident, per pair or per month)."""
    with django_assert_max_num_queries(12) as few:
        figures(org, group_by="service")
    database = Service.objects.get(organization=org, name="Database")
    pool = RootCauseCategory.objects.get(organization=org, name="Connection pool")
    for day in range(10):
        repeat = make(org, "P1", database, datetime(2026, 11, 10 + day, 8, tzinfo=UTC), ack=MIN, resolve=9 * MIN,
                      category=pool)
        item(org, repeat, date(2026, 11, 25), done_on=date(2026, 11, 24))
    with django_assert_max_num_queries(len(few.captured_queries)):
        result = figures(org, group_by="service")
    assert result["overall"]["count"] == 14
    assert result["mitigation"]["repeat_incidents"] == 11  # #3 and the ten new ones


def test_the_monthly_review_is_the_organizations_month(org):
    org.time_zone = "America/New_York"
    org.save(update_fields=["time_zone"])
    make(org, "P2", None, datetime(2026, 11, 1, 2, tzinfo=UTC), ack=MIN, resolve=10 * MIN)  # Oct 31, 22:00 local
    make(org, "P1", None, datetime(2026, 11, 30, 23, tzinfo=UTC), ack=MIN, resolve=10 * MIN)  # Nov 30, 18:00 local
    with time_machine.travel(NOW, tick=False):
        review = selectors.monthly_review(organization=org, month="2026-11")
    assert (review["total"], review["previous_total"]) == (1, 1)
    assert {row["severity"]: row["count"] for row in review["incident_count_by_severity"]}["P1"] == 1

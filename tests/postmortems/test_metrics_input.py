"""Edge dates on the metrics routes are a 400 naming the field, never a 500."""

import pytest

from tenancy.enums import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("path", "field"), [
    ("metrics/monthly-review/?month=9999-12", "month"),
    ("metrics/monthly-review/?month=0001-01", "month"),
    ("metrics/?until=0001-01-15T00:00:00Z", "until"),
])
def test_edge_dates_are_a_400_naming_the_field(org, member_of, path, field):
    _member, client = member_of(Role.VIEWER)
    answer = client.get(f"/api/v1/orgs/{org.slug}/{path}")
    assert answer.status_code == 400
    assert field in answer.json()["errors"]


@pytest.mark.parametrize(("zone", "path", "field"), [
    ("Asia/Tokyo", "metrics/monthly-review/?month=0001-02", "month"),  # its previous month starts before year 1 UTC
    ("America/New_York", "metrics/?since=0001-01-01T00:00:00Z&until=0001-03-01T00:00:00Z", "since"),
    ("Asia/Tokyo", "metrics/?since=9999-11-01T00:00:00Z&until=9999-12-31T23:00:00Z", "until"),
])
def test_edge_dates_in_the_organizations_time_zone_are_a_400(org, member_of, zone, path, field):
    org.time_zone = zone
    org.save(update_fields=["time_zone"])
    _member, client = member_of(Role.VIEWER)
    answer = client.get(f"/api/v1/orgs/{org.slug}/{path}")
    assert answer.status_code == 400
    assert field in answer.json()["errors"]

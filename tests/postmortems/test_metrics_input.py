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

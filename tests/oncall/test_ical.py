"""The secret iCal feeds: parsed back with ``icalendar``; stable UIDs; revocable; hashed."""

from datetime import UTC, datetime

import icalendar
import pytest
import time_machine

from oncall import services
from oncall.models import ICalFeed
from tenancy.enums import Role
from tenancy.models import Membership
from tests.oncall.factories import weekly_layer

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 1, 15, 12, tzinfo=UTC)


def events(client, url):
    response = client.get(url.removeprefix("http://localhost:8000"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return [c for c in icalendar.Calendar.from_ical(response.content).walk() if c.name == "VEVENT"]


@time_machine.travel(NOW, tick=False)
def test_schedule_feed_round_trips_and_keeps_uids(org, people, member_of, make_schedule):
    schedule = make_schedule([weekly_layer(people[:2])], name="Primary")
    services.override_create(schedule=schedule, user=people[2], start=datetime(2025, 1, 21, tzinfo=UTC),
                             end=datetime(2025, 1, 22, tzinfo=UTC))
    _membership, client = member_of(Role.VIEWER)
    created = client.post(f"/api/v1/orgs/{org.slug}/schedules/{schedule.pk}/ical-feed/")
    assert created.status_code == 201
    url = created.json()["url"]
    assert created.json()["token"] in url
    assert not ICalFeed.objects.filter(token_hash=created.json()["token"]).exists()  # only the hash is kept

    first = events(client, url)
    assert {str(e["summary"]) for e in first} == {"On call: Primary"}
    starts = sorted(e.decoded("dtstart") for e in first)
    assert datetime(2025, 1, 13, 9, tzinfo=UTC) in starts
    assert datetime(2025, 1, 21, tzinfo=UTC) in starts  # the override is in the feed
    override = next(e for e in first if e.decoded("dtstart") == datetime(2025, 1, 21, tzinfo=UTC))
    assert override.decoded("dtend") == datetime(2025, 1, 22, tzinfo=UTC)
    assert people[2].email in str(override["attendee"])
    assert [str(e["uid"]) for e in events(client, url)] == [str(e["uid"]) for e in first]

    rotated = client.post(f"/api/v1/orgs/{org.slug}/schedules/{schedule.pk}/ical-feed/").json()["url"]
    assert client.get(url.removeprefix("http://localhost:8000")).status_code == 404
    assert {str(e["uid"]) for e in events(client, rotated)} == {str(e["uid"]) for e in first}
    assert client.delete(f"/api/v1/orgs/{org.slug}/schedules/{schedule.pk}/ical-feed/").status_code == 204
    assert client.get(rotated.removeprefix("http://localhost:8000")).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_personal_feed_has_only_my_shifts_on_every_schedule(org, people, api_client_for, make_schedule):
    make_schedule([weekly_layer(people[:2])], name="Primary")
    make_schedule([weekly_layer(people[1:3])], name="Secondary")
    client = api_client_for(Membership.objects.get(organization=org, user=people[1]))
    url = client.post(f"/api/v1/orgs/{org.slug}/ical-feed/").json()["url"]
    found = events(client, url)
    assert found
    assert all(people[1].email in str(e["attendee"]) for e in found)
    assert {str(e["summary"]) for e in found} == {"On call: Primary", "On call: Secondary"}
    assert client.delete(f"/api/v1/orgs/{org.slug}/ical-feed/").status_code == 204
    assert client.get(url.removeprefix("http://localhost:8000")).status_code == 404


def test_unknown_token_is_a_404(client):
    assert client.get("/ical/ical_nope.ics").status_code == 404

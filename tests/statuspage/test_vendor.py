"""The vendor status watch against a real HTTP feed: Foghorn's own status page of another org, served by
the live server (loopback is allowed in tests; the refusal tests turn that off)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comms.statuspage.models import VendorFeed
from comms.statuspage.services import vendor
from incidents import services as incident_services
from incidents.enums import TimelineKind
from incidents.ingestion.models import Alert
from incidents.models import Incident
from tenancy.enums import Role
from tenancy.errors import ApplicationError
from tests.statuspage import factories


@pytest.fixture
def watched(make_org, live_server):
    """Org "vendor" runs a status page with an open P1; our org's API depends on it and has an open incident."""
    vendor_org, ours = make_org(), make_org()
    vendor_api = factories.service(vendor_org, "Vendor API")
    factories.enabled_page(vendor_org, title="Acme Cloud")
    factories.component(vendor_org, "Compute", [vendor_api])
    outage = factories.incident(vendor_org, vendor_api, severity="P1")
    factories.public_update(outage, title="Compute degraded in eu-west", body="We are investigating.")
    api = factories.service(ours, "API")
    ours_open = factories.incident(ours, api, severity="P2", title="Checkout errors")
    url = f"{live_server.url}/status/{vendor_org.slug}/api/v2/summary.json"
    feed = vendor.vendor_feed_create(organization=ours, name="Acme Cloud", url=url, services=[api], raise_alert=True)
    return {"ours": ours, "api": api, "incident": ours_open, "feed": feed, "outage": outage}


def vendor_notes(incident):
    return list(incident.timeline.filter(kind=TimelineKind.SYSTEM, payload__vendor_feed_id__isnull=False)
                .values_list("payload__text", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_vendor_incident_reaches_the_timeline_and_raises_an_alert(watched):
    feed = watched["feed"]
    assert vendor.vendor_feed_poll(feed_id=feed.pk) == "ok"
    feed.refresh_from_db()
    assert (feed.indicator, feed.description) == ("major", "Partial System Outage")
    assert feed.vendor_components == [{"id": feed.vendor_components[0]["id"], "name": "Compute",
                                       "status": "partial_outage"}]
    assert feed.etag
    [note] = vendor_notes(watched["incident"])
    assert "Acme Cloud reports an incident: Compute degraded in eu-west" in note
    [alert] = Alert.objects.filter(organization=watched["ours"], integration__kind="vendor")
    assert alert.status == "firing"
    assert alert.dedup_key.startswith(f"vendor:{feed.public_id}:")
    raised = Incident.objects.get(pk=alert.incident_id)
    assert raised.service == watched["api"]
    assert raised.source == "vendor"

    # Nothing new: the ETag answers 304 and nothing is written twice.
    assert vendor.vendor_feed_poll(feed_id=feed.pk) == "unchanged"
    assert len(vendor_notes(watched["incident"])) == 1
    assert Alert.objects.filter(organization=watched["ours"]).count() == 1

    # The vendor resolves: the note says so and the alert resolves.
    incident_services.incident_resolve(incident=watched["outage"], override_reason="fixed")
    assert vendor.vendor_feed_poll(feed_id=feed.pk) == "ok"
    assert "resolved its incident" in vendor_notes(watched["incident"])[-1]
    alert.refresh_from_db()
    assert alert.status == "resolved"


@pytest.mark.django_db(transaction=True)
def test_the_incident_api_shows_the_vendors_status(watched, make_member, api_client_for):
    vendor.vendor_feed_poll(feed_id=watched["feed"].pk)
    client = api_client_for(make_member(watched["ours"], Role.VIEWER))
    response = client.get(f"/api/v1/orgs/{watched['ours'].slug}/incidents/{watched['incident'].number}/vendor-status/")
    assert response.status_code == 200
    [status] = response.json()
    assert (status["name"], status["indicator"]) == ("Acme Cloud", "major")
    assert status["vendor_incidents"][0]["name"] == "Compute degraded in eu-west"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/api/v2/summary.json", "http://169.254.169.254/latest/",
                                 "http://[::1]/x", "http://10.0.0.5/summary.json", "ftp://example.com/x",
                                 "http://localhost/x"])
def test_private_urls_are_refused(org, settings, url, member_of):
    settings.FOGHORN_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ApplicationError) as refused:
        vendor.vendor_feed_create(organization=org, name="x", url=url)
    assert "url" in refused.value.errors
    _membership, client = member_of(Role.ADMIN)
    response = client.post(f"/api/v1/orgs/{org.slug}/vendor-feeds/", {"name": "x", "url": url}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()["errors"]


@pytest.mark.django_db
def test_a_poll_rechecks_the_url_and_backs_off_on_errors(org, settings):
    feed = vendor.vendor_feed_create(organization=org, name="Gone", url="http://127.0.0.1:9/api/v2/summary.json")
    before = timezone.now()
    assert vendor.vendor_feed_poll(feed_id=feed.pk) == "error"  # nothing listens on port 9
    feed.refresh_from_db()
    assert feed.failures == 1
    assert feed.last_error
    assert feed.next_poll_at >= before + timedelta(seconds=2 * settings.STATUSPAGE_VENDOR_POLL_SECONDS)
    settings.FOGHORN_ALLOW_PRIVATE_URLS = False
    assert vendor.vendor_feed_poll(feed_id=feed.pk) == "error"
    feed.refresh_from_db()
    assert feed.failures == 2
    assert feed.last_error.startswith("Refused")
    assert feed.next_poll_at >= before + timedelta(seconds=4 * settings.STATUSPAGE_VENDOR_POLL_SECONDS)


@pytest.mark.django_db
def test_the_ticker_hands_due_feeds_to_their_poll_once(org):
    feed = vendor.vendor_feed_create(organization=org, name="Gone", url="http://127.0.0.1:9/api/v2/summary.json")
    assert vendor.vendor_feeds_tick() == 1  # eager in tests: polled (and failed) at once
    assert VendorFeed.objects.get(pk=feed.pk).failures == 1
    assert vendor.vendor_feeds_tick() == 0  # backed off

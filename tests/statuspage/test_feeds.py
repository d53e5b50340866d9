"""history.atom / history.rss read by a real feed parser (feedparser), with the updates in the entries."""

from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from comms.statuspage.services import maintenance
from tests.statuspage import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(status_setup):
    org = status_setup["org"]
    incident = factories.incident(org, status_setup["api"], severity="P1")
    factories.public_update(incident, status="investigating", title="Slow website", body="FIRST-WORDS about it")
    factories.public_update(incident, status="fixing", title="Slow website", body="SECOND-WORDS: a fix is rolling")
    start = timezone.now() + timedelta(days=2)
    maintenance.maintenance_create(organization=org, title="Network upgrade", scheduled_for=start,
                                   scheduled_until=start + timedelta(hours=1), body="MAINTENANCE-WORDS")
    return status_setup


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_feed_is_valid_and_carries_every_update(history, client, kind):
    response = client.get(f"/status/{history['org'].slug}/history.{kind}")
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if kind == "atom" else "rss20")
    assert parsed.feed.title == "Acme status history"
    titles = [entry.title for entry in parsed.entries]
    assert titles == ["Slow website", "Maintenance: Network upgrade"]
    incident = parsed.entries[0]
    text = incident.get("summary", "") + "".join(c.value for c in incident.get("content", []))
    assert "FIRST-WORDS" in text
    assert "SECOND-WORDS" in text
    assert text.index("SECOND-WORDS") < text.index("FIRST-WORDS")  # newest first
    assert "MAINTENANCE-WORDS" in parsed.entries[1].summary
    assert incident.id != parsed.entries[1].id
    assert incident.link.endswith(f"/status/{history['org'].slug}/#incident-{incident.link.rsplit('-', 1)[1]}")


def test_feed_answers_conditional_gets(history, client):
    url = f"/status/{history['org'].slug}/history.atom"
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    incident = factories.incident(history["org"], history["database"], severity="P2")
    factories.public_update(incident, title="Slow reports", body="THIRD-WORDS")
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Slow reports" in [entry.title for entry in feedparser.parse(again.content).entries]

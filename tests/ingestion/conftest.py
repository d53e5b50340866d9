import json
from pathlib import Path

import pytest
from django.test import Client

from incidents.ingestion import ratelimit, selectors, sns
from tests.incidents.factories import ServiceFactory
from tests.ingestion.factories import make_integration

# Verbatim copies of shared/fixtures (real captured requests), kept with the tests so a clone runs anywhere.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def _fresh_ingestion_state():
    """Each test starts with an empty integration cache, certificate cache and rate-limit buckets."""
    selectors.integration_cache_clear()
    sns.clear_certificate_cache()
    ratelimit.leases_clear()
    connection = ratelimit.client()
    if connection is not None:
        for key in connection.scan_iter("foghorn:ingest:*"):
            connection.delete(key)
    yield
    selectors.integration_cache_clear()


@pytest.fixture
def service(org):
    return ServiceFactory(organization=org, name="API")


@pytest.fixture
def integration_of(org, service):
    """integration_of(kind, **options) -> (integration, routing_key) on ``service``."""

    def make(kind="pagerduty_v2", **options):
        return make_integration(org, kind=kind, service=service, **options)

    return make


@pytest.fixture
def http():
    """A session-less client, as a monitor is: post(url, body, **headers) sends JSON."""
    client = Client(enforce_csrf_checks=True)

    def post(url, body, content_type="application/json", **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return client.post(url, data=data, content_type=content_type, **headers)

    client.post_json = post
    return client


def integration_url(kind: str, routing_key: str) -> str:
    return f"/integrations/v1/{kind}/{routing_key}/"

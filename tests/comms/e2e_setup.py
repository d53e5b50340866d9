"""Shared set-up of the paging end-to-end tests (tests/e2e/test_paging*.py) and the benchmark."""

import re
import time
from dataclasses import dataclass

import redis
import requests

from comms.models import EscalationRun, Notification
from incidents.models import Incident, Service
from tenancy import services as tenancy_services
from tenancy.enums import Role
from tests.comms import factories

# One policy "minute" lasts this many seconds in the worker (COMMS_SECONDS_PER_DELAY_MINUTE).
SECONDS_PER_MINUTE = 4


@dataclass
class World:
    org: object
    alice: object
    bob: object
    service: object
    token: str
    base_url: str

    def trigger(self, title: str = "API is down", severity: str = "P1") -> int:
        response = requests.post(f"{self.base_url}/api/v1/orgs/{self.org.slug}/incidents/",
                                 json={"title": title, "severity": severity, "service": self.service.pk},
                                 headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()["number"]

    def incident(self, number: int) -> Incident:
        return Incident.objects.get(organization=self.org, number=number)

    def run(self, number: int, timeout: float = 30) -> EscalationRun:
        return wait(lambda: EscalationRun.objects.filter(incident=self.incident(number)).first(), timeout,
                    "no escalation run")

    def notifications(self, number: int):
        return Notification.objects.filter(incident=self.incident(number))


def wait(predicate, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not true after {timeout}s")


def build_world(base_url: str, receiver, *, repeat_count: int = 1, step_delay: int = 1) -> World:
    """Alice (step 1, chat + email at once), Bob (step 2 after ``step_delay`` policy-minutes: chat at once,
    a webhook 2 policy-minutes later), #incidents for P0/P1, and a token for Alice."""
    org = tenancy_services.organization_create(name="Paging Co", slug="paging-co")
    alice = tenancy_services.membership_create(organization=org, email="alice@paging.test", name="Alice",
                                               role=Role.RESPONDER).user
    bob = tenancy_services.membership_create(organization=org, email="bob@paging.test", name="Bob",
                                             role=Role.RESPONDER).user
    factories.chat_method(org, alice, receiver.url("/alice"))
    factories.chain(org, alice, ("chat", 0), ("email", 0))
    factories.chat_method(org, bob, receiver.url("/bob"))
    from comms.services import contacts

    contacts.contact_method_create(organization=org, user=bob, kind="webhook", value=receiver.url("/hook/bob"))
    factories.chain(org, bob, ("chat", 0), ("webhook", 2))
    policy = factories.policy(org, ([alice], step_delay), ([bob], step_delay), repeat_count=repeat_count)
    service = Service.objects.create(organization=org, name="API", escalation_policy=policy)
    factories.destination(org, receiver.url("/incidents"))
    _token, secret = tenancy_services.api_token_create(organization=org, user=alice, name="e2e")
    return World(org=org, alice=alice, bob=bob, service=service, token=secret, base_url=base_url)


def ack_url_in(received) -> str:
    return re.search(r"https?://[^\s\"'<>]+/ack/[^\s\"'<>]+/", received.body.decode()).group(0)


def kill_broker_connections(redis_url: str) -> int:
    """Drop every client connection on our Redis database (a broker restart as clients see it), and
    flush the database (queued and unacknowledged messages are gone). Other databases are untouched."""
    client = redis.Redis.from_url(redis_url)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    me = client.client_id()
    killed = 0
    for entry in client.client_list():
        if int(entry.get("db", -1)) == db and int(entry["id"]) != me:
            killed += bool(client.client_kill_filter(_id=entry["id"]))
    client.flushdb()
    client.close()
    return killed

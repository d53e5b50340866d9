import pytest

from incidents.models import Service
from tenancy.enums import Role
from tests.comms import factories
from tests.comms.receiver import HttpReceiver


@pytest.fixture
def receiver():
    """A local HTTP server recording every POST (chat, webhooks, Twilio)."""
    server = HttpReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def paging_setup(org, make_member, receiver):
    """Alice (step 1) and Bob (step 2), both on chat only, a service with the policy, #incidents for P0/P1."""
    alice = make_member(org, Role.RESPONDER, name="Alice").user
    bob = make_member(org, Role.RESPONDER, name="Bob").user
    for user, path in ((alice, "/alice"), (bob, "/bob")):
        factories.chat_method(org, user, receiver.url(path))
        factories.chain(org, user, ("chat", 0), urgency="high")
        factories.chain(org, user, ("chat", 0), urgency="low")
    policy = factories.policy(org, ([alice], 5), ([bob], 5))
    service = Service.objects.create(organization=org, name="API", escalation_policy=policy)
    factories.destination(org, receiver.url("/incidents"))
    return {"org": org, "alice": alice, "bob": bob, "policy": policy, "service": service, "receiver": receiver}

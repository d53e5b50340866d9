"""Ingestion as gunicorn serves it: chunked bodies, and a Redis that hangs (SIGSTOP) under it.

Issue 10: a valid body sent with ``Transfer-Encoding: chunked`` was refused as "not JSON"; with
Redis stopped by SIGSTOP every ingestion request waited as long as Redis hung, although the
alert was already committed."""

import http.client
import json
import time

import pytest

from incidents.ingestion.models import Alert
from incidents.models import Incident
from tests.incidents.factories import ServiceFactory
from tests.ingestion.factories import make_integration
from tests.ingestion.servers import start_gunicorn, start_redis
from tests.tenancy.factories import OrganizationFactory


@pytest.fixture
def own_redis(tmp_path):
    redis = start_redis(tmp_path)
    yield redis
    redis.stop()


@pytest.fixture
def served(transactional_db, tmp_path, own_redis):
    started = []

    def start(app="config.wsgi:application", name="gunicorn"):
        server = start_gunicorn(tmp_path, app=app, redis_url=own_redis.url, name=name)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def post(server, path: str, body: dict, *, chunked: bool = False, timeout: float = 60) -> tuple[int, dict, float]:
    data = json.dumps(body).encode()
    client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    started = time.monotonic()
    if chunked:
        client.request("POST", path, body=iter([data[:10], data[10:]]), encode_chunked=True,
                       headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    else:
        client.request("POST", path, body=data, headers={"Content-Type": "application/json"})
    response = client.getresponse()
    answer = json.loads(response.read() or b"{}")
    client.close()
    return response.status, answer, time.monotonic() - started


def trigger(key: str, dedup_key: str) -> dict:
    return {"routing_key": key, "event_action": "trigger", "dedup_key": dedup_key,
            "payload": {"summary": f"Disk full {dedup_key}", "source": "db-1", "severity": "error"}}


def integration(kind="pagerduty_v2"):
    organization = OrganizationFactory()
    return make_integration(organization, kind=kind, service=ServiceFactory(organization=organization))


@pytest.mark.parametrize("app", ["config.wsgi:application", "config.wsgi:django_application"])
def test_a_chunked_body_is_accepted_on_the_short_path_and_the_full_stack(served, app):
    _integration, key = integration()
    _webhook, webhook_key = integration("webhook")
    server = served(app)
    status, answer, _elapsed = post(server, "/v2/enqueue", trigger(key, "chunked"), chunked=True)
    assert (status, answer.get("dedup_key")) == (202, "chunked"), answer
    status, answer, _elapsed = post(server, f"/integrations/v1/webhook/{webhook_key}/",
                                    {"title": "Queue backlog", "dedup_key": "q"}, chunked=True)
    assert status == 202, answer
    assert sorted(Alert.objects.values_list("dedup_key", flat=True)) == ["chunked", "q"]


def test_a_hung_redis_never_holds_the_answer_and_the_alerts_are_committed(served, own_redis):
    _integration, key = integration()
    server = served()
    assert post(server, "/v2/enqueue", trigger(key, "warm-up"))[0] == 202  # connections to Redis made
    own_redis.pause()  # SIGSTOP: Redis accepts nothing and answers nothing
    try:
        answers = [post(server, "/v2/enqueue", trigger(key, f"hung-{n % 3}"), timeout=15) for n in range(9)]
    finally:
        own_redis.resume()
    assert [status for status, _answer, _elapsed in answers] == [202] * 9
    slowest = max(elapsed for _status, _answer, elapsed in answers)
    assert slowest < 2.0, [round(elapsed, 3) for *_rest, elapsed in answers]
    assert sum(elapsed for *_rest, elapsed in answers) < 4.0
    assert Alert.objects.filter(dedup_key__startswith="hung-").count() == 9
    assert Incident.objects.count() == 4
    assert "rate limiter unavailable" in server.logs()

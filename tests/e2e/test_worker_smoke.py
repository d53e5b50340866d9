import pytest

pytestmark = pytest.mark.e2e


def test_a_real_worker_answers_over_redis(start_worker, real_broker):
    worker = start_worker()
    replies = real_broker.control.ping(timeout=5)
    assert any(name.startswith("worker0@") for reply in replies for name in reply), worker.logs()


def test_the_live_server_is_healthy(live_server, start_worker):
    import requests

    start_worker()
    response = requests.get(f"{live_server.url}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}

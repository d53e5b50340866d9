"""End to end with Debian's real Prometheus Alertmanager (package prometheus-alertmanager, which
``.ci/run`` installs): it posts to a live Foghorn with basic auth; ``amtool`` fires and ends the alert.
Nothing is installed at run time. Where the binaries are missing the test skips, except in CI
(CI=true), where it fails."""

import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest

from incidents.enums import IncidentStatus
from incidents.ingestion.models import Alert
from incidents.models import Incident
from tests.conftest import IN_CI
from tests.incidents.factories import ServiceFactory
from tests.ingestion.factories import make_integration
from tests.tenancy.factories import OrganizationFactory

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
AMTOOL = shutil.which("amtool")

CONFIG = """
route:
  receiver: foghorn
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: foghorn
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          basic_auth:
            username: am
            password: s3cret
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=45.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def alertmanager_binaries():
    if not (ALERTMANAGER and AMTOOL):
        message = "prometheus-alertmanager / amtool are not installed (apt-get install prometheus-alertmanager)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return ALERTMANAGER, AMTOOL


@pytest.fixture
def start_alertmanager(alertmanager_binaries, tmp_path):
    processes = []

    def start(webhook_url: str) -> str:
        port = free_port()
        config = tmp_path / "alertmanager.yml"
        config.write_text(CONFIG.format(url=webhook_url))
        log = (tmp_path / "alertmanager.log").open("wb")
        process = subprocess.Popen(
            [alertmanager_binaries[0], f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=debug"],
            stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"

        def ready():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
            except OSError:
                assert process.poll() is None, (tmp_path / "alertmanager.log").read_text()
                return False

        wait_for(ready, 20, "Alertmanager to listen")
        return url

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def amtool(url: str, *args: str) -> None:
    subprocess.run([AMTOOL, f"--alertmanager.url={url}", "alert", "add", *args], check=True, timeout=30,
                   capture_output=True)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_real_alertmanager_opens_then_resolves(live_server, start_alertmanager):
    organization = OrganizationFactory()
    _integration, key = make_integration(organization, kind="alertmanager", basic_auth_username="am",
                                         basic_auth_password="s3cret",
                                         service=ServiceFactory(organization=organization))
    alertmanager = start_alertmanager(f"{live_server.url}/integrations/v1/alertmanager/{key}/")
    labels = ["alertname=DiskFull", "severity=critical", "instance=db-1"]
    started = datetime.now(UTC) - timedelta(seconds=5)
    amtool(alertmanager, *labels, "--annotation=summary=Disk full on db-1", f"--start={started.isoformat()}")

    incident = wait_for(lambda: Incident.objects.filter(organization=organization).first(), what="the incident")
    assert incident.title == "[DiskFull] Disk full on db-1"
    assert incident.severity.name == "P1"
    alert = Alert.objects.get(incident=incident)
    assert len(alert.dedup_key) == 16  # Alertmanager's fingerprint

    amtool(alertmanager, *labels, "--annotation=summary=Disk full on db-1", f"--start={started.isoformat()}",
           f"--end={datetime.now(UTC).isoformat()}")
    wait_for(lambda: Alert.objects.filter(pk=alert.pk, status="resolved").exists(), what="the resolved alert")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert Incident.objects.filter(organization=organization).count() == 1

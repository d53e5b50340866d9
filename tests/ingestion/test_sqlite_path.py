"""The run command's zero-setup database is SQLite, where the PostgreSQL statements of
``incidents.sql`` cannot run and the services write the same rows through the ORM. This runs that
path for real: a child process on a fresh SQLite file (no PostgreSQL, no Redis, the filesystem
broker, as ``bin/run`` without settings) migrates, creates an integration and sends alerts
through ``config.wsgi.application``, the WSGI app gunicorn serves."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import io, json, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite", connection.vendor

from config.wsgi import application
from incidents.ingestion import services
from incidents.ingestion.models import Alert
from incidents.models import Incident, Service
from tenancy import services as tenancy_services

org = tenancy_services.organization_create(name="Run", slug="run")
service = Service.objects.create(organization=org, name="API")
_pd, pd_key = services.integration_create(organization=org, name="pd", kind="pagerduty_v2", service=service)
_am, am_key = services.integration_create(organization=org, name="am", kind="alertmanager", service=service,
                                          storm_threshold_per_minute=2, rate_limit_burst=100)


def post(path, body):
    data = json.dumps(body).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.input": io.BytesIO(data), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
               "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json"}
    status = []
    content = b"".join(application(environ, lambda s, h, e=None: status.append(s)))
    return int(status[0][:3]), json.loads(content)


def event(action, dedup_key="disk-db-1"):
    body = {"routing_key": pd_key, "event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        body["payload"] = {"summary": "Disk full", "source": "db-1", "severity": "critical"}
    return body


steps = {}
steps["triggers"] = [post("/v2/enqueue", event("trigger"))[0] for _ in range(3)]
incident = Incident.objects.get()
steps["joined"] = [incident.alert_count, Alert.objects.filter(incident=incident).count()]
steps["ack"] = post("/v2/enqueue", event("acknowledge"))[0]
steps["resolve"] = post("/v2/enqueue", event("resolve"))[0]
incident.refresh_from_db()
steps["after_resolve"] = [incident.status, incident.acknowledged_at is not None]
steps["retrigger"] = post("/v2/enqueue", event("trigger"))[0]
incident.refresh_from_db()
steps["reopened"] = [incident.status, incident.alert_count]
alerts = [{"status": "firing", "labels": {"alertname": f"A{n}"}, "fingerprint": f"fp{n}"} for n in range(6)]
status, answer = post(f"/integrations/v1/alertmanager/{am_key}/", {"version": "4", "alerts": alerts})
steps["storm"] = [status, [item["result"] for item in answer["events"]]]
steps["incidents"] = sorted(Incident.objects.values_list("title", "alert_count"))
print("RESULT " + json.dumps(steps))
'''


def test_the_run_commands_sqlite_database_ingests_alerts(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTEST") and key not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'foghorn.sqlite3'}", FOGHORN_VAR_DIR=str(tmp_path / "var"),
               DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING", CELERY_TASK_ALWAYS_EAGER="0")
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    steps = json.loads(line.removeprefix("RESULT "))
    assert steps["triggers"] == [202, 202, 202]
    assert steps["joined"] == [3, 3]
    assert (steps["ack"], steps["resolve"]) == (202, 202)
    assert steps["after_resolve"] == ["monitoring", True]
    assert steps["retrigger"] == 202
    assert steps["reopened"] == ["fixing", 4]
    assert steps["storm"] == [202, ["created", "created", "grouped", "grouped", "grouped", "grouped"]]
    assert steps["incidents"] == [["A0", 1], ["A1", 1], ["Alert storm: am", 4], ["Disk full", 4]]

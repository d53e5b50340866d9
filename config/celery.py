"""The Celery app. Periodic tasks live beside their app in ``<app>/beat.py`` as BEAT_SCHEDULE."""

import importlib
import os
import tempfile

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("foghorn")
app.config_from_object("django.conf:settings", namespace="CELERY")

# The filesystem broker (no REDIS_URL) needs its folders before anyone publishes.
for _folder in ("data_folder_in", "data_folder_out", "processed_folder"):
    _path = app.conf.broker_transport_options.get(_folder)
    if _path:
        os.makedirs(_path, exist_ok=True)
app.autodiscover_tasks()


def _writable_beat_schedule(path: str) -> str:
    """Beat's state file where it can be written: its folder is made, else the temp dir is used."""
    folder = os.path.dirname(path) or "."
    try:
        os.makedirs(folder, exist_ok=True)
        if os.access(folder, os.W_OK):
            return path
    except OSError:
        pass
    return os.path.join(tempfile.gettempdir(), f"foghorn-{os.getuid()}-{os.path.basename(path)}")


app.conf.beat_schedule_filename = _writable_beat_schedule(app.conf.beat_schedule_filename)


def collect_beat_schedule() -> dict:
    from django.conf import settings

    schedule: dict = {}
    for name in settings.FOGHORN_APPS:
        try:
            module = importlib.import_module(f"{name}.beat")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.beat":
                raise
            continue
        schedule.update(module.BEAT_SCHEDULE)
    return schedule


app.conf.beat_schedule = collect_beat_schedule()

"""Beat starts wherever it is started from: no var/ folder (a fresh checkout), or one it cannot write."""

import sys

import pytest

from tests.comms.e2e_setup import wait
from tests.e2e.conftest import CeleryProcess

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("var_dir", ["missing", "unwritable"])
def test_beat_starts_without_a_var_folder_and_ticks(celery_env, tmp_path, var_dir):
    folder = tmp_path / "checkout" / "var" if var_dir == "missing" else "/proc/foghorn-var"
    env = {**celery_env, "FOGHORN_VAR_DIR": str(folder), "COMMS_TICK_SECONDS": "1"}
    env.pop("CELERY_BEAT_SCHEDULE_FILENAME", None)
    # Started as the Procfile starts it: no --schedule option.
    beat = CeleryProcess("beat", [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
                         env, tmp_path / "beat.log")
    beat.start(ready_text="beat: Starting")
    try:
        wait(lambda: "Sending due task comms-paging-advance" in beat.logs(), 20, "beat sending the paging tick")
        assert beat.popen.poll() is None, beat.logs()
    finally:
        beat.stop()

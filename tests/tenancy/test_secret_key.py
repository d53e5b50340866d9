"""Without DEBUG and without SECRET_KEY the server refuses to start (issue 10: a published
development key let anyone forge ack links and decrypt stored secrets)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "SECRET_KEY", "DEBUG"}}
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("secret_key", [None, "", "   "])
def test_no_key_outside_debug_refuses_to_start_with_a_clear_message(secret_key):
    env = {"DEBUG": "0"} if secret_key is None else {"DEBUG": "0", "SECRET_KEY": secret_key}
    result = start(**env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_key_or_debug_starts():
    assert start(DEBUG="0", SECRET_KEY="a-real-random-key-for-this-test-only-1234567890").returncode == 0
    assert start(DEBUG="1").returncode == 0

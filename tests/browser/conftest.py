"""Real-browser tests: Playwright (pytest-playwright) driving Debian's Chromium against the live server.

Never `playwright install`: the browser is /usr/bin/chromium (``.ci/run`` installs it with apt).
Screenshots go to $FOGHORN_SCREENSHOTS (default: a temporary folder), printed at the end of the run."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("FOGHORN_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make
# between page actions are plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_SCREENSHOTS = Path(os.environ.get("FOGHORN_SCREENSHOTS") or tempfile.mkdtemp(prefix="foghorn-screenshots-"))


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    # A skip is a failure under CI=true (tests/conftest.py): the browser must be there.
    reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter):
    if any(_SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"Browser screenshots: {_SCREENSHOTS}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture
def screenshot_dir() -> Path:
    _SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return _SCREENSHOTS


@pytest.fixture
def demo(transactional_db):
    """The demo organization, seeded as the run command seeds it."""
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from tenancy.models import Organization

    return Organization.objects.get(slug="demo")


def log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")

"""The docs live in the repository: the README points at no file outside it, and every
repository path the docs name in backticks exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["README.md", "docs/architecture.md", "docs/app-interfaces.md", "tenancy/README.md", "oncall/README.md",
        "incidents/README.md", "comms/README.md", "incidents/ingestion/README.md"]
APPS = "docs|tenancy|oncall|incidents|comms|postmortems|config|bench|tests"
PATH_LIKE = re.compile(rf"`((?:{APPS})/[\w./-]+\.(?:md|py))`")


@pytest.mark.parametrize("name", DOCS)
def test_docs_name_only_files_in_the_repository(name):
    text = (ROOT / name).read_text()
    assert "../" not in text, f"{name} points outside the repository"
    for path in PATH_LIKE.findall(text):
        assert (ROOT / path).exists(), f"{name} names {path}, which does not exist"

"""The README's API quick start, run literally (its shell and Python blocks) against the app."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from api import services as api_services
from tests.conftest import ROOT
from tests.factories import UserFactory
from tracker import roles
from tracker.models import Recommendation, StatusChange

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _block(language: str, after: str) -> str:
    """Return the first fenced `language` block of the README after the line `after`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    tail = text[text.index(after) :]
    return re.search(rf"```{language}\n(.*?)```", tail, re.S).group(1)


def test_the_quick_start_changes_the_item_it_names(live_server, fixture_narratives):
    assert shutil.which("curl"), "the quick start uses curl"
    analyst = UserFactory(username="analyst", role=roles.ANALYST)
    _, token = api_services.token_create(
        user=analyst, name="quick start", scope="read_write", days=30
    )
    api = f"{live_server.url}/api/v1"
    shell = _block("sh", "### Quick start").replace("tip_…", token)
    shell = shell.replace("http://127.0.0.1:8000/api/v1", api)
    # The demo's order: PRK-2021-11 is recorded before PRK-2021-01, as the README says.
    listed = Recommendation.objects.filter(reference__startswith="PRK-2021-").order_by("pk")
    assert listed.first().reference == "PRK-2021-11"
    run = subprocess.run(["bash", "-e", "-c", shell], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    changed = StatusChange.objects.values_list("recommendation__reference", "new_status")
    assert list(changed) == [("PRK-2021-01", "cannot_assess")]

    python = _block("python", "The same in Python").replace('"tip_…"', f'"{token}"')
    python = python.replace("http://127.0.0.1:8000/api/v1", api)
    env = {**os.environ, "PYTHONPATH": ""}
    run = subprocess.run(
        [sys.executable, "-c", python], capture_output=True, text=True, timeout=120, env=env
    )
    assert run.returncode == 0, run.stderr
    assert "cannot_assess → in_progress" in run.stdout
    assert sorted(StatusChange.objects.values_list("recommendation__reference", "new_status")) == [
        ("PRK-2021-01", "cannot_assess"),
        ("PRK-2021-01", "in_progress"),
    ]

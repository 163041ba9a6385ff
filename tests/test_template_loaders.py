"""Every setting that serves pages keeps its compiled templates (Django's cached loader).

django-template-partials puts its loader in front of the cached one unless `loaders` is set in
TEMPLATES; a `loaders` list written there later would drop the cache silently, and every page
would parse its templates again on each request.
"""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SHOW_LOADERS = """
import django
django.setup()
from django.template import engines

def names(loaders):
    for loader in loaders:
        yield type(loader).__module__ + "." + type(loader).__name__
        yield from names(getattr(loader, "loaders", []))

print(" ".join(names(engines["django"].engine.template_loaders)))
"""

SECRETS = {
    "SECRET_KEY": "loader-test-secret-key-0123456789-abcdefghijklmnopqrstuvwx",
    "ALLOWED_HOSTS": "tracker.example.org",
}


@pytest.mark.parametrize(
    ("module", "env"),
    [
        ("tiptracker.settings", {**SECRETS, "DEBUG": "0"}),
        ("tiptracker.settings", {"DEBUG": "1"}),
        ("bench.settings", {}),
        ("tests.settings", {}),
    ],
)
def test_the_cached_template_loader_serves_the_pages(module, env):
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    result = subprocess.run(
        [sys.executable, "-c", SHOW_LOADERS],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": module},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "django.template.loaders.cached.Loader" in result.stdout.split()


def test_this_process_renders_from_the_cache():
    from django.template import engines

    first = engines["django"].engine.get_template("tracker/recommendation_list.html")
    again = engines["django"].engine.get_template("tracker/recommendation_list.html")
    assert first is again

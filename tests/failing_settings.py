"""Production settings (from the environment) with the failing views of `tests.failing_urls`."""

from tiptracker.settings import *  # noqa: F403

ROOT_URLCONF = "tests.failing_urls"

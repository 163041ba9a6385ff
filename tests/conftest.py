"""Shared fixtures: users and clients for each role, and the real seed narrative."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import translation

from tests.factories import UserFactory
from tracker import importer, roles

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "tip-2021-north-korea.txt"
NARRATIVES = Path(__file__).resolve().parent / "data" / "narratives"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def default_language():
    """Put the default language back after each test.

    Django leaves the last request's language active in the thread (`LocaleMiddleware`), so a
    test that read a page in Korean would otherwise make the next test's code run in Korean.
    """
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", role=roles.VIEWER)


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", role=roles.ANALYST)


@pytest.fixture
def other_analyst(db):
    return UserFactory(username="analyst2", role=roles.ANALYST)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", role=roles.REVIEWER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def viewer_client(viewer):
    return _client_for(viewer)


@pytest.fixture
def analyst_client(analyst):
    return _client_for(analyst)


@pytest.fixture
def reviewer_client(reviewer):
    return _client_for(reviewer)


@pytest.fixture
def admin_client(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def seed_report(db):
    """Import the real 2021 North Korea narrative and return its Report."""
    outcome = importer.import_batch([importer.parse_file(SEED)])[0]
    return outcome.report


@pytest.fixture
def fixture_narratives(db):
    """Import every real narrative listed in fixtures/index.json; return the Reports by source."""
    from tracker.management.commands.seed_demo import load_fixture_batch

    outcomes = importer.import_batch(load_fixture_batch())
    return {Path(o.name).name: o.report for o in outcomes}


@pytest.fixture
def token_client(db):
    """Return a function giving a client that calls the API with a new token of `user`."""
    from api import services as api_services

    def make(user, scope="read_write"):
        _, key = api_services.token_create(user=user, name="tests", scope=scope, days=30)
        return Client(headers={"authorization": f"Bearer {key}"})

    return make


@pytest.fixture
def browser():
    """A headless Chromium from Debian's packages, for the browser journeys."""
    # `make test` installs Chromium from Debian's packages; without it this must fail, not skip.
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make test`, which installs it."
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()
        # While Playwright's event loop runs, the ORM calls made in this test get connections of
        # their own; close them here, or PostgreSQL refuses to drop the test database after.
        connections.close_all()

"""The app's own 400, 403, 404 and 500 pages, styled under the CSP with DEBUG on or off."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _assert_branded(response, status, heading):
    page = response.content.decode()
    assert response.status_code == status
    assert heading in page
    assert 'rel="stylesheet" href="/static/css/app.css"' in page
    # Nothing inline that the Content-Security-Policy would block.
    assert "<style" not in page and "style=" not in page and "<script" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_address_gets_the_branded_not_found_page(analyst_client, settings, debug):
    settings.DEBUG = debug
    response = analyst_client.get("/no-such-page/")
    _assert_branded(response, 404, "There is nothing at this address")
    assert "URLconf" not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_record_gets_the_branded_not_found_page(analyst_client, settings, debug):
    settings.DEBUG = debug
    response = analyst_client.get("/evidence/987654/")
    _assert_branded(response, 404, "There is nothing at this address")


@pytest.mark.parametrize("debug", [False, True])
def test_a_refused_role_gets_the_branded_forbidden_page(viewer_client, settings, debug):
    settings.DEBUG = debug
    response = viewer_client.get("/evidence/new/")
    _assert_branded(response, 403, "You may not do this")


@pytest.mark.parametrize("debug", [False, True])
def test_a_malformed_request_gets_the_branded_bad_request_page(analyst_client, settings, debug):
    settings.DEBUG = debug
    # A form field repeated past Django's limit is refused while the request is parsed.
    response = analyst_client.get("/recommendations/", {"q": ["x"] * 1001})
    _assert_branded(response, 400, "The request could not be understood")


class _BrokenModel:
    class objects:  # noqa: N801 - stands in for a model's manager
        @staticmethod
        def order_by(*args):
            raise RuntimeError("internal detail that must not reach the page")


def test_a_server_error_gets_the_branded_page_without_details(analyst, monkeypatch):
    monkeypatch.setattr("tracker.views.home.Report", _BrokenModel)
    client = Client(raise_request_exception=False)
    client.force_login(analyst)
    response = client.get("/")
    _assert_branded(response, 500, "Something went wrong on our side")
    assert "internal detail" not in response.content.decode()

"""`export_public_site DIR`: the public site as static files, equal to what the server sends."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.test import Client

from public import offline
from reports import exportjobs
from reports import services as report_services
from tests.public_site import NORTH_KOREA, forget_public_caches, import_narratives
from tracker.models import Country

pytestmark = pytest.mark.django_db

ATTRIBUTE = re.compile(r'<[^<>]*?\s(?:href|src)="([^"]*)"')


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_public_caches()
    yield
    forget_public_caches()


@pytest.fixture
def published(reviewer):
    import_narratives(*NORTH_KOREA)
    korea = Country.objects.get(slug="north-korea")
    records = [
        report_services.summary_publish(year=year, country=korea, by=reviewer)
        for year in (2020, 2021)
    ]
    return records


def _site_client() -> Client:
    # The address the copy is made for: the host and scheme of SITE_URL.
    return Client(HTTP_HOST=django_settings.SITE_URL.split("://", 1)[1])


def _served(client: Client, address: str) -> bytes:
    if address.startswith("/static/"):
        return Path(finders.find(address.removeprefix("/static/"))).read_bytes()
    response = client.get(address)
    assert response.status_code == 200, address
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.slow
def test_the_copy_is_what_the_server_sends_with_its_links_made_relative(published, tmp_path):
    exportjobs.render_published(published[1].pk)  # the files the worker renders after publishing
    export = offline.export_site(tmp_path / "site")
    client = _site_client()
    kinds = {Path(name).suffix for name in export.files.values()}
    assert {".html", ".pdf", ".xlsx", ".csv", ".json", ".atom", ".xml", ".txt", ".css"} <= kinds
    for address, name in export.files.items():
        written = (tmp_path / "site" / name).read_bytes()
        served = _served(client, address)
        if name.endswith(".html"):
            served = offline.rewrite_links(served, address, export.files.__contains__)
        assert written == served, address
    assert "public/data/evidence.csv" in export.files.values()
    assert "public/countries/north-korea/feed.atom" in export.files.values()


def test_every_link_of_the_copy_resolves_to_a_file_it_wrote(published, tmp_path):
    root = tmp_path / "site"
    offline.export_site(root)
    pages = sorted(root.rglob("*.html"))
    assert len(pages) > 25
    checked = 0
    for page in pages:
        for link in ATTRIBUTE.findall(page.read_text(encoding="utf-8")):
            target = link.partition("#")[0]
            if not target or link.startswith(("https://", "http://")):
                continue  # a place on the page, or outside the copy (the live site, a source)
            resolved = (page.parent / target).resolve()
            assert resolved.is_file(), f"{page.relative_to(root)} links to missing {link}"
            assert root.resolve() in resolved.parents
            checked += 1
    assert checked > 300
    # Signing in is not in the copy: the link goes to the live site.
    front = (root / "index.html").read_text(encoding="utf-8")
    assert f'href="{django_settings.SITE_URL}/accounts/login/"' in front
    assert 'href="public/countries/north-korea/index.html"' in front


def test_the_command_writes_the_copy_and_says_where(published, tmp_path, capsys):
    call_command("export_public_site", str(tmp_path / "copy"))
    out = capsys.readouterr().out
    assert "files" in out and str(tmp_path / "copy" / "index.html") in out
    assert (tmp_path / "copy" / "public" / "data" / "sha256sums.txt").is_file()


def test_the_command_refuses_a_folder_that_is_not_empty(published, tmp_path):
    (tmp_path / "kept.txt").write_text("mine")
    with pytest.raises(CommandError, match="not an empty folder"):
        call_command("export_public_site", str(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


def test_the_command_refuses_when_the_public_site_is_off(published, tmp_path, settings):
    settings.PUBLIC_SITE = False
    with pytest.raises(CommandError, match="PUBLIC_SITE=0"):
        call_command("export_public_site", str(tmp_path / "copy"))
    assert not (tmp_path / "copy").exists()


def test_links_are_rewritten_to_files_and_others_to_the_live_site(settings):
    settings.SITE_URL = "https://tracker.example.org"
    page = (
        b'<a href="/public/countries/x/#recs">x</a> <link href="/static/css/app.css">'
        b' <a href="/accounts/login/">in</a> <a href="#top">top</a> <a href="//cdn/x">c</a>'
        b' <code>&lt;iframe src="/public/x/"&gt;</code>'
    )
    held = {"/public/countries/x/", "/static/css/app.css"}.__contains__
    rewritten = offline.rewrite_links(page, "/public/summaries/3/", held).decode()
    assert 'href="../../countries/x/index.html#recs"' in rewritten
    assert 'href="../../../static/css/app.css"' in rewritten
    assert 'href="https://tracker.example.org/accounts/login/"' in rewritten
    assert 'href="#top"' in rewritten and 'href="//cdn/x"' in rewritten
    assert 'src="/public/x/"' in rewritten  # text, not a tag: left alone

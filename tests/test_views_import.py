"""Importing a narrative from the browser: upload, preview, correct, confirm."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import NARRATIVES, SEED
from tests.test_pdf_import import render_pdf
from tracker.models import Recommendation, Report
from tracker.views.imports import SESSION_KEY

pytestmark = pytest.mark.django_db


def upload(client, path, **fields):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes()), **fields}
    return client.post(reverse("import_upload"), data)


def preview_token(response) -> str:
    assert response.status_code == 302, response.content.decode()[:500]
    return re.search(r"upload=([\w-]+)", response["Location"]).group(1)


def confirm(client, token, **fields):
    entry = client.session[SESSION_KEY][token]
    data = {
        "upload": token,
        "sha256": entry["sha256"],
        "country": "",
        "year": "",
        "action": "import",
    }
    data.update(fields)
    return client.post(reverse("import_preview"), data)


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("import_upload"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["analyst_client", "viewer_client"])
def test_analysts_and_viewers_get_403(request, who):
    client = request.getfixturevalue(who)
    assert client.get(reverse("import_upload")).status_code == 403
    assert upload(client, SEED).status_code == 403
    assert client.post(reverse("import_preview"), {"upload": "x"}).status_code == 403
    assert not Report.objects.exists()


def test_reviewer_uploads_sees_the_preview_and_confirms(reviewer_client, reviewer):
    page = reviewer_client.get(reverse("import_upload")).content.decode()
    assert '<label for="id_file">Narrative file</label>' in page
    token = preview_token(upload(reviewer_client, SEED))
    assert not Report.objects.exists()  # nothing written by the upload

    preview = reviewer_client.get(reverse("import_preview"), {"upload": token})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "North Korea" in html and "2021" in html and "Tier 3" in html
    assert "Prioritized recommendations (11)" in html
    assert "Accede to the 2000 UN TIP Protocol." in html
    assert "Trafficking profile" in html
    assert "New: it will be imported." in html

    response = confirm(reviewer_client, token)
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert (report.year, report.imported_by, report.recommendations.count()) == (
        2021,
        reviewer,
        11,
    )
    assert report.source_text == SEED.read_text(encoding="utf-8")
    assert token not in reviewer_client.session[SESSION_KEY]
    page = reviewer_client.get(response["Location"])
    assert "Imported North Korea 2021 with 11 recommendations." in page.content.decode()


def test_the_year_is_corrected_on_the_preview_when_the_text_lacks_it(reviewer_client, tmp_path):
    # Named without a year, so neither the text nor the file name gives one.
    unnamed = tmp_path / "north-korea.txt"
    unnamed.write_bytes((NARRATIVES / "2018_north-korea.txt").read_bytes())
    token = preview_token(upload(reviewer_client, unnamed))
    html = reviewer_client.get(reverse("import_preview"), {"upload": token}).content.decode()
    assert "the year is missing" in html
    assert "Import this narrative" not in html
    # Check again with the year, then import.
    entry = reviewer_client.session[SESSION_KEY][token]
    check = reviewer_client.post(
        reverse("import_preview"),
        {"upload": token, "sha256": entry["sha256"], "year": "2018", "action": "check"},
    )
    assert check.status_code == 302
    html = reviewer_client.get(check["Location"]).content.decode()
    assert "Import this narrative" in html and "Prioritized recommendations (11)" in html
    confirm(reviewer_client, token, year="2018")
    assert Report.objects.get().year == 2018


def test_the_year_comes_from_the_uploaded_file_name_when_the_text_lacks_it(reviewer_client):
    token = preview_token(upload(reviewer_client, NARRATIVES / "2018_north-korea.txt"))
    html = reviewer_client.get(reverse("import_preview"), {"upload": token}).content.decode()
    assert "Import this narrative" in html and "Prioritized recommendations (11)" in html
    confirm(reviewer_client, token)
    assert Report.objects.get().year == 2018


def test_a_file_name_year_that_the_text_contradicts_gives_a_warning(reviewer_client, tmp_path):
    misnamed = tmp_path / "2019_syria.txt"
    misnamed.write_bytes((NARRATIVES / "2021_syria.txt").read_bytes())
    token = preview_token(upload(reviewer_client, misnamed))
    html = reviewer_client.get(reverse("import_preview"), {"upload": token}).content.decode()
    assert "The file name gives the year 2019, but the text states 2021; using 2021." in html
    confirm(reviewer_client, token)
    assert Report.objects.get().year == 2021


def test_a_pdf_upload_previews_the_same_recommendations(reviewer_client, tmp_path):
    pdf = tmp_path / "nk.pdf"
    pdf.write_bytes(render_pdf(SEED.read_text(encoding="utf-8")))
    token = preview_token(upload(reviewer_client, pdf))
    confirm(reviewer_client, token)
    texts = list(Recommendation.objects.order_by("number").values_list("text", flat=True))
    assert len(texts) == 11 and texts[-1] == "Accede to the 2000 UN TIP Protocol."


def test_a_tampered_sha256_is_refused_and_nothing_is_written(reviewer_client):
    token = preview_token(upload(reviewer_client, SEED))
    response = confirm(reviewer_client, token, sha256="0" * 64)
    assert response.status_code == 400
    assert "does not match the uploaded narrative" in response.content.decode()
    assert not Report.objects.exists()


def test_a_forged_token_is_refused(reviewer_client):
    preview_token(upload(reviewer_client, SEED))
    response = reviewer_client.post(
        reverse("import_preview"),
        {"upload": "forged-token", "sha256": "a" * 64, "action": "import"},
    )
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_another_reviewers_upload_cannot_be_confirmed(reviewer_client):
    token = preview_token(upload(reviewer_client, SEED))
    sha = reviewer_client.session[SESSION_KEY][token]["sha256"]
    from tests.factories import UserFactory
    from tracker import roles

    other = Client()
    other.force_login(UserFactory(username="reviewer2", role=roles.REVIEWER))
    response = other.post(
        reverse("import_preview"), {"upload": token, "sha256": sha, "action": "import"}
    )
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_the_upload_and_the_confirmation_require_csrf_tokens(reviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert upload(client, SEED).status_code == 403
    response = client.post(reverse("import_preview"), {"upload": "x", "sha256": "a" * 64})
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_a_binary_file_is_refused_on_the_upload_form(reviewer_client, tmp_path):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    response = upload(reviewer_client, binary)
    assert response.status_code == 200
    assert "scan.txt: looks like binary data" in response.content.decode()
    assert SESSION_KEY not in reviewer_client.session


def test_uploaded_text_is_escaped_in_the_preview(reviewer_client, tmp_path):
    hostile = tmp_path / "hostile.txt"
    text = SEED.read_text(encoding="utf-8").replace(
        "Accede to the 2000 UN TIP Protocol.", "Accede to <script>alert(1)</script> now."
    )
    hostile.write_text(text, encoding="utf-8")
    token = preview_token(upload(reviewer_client, hostile))
    html = reviewer_client.get(reverse("import_preview"), {"upload": token}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_already_imported_text_is_reported_unchanged(reviewer_client, seed_report):
    token = preview_token(upload(reviewer_client, SEED))
    html = reviewer_client.get(reverse("import_preview"), {"upload": token}).content.decode()
    assert "Already imported from this very text" in html
    response = confirm(reviewer_client, token)
    assert response.status_code == 302
    assert Report.objects.count() == 1


def test_a_changed_text_for_an_imported_year_is_refused_on_confirmation(
    reviewer_client, seed_report, tmp_path
):
    edited = tmp_path / "nk-edited.txt"
    edited.write_text(
        SEED.read_text(encoding="utf-8").replace("Accede to", "Ratify"), encoding="utf-8"
    )
    token = preview_token(upload(reviewer_client, edited))
    response = confirm(reviewer_client, token)
    assert response.status_code == 400
    assert "already imported from a different text" in response.content.decode()
    assert not Recommendation.objects.filter(text__startswith="Ratify").exists()


# -- Wording: what the reviewer can do, and the real size limit -----------------------------


def test_a_changed_text_says_what_the_reviewer_can_actually_do(
    reviewer_client, seed_report, tmp_path
):
    edited = tmp_path / "nk-edited.txt"
    edited.write_text(
        SEED.read_text(encoding="utf-8").replace("Accede to", "Ratify"), encoding="utf-8"
    )
    token = preview_token(upload(reviewer_client, edited))
    html = reviewer_client.get(reverse("import_preview"), {"upload": token}).content.decode()
    notice = html.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "already imported from a different text" in notice
    assert "in the admin" not in notice.split("administrator", 1)[0]
    assert "correct it in the admin" not in html
    assert "Correct the country or the year below" not in html
    assert f'href="{seed_report.get_absolute_url()}"' in notice
    assert "an administrator corrects that recommendation" in notice
    assert "Not importable: this country and year hold another text" in html


def test_a_text_that_cannot_be_read_asks_for_the_country_or_year_only_conditionally(
    reviewer_client, tmp_path
):
    unknown = tmp_path / "narrative.txt"
    unknown.write_text(
        SEED.read_text(encoding="utf-8")
        .replace("DEMOCRATIC PEOPLE’S REPUBLIC OF KOREA: Tier 3", "ATLANTIS: Tier 3")
        .replace("2021 Trafficking in Persons Report: North Korea", "2021 Report"),
        encoding="utf-8",
    )
    response = upload(reviewer_client, unknown)
    html = reviewer_client.get(response["Location"]).content.decode()
    assert "Correct the country or the year below and check again" not in html
    assert "If the country or the year was read wrongly or not at all" in html


def test_the_upload_form_states_the_limit_the_request_allows(reviewer_client, settings):
    page = reviewer_client.get(reverse("import_upload")).content.decode()
    assert "Up to 20.9\xa0MB." in page and "40 MB" not in page
    settings.REQUEST_MAX_BODY_BYTES = 5 * 1024 * 1024
    page = reviewer_client.get(reverse("import_upload")).content.decode()
    assert "Up to 4.9\xa0MB." in page
    big = SimpleUploadedFile("big.txt", b"x" * (5 * 1024 * 1024 - 1000))
    response = reviewer_client.post(reverse("import_upload"), {"file": big})
    assert "at most 4.9\xa0MB can be uploaded" in response.content.decode()
    assert not Report.objects.exists()

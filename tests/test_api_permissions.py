"""The permission matrix: every endpoint × method × role × credential, and what each write
changed in the database (or that nothing did)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from api import services as api_services
from reports import services as report_services
from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    FindingFactory,
    RecommendationFactory,
    StatusChangeFactory,
    UserFactory,
)
from tracker import roles
from tracker.models import (
    Assessment,
    AssessmentEvent,
    Evidence,
    EvidenceEdit,
    Recommendation,
    RecommendationEdit,
    StatusChange,
    StatusChangeVoid,
)

ROLES = ["anonymous", "viewer", "analyst", "reviewer", "admin"]
CREDENTIALS = ["session", "read token", "read-write token"]
WRITERS = {"analyst", "reviewer", "admin"}
REVIEWERS = {"reviewer", "admin"}


@pytest.fixture
def world(db):
    """One of everything, the submitted assessment by an analyst no caller is."""
    author = UserFactory(username="author", role=roles.ANALYST)
    recommendation = RecommendationFactory()
    FindingFactory(report=recommendation.report)
    evidence = EvidenceFactory(recommendations=[recommendation], logged_by=author)
    change = StatusChangeFactory(recommendation=recommendation, changed_by=author)
    recommendation.refresh_from_db()  # the change refreshed its cached status and version
    draft = AssessmentFactory(recommendation=recommendation, year=2021, author=author)
    submitted = AssessmentFactory(
        recommendation=RecommendationFactory(report=recommendation.report),
        year=2021,
        author=author,
        submitted=True,
    )
    published = report_services.summary_publish(
        year=2021, country=recommendation.report.country, by=UserFactory(is_superuser=True)
    )
    return {
        "recommendation": recommendation,
        "evidence": evidence,
        "change": change,
        "draft": draft,
        "submitted": submitted,
        "country": recommendation.report.country,
        "report": recommendation.report,
        "published": published,
    }


def _caller(role, credential):
    if role == "anonymous":
        return Client()
    if role == "admin":
        user = UserFactory(username="root", is_staff=True, is_superuser=True)
    else:
        user = UserFactory(username=role, role=getattr(roles, role.upper()))
    if credential == "session":
        client = Client()
        client.force_login(user)
        return client
    scope = "read" if credential == "read token" else "read_write"
    _, key = api_services.token_create(user=user, name="matrix", scope=scope, days=1)
    return Client(headers={"authorization": f"Bearer {key}"})


READS = [
    "/api/v1/countries/",
    "/api/v1/countries/{country.slug}/",
    "/api/v1/reports/",
    "/api/v1/reports/{report.pk}/",
    "/api/v1/recommendations/",
    "/api/v1/recommendations/{recommendation.pk}/",
    "/api/v1/recommendations/{recommendation.pk}/status-changes/",
    "/api/v1/evidence/",
    "/api/v1/evidence/{evidence.public_id}/",
    "/api/v1/assessments/",
    "/api/v1/assessments/{draft.pk}/",
    "/api/v1/summaries/2021/",
    "/api/v1/summaries/2021/{country.slug}/",
    "/api/v1/published-summaries/",
    "/api/v1/published-summaries/{published.pk}/",
    "/api/v1/schema/",
]


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", READS)
def test_reads(world, role, credential, path):
    response = _caller(role, credential).get(path.format(**world))
    assert response.status_code == (401 if role == "anonymous" else 200)


def _snapshot():
    return {
        "status_changes": StatusChange.objects.count(),
        "evidence": Evidence.objects.count(),
        "assessments": list(
            Assessment.objects.order_by("pk").values_list("pk", "state", "version", "narrative")
        ),
        "events": AssessmentEvent.objects.count(),
        "recommendations": list(
            Recommendation.objects.order_by("pk").values_list("pk", "status", "version")
        ),
        "corrections": list(
            Recommendation.objects.order_by("pk").values_list("owner", "pillar", "text")
        ),
        "evidence_rows": list(
            Evidence.objects.order_by("pk").values_list("pk", "title", "version", "withdrawn_at")
        ),
        "edits": EvidenceEdit.objects.count() + RecommendationEdit.objects.count(),
        "voids": StatusChangeVoid.objects.count(),
    }


def _etag(item):
    # The current version, as a client would have just read it (setting up the world can
    # move it on, e.g. when a recorded change refreshes the cached status).
    version = type(item).objects.values_list("version", flat=True).get(pk=item.pk)
    identifier = getattr(item, "public_id", item.pk)  # evidence is named by its public id
    return f'"{item._meta.model_name}-{identifier}-v{version}"'


def _status_change(w):
    rec = w["recommendation"]
    body = {
        "status": "regressed",
        "reason": "Reported by NGOs.",
        "evidence": [str(w["evidence"].public_id)],
    }
    return f"/api/v1/recommendations/{rec.pk}/status-changes/", body, "json", _etag(rec)


def _log_evidence(w):
    body = {
        "title": "Testimony",
        "source_type": "testimony",
        "direction": "regression",
        "sensitivity": "internal",
        "recommendations": [w["recommendation"].pk],
        "file": SimpleUploadedFile("notes.txt", b"What the witness said.\n"),
    }
    return "/api/v1/evidence/", body, "multipart", None


def _draft(w):
    body = {
        "recommendation": w["recommendation"].pk,
        "year": datetime.date.today().year,
        "rating": "limited",
        "confidence": "low",
    }
    return "/api/v1/assessments/", body, "json", None


def _edit(w):
    return (
        f"/api/v1/assessments/{w['draft'].pk}/",
        {"narrative": "Edited."},
        "patch",
        _etag(w["draft"]),
    )


def _submit(w):
    return f"/api/v1/assessments/{w['draft'].pk}/submit/", {}, "json", _etag(w["draft"])


def _approve(w):
    return f"/api/v1/assessments/{w['submitted'].pk}/approve/", {}, "json", _etag(w["submitted"])


def _return(w):
    body = {"note": "Cite the source."}
    return f"/api/v1/assessments/{w['submitted'].pk}/return/", body, "json", _etag(w["submitted"])


def _void(w):
    rec, change = w["recommendation"], w["change"]
    url = f"/api/v1/recommendations/{rec.pk}/status-changes/{change.pk}/void/"
    return url, {"reason": "Entered on the wrong item."}, "json", _etag(rec)


def _edit_evidence(w):
    body = {"title": "Corrected title", "reason": "Mistyped."}
    return f"/api/v1/evidence/{w['evidence'].public_id}/", body, "patch", _etag(w["evidence"])


def _withdraw_evidence(w):
    body = {"reason": "The source retracted it."}
    url = f"/api/v1/evidence/{w['evidence'].public_id}/withdraw/"
    return url, body, "json", _etag(w["evidence"])


def _set_pillar(w):
    rec = w["recommendation"]
    return f"/api/v1/recommendations/{rec.pk}/", {"pillar": "partnership"}, "patch", _etag(rec)


def _correct_text(w):
    rec = w["recommendation"]
    body = {"text": "The corrected official text.", "text_reason": "A transcription error."}
    return f"/api/v1/recommendations/{rec.pk}/", body, "patch", _etag(rec)


def _changed_void(before, after, w):
    assert after["voids"] == before["voids"] + 1
    assert StatusChangeVoid.objects.get().change == w["change"]


def _changed_evidence_row(title, withdrawn):
    def check(before, after, w):
        pk, new_title, version, withdrawn_at = next(
            row for row in after["evidence_rows"] if row[0] == w["evidence"].pk
        )
        assert new_title == (title or w["evidence"].title) and version == 2
        assert (withdrawn_at is not None) == withdrawn
        assert after["edits"] == before["edits"] + (0 if withdrawn else 1)

    return check


def _changed_recommendation(field, value):
    def check(before, after, w):
        row = Recommendation.objects.values(field, "version").get(pk=w["recommendation"].pk)
        assert row == {field: value, "version": w["recommendation"].version + 1}
        assert after["edits"] == before["edits"] + 1

    return check


def _changed_status(before, after, w):
    rec = w["recommendation"]
    assert after["status_changes"] == before["status_changes"] + 1
    assert (rec.pk, "regressed", rec.version + 1) in after["recommendations"]
    assert StatusChange.objects.latest("id").evidence.get() == w["evidence"]


def _changed_evidence(before, after, w):
    assert after["evidence"] == before["evidence"] + 1
    assert Evidence.objects.latest("id").file_type == "text/plain"


def _changed_draft(before, after, w):
    assert len(after["assessments"]) == len(before["assessments"]) + 1
    assert after["events"] == before["events"] + 1


def _changed_state(pk, state, narrative=None):
    def check(before, after, w):
        row = next(r for r in after["assessments"] if r[0] == w[pk].pk)
        assert row[1] == state and row[2] == w[pk].version + 1
        if narrative:
            assert row[3] == narrative
        assert after["events"] == before["events"] + 1

    return check


WRITES = [
    ("status change", _status_change, WRITERS, _changed_status),
    ("log evidence", _log_evidence, WRITERS, _changed_evidence),
    ("draft assessment", _draft, WRITERS, _changed_draft),
    # Only a draft's author or the recommendation's owner edits or submits it (README,
    # "Assessments: who writes, who reviews"); none of the matrix's callers is either, so each
    # is refused and nothing changes.
    # The author's own edits and submissions are in tests/test_api_if_match.py.
    ("edit assessment", _edit, (), _changed_state("draft", "draft", "Edited.")),
    ("submit assessment", _submit, (), _changed_state("draft", "submitted")),
    ("approve assessment", _approve, REVIEWERS, _changed_state("submitted", "approved")),
    ("return assessment", _return, REVIEWERS, _changed_state("submitted", "returned")),
    ("void status change", _void, WRITERS, _changed_void),
    # The evidence was logged by an analyst no caller is: only reviewers may put it right.
    ("edit evidence", _edit_evidence, REVIEWERS, _changed_evidence_row("Corrected title", False)),
    ("withdraw evidence", _withdraw_evidence, REVIEWERS, _changed_evidence_row(None, True)),
    ("set pillar", _set_pillar, WRITERS, _changed_recommendation("pillar", "partnership")),
    # The official text is the administrators' to correct, as in the admin.
    (
        "correct text",
        _correct_text,
        {"admin"},
        _changed_recommendation("text", "The corrected official text."),
    ),
]


def _send(client, url, body, kind, etag):
    headers = {"if-match": etag} if etag else {}
    if kind == "multipart":
        return client.post(url, body, headers=headers)
    if kind == "patch":
        return client.patch(url, body, content_type="application/json", headers=headers)
    return client.post(url, body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,build,allowed,changed", WRITES, ids=[w[0] for w in WRITES])
def test_writes(world, role, credential, name, build, allowed, changed):
    client = _caller(role, credential)
    url, body, kind, etag = build(world)
    before = _snapshot()
    response = _send(client, url, body, kind, etag)
    after = _snapshot()
    if role == "anonymous":
        expected = 401
    elif role in allowed and credential != "read token":
        expected = (
            201
            if kind != "patch"
            and name
            in {
                "status change",
                "log evidence",
                "draft assessment",
            }
            else 200
        )
    else:
        expected = 403
    assert response.status_code == expected, response.content
    assert response["Content-Type"] in ("application/json", "application/problem+json")
    if expected in (200, 201):
        changed(before, after, world)
    else:
        assert after == before


DISALLOWED = [
    ("put", "/api/v1/recommendations/{recommendation.pk}/"),
    ("delete", "/api/v1/recommendations/{recommendation.pk}/"),
    ("delete", "/api/v1/evidence/{evidence.public_id}/"),
    ("post", "/api/v1/countries/"),
    ("patch", "/api/v1/reports/{report.pk}/"),
    ("delete", "/api/v1/assessments/{draft.pk}/"),
    ("post", "/api/v1/summaries/2021/"),
    ("delete", "/api/v1/published-summaries/{published.pk}/"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path", DISALLOWED)
def test_methods_no_endpoint_offers_change_nothing(world, role, method, path):
    client = _caller(role, "read-write token")
    before = _snapshot()
    response = getattr(client, method)(path.format(**world), {}, content_type="application/json")
    assert response.status_code == (401 if role == "anonymous" else 405)
    assert _snapshot() == before


# Two-factor sign-in (TWO_FACTOR_REQUIRED=reviewers): a token of a reviewer or administrator
# works only once they have enrolled and only if it was created from a verified session;
# other roles' tokens are unaffected.

TWO_FACTOR_STATES = [
    "not enrolled",
    "token from an unverified session",
    "token from a verified one",
]
TWO_FACTOR_REQUIRED_OF = {"reviewer", "admin"}


def _two_factor_caller(role, state):
    from tests.test_two_factor import PASSWORD, code_for, enrolled

    if role == "admin":
        user = UserFactory(username="root", is_staff=True, is_superuser=True)
    else:
        user = UserFactory(username=role, role=getattr(roles, role.upper()))
    if state == "not enrolled":
        _, key = api_services.token_create(user=user, name="matrix", scope="read_write", days=1)
    elif state == "token from an unverified session":
        enrolled(user)
        _, key = api_services.token_create(user=user, name="matrix", scope="read_write", days=1)
    else:
        device, _ = enrolled(user)
        session = Client()
        assert session.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        session.post("/accounts/two-factor/verify/", {"code": code_for(device)})
        page = session.post(
            "/accounts/tokens/", {"name": "matrix", "scope": "read_write", "days": "7"}
        )
        key = page.context["key"]
    return Client(headers={"authorization": f"Bearer {key}"})


@pytest.mark.parametrize("state", TWO_FACTOR_STATES)
@pytest.mark.parametrize("role", ["viewer", "analyst", "reviewer", "admin"])
def test_reads_with_two_factor_sign_in_required(world, settings, role, state):
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    client = _two_factor_caller(role, state)
    works = role not in TWO_FACTOR_REQUIRED_OF or state == "token from a verified one"
    for path in READS:
        response = client.get(path.format(**world))
        assert response.status_code == (200 if works else 401), path
        if not works:  # (the schema answers in its own format, YAML)
            assert "must sign in with a second factor" in response.content.decode()


@pytest.mark.parametrize("state", TWO_FACTOR_STATES)
@pytest.mark.parametrize("role", ["analyst", "reviewer", "admin"])
def test_writes_with_two_factor_sign_in_required(world, settings, role, state):
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    client = _two_factor_caller(role, state)
    works = role not in TWO_FACTOR_REQUIRED_OF or state == "token from a verified one"
    for name, build, _allowed, changed in WRITES[:3]:
        url, body, kind, etag = build(world)
        before = _snapshot()
        response = _send(client, url, body, kind, etag)
        after = _snapshot()
        assert response.status_code == (201 if works else 401), (name, response.content)
        if works:
            changed(before, after, world)
        else:
            assert after == before

"""Schemathesis against the live API on a test server, for each role with a read-write token:
no answer is a server error, and every answer conforms to the schema (status, media type,
headers, body). Bounded by a fixed number of examples per operation, derandomised, so it fits
in CI and fails the same way twice."""

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import services as api_services
from reports import services as report_services
from tests.conftest import SEED
from tests.factories import AssessmentFactory, UserFactory
from tracker import importer, roles, services

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EXAMPLES_PER_OPERATION = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _world():
    """The real 2021 North Korea narrative, with evidence, a change, assessments, a summary."""
    report = importer.import_batch([importer.parse_file(SEED)])[0].report
    author = UserFactory(username="author", role=roles.REVIEWER)
    recommendation = report.recommendations.order_by("number").first()
    for sensitivity in ("public", "restricted"):
        evidence = services.evidence_log(
            by=author,
            title=f"A {sensitivity} source",
            source_type="ngo",
            direction="no_change",
            sensitivity=sensitivity,
            recommendations=[recommendation],
            file=SimpleUploadedFile("notes.txt", b"What was observed.\n"),
        )
    services.recommendation_set_status(
        recommendation=recommendation,
        status="in_progress",
        reason="Reported by an NGO.",
        by=author,
        evidence=[evidence],
    )
    AssessmentFactory(recommendation=recommendation, author=author, submitted=True)
    report_services.summary_publish(year=2021, country=report.country, by=author)


@pytest.mark.parametrize("role", [roles.VIEWER, roles.ANALYST, roles.REVIEWER])
def test_the_live_api_conforms_to_its_schema(live_server, role):
    _world()
    user = UserFactory(username=f"fuzz_{role.lower()}", role=role)
    _, key = api_services.token_create(user=user, name="schemathesis", scope="read_write", days=1)
    auth = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/v1/schema/?format=json", headers=auth
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(
                    base_url=live_server.url, headers=auth, checks=CHECKS, timeout=30
                )

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:
                # Collected, so that one run names every failing operation.
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:3000]}")
    connections.close_all()
    assert failures == [], "\n\n".join(failures)

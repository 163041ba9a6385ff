"""Nothing but what was published for the public reaches the public site, its files or its API.

Distinct marker strings are planted in evidence of each sensitivity (every text field of it)
and in status reasons and assessment narratives (one citing restricted evidence, one citing
public evidence only, which stays internal by default); the 2020 and 2021 North Korea summaries
and the 2021 all-countries summary are published for the public (with their PDF, XLSX and CSV
rendered as the worker renders them), then every public address is visited as a visitor who is
not signed in: the pages and every link they hold, each download, the data files, the feeds,
the sitemap, the public API, and every file of the offline copy. Each public marker is found;
no other marker is found anywhere.
"""

import datetime
import inspect

import pytest

from public import offline
from reports import exportjobs
from reports import services as report_services
from tests.public_site import (
    NORTH_KOREA,
    SYRIA_2021,
    Crawler,
    forget_public_caches,
    import_narratives,
    readable,
)
from tracker import services
from tracker.models import Country, Evidence, Recommendation

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PERIOD_DAY = datetime.date(2021, 9, 1)


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_public_caches()
    yield
    forget_public_caches()


def _evidence(analyst, marker: str, sensitivity: str, recommendations, *, every_field: bool):
    """Log evidence whose published fields (title, source, link) carry `marker`, and, for
    evidence that must stay unseen, every other text field too."""
    extra = {}
    if every_field:
        extra = {
            "summary": f"{marker} in the summary",
            "quote": f"{marker} in the quote",
        }
    return services.evidence_log(
        by=analyst,
        title=f"Report {marker} on overseas labour",
        source_type=Evidence.SourceType.NGO,
        direction=Evidence.Direction.NO_CHANGE,
        sensitivity=sensitivity,
        source_name=f"Source {marker}",
        url=f"https://example.org/{marker.lower()}",
        published_on=PERIOD_DAY,
        recommendations=recommendations,
        **extra,
    )


def _publish_everything(reviewer):
    korea = Country.objects.get(slug="north-korea")
    published = [
        report_services.summary_publish(year=2020, country=korea, by=reviewer),
        report_services.summary_publish(year=2021, country=korea, by=reviewer),
        report_services.summary_publish(year=2021, country=None, by=reviewer),
    ]
    for record in published:
        # What the worker does after publication: the PDF, XLSX and CSV, rendered once.
        exportjobs.render_published(record.pk)
    # The team's own publications of the same summaries, which hold more, stay off the site.
    for audience in ("internal", "restricted"):
        report_services.summary_publish(year=2021, country=korea, by=reviewer, audience=audience)
    return published


def _everything_public(tmp_path) -> dict[str, str]:
    """Crawl the site and the API, and export the offline copy; return what each holds."""
    answers = Crawler().crawl()
    texts = {path: readable(kind, body) for path, (_, kind, body) in answers.items()}
    copy = tmp_path / "copy"
    offline.export_site(copy)
    for path in sorted(copy.rglob("*")):
        if path.is_file():
            texts[f"offline copy: {path.relative_to(copy)}"] = readable("", path.read_bytes())
    return texts


def _sensitivity(service, name: str, value: str) -> dict:
    """Return `{name: value}` once the service takes a text's sensitivity, else nothing, so the
    test below runs the same before and after texts have one (and an entry point that refuses
    a text less sensitive than the evidence it cites never stops it)."""
    return {name: value} if name in inspect.signature(service).parameters else {}


def _found(texts: dict[str, str], marker: str) -> list[str]:
    return sorted(where for where, text in texts.items() if marker in text)


def test_only_public_evidence_reaches_any_public_address(analyst, reviewer, tmp_path):
    import_narratives(*NORTH_KOREA, SYRIA_2021)
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    other = Recommendation.objects.get(reference="PRK-2021-02")
    public = _evidence(analyst, "ZQPUBLICEVIDENCE", "public", [rec, other], every_field=False)
    internal = _evidence(analyst, "ZQINTERNALEVIDENCE", "internal", [rec], every_field=True)
    restricted = _evidence(analyst, "ZQRESTRICTEDEVIDENCE", "restricted", [rec], every_field=True)
    services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="Deductions stopped, as a public report says.",
        by=analyst,
        effective_date=datetime.date(2021, 10, 1),
        evidence=[public, internal, restricted],
    )
    _publish_everything(reviewer)

    texts = _everything_public(tmp_path)

    found = _found(texts, "ZQPUBLICEVIDENCE")
    kinds = {
        "the summary page": "/public/summaries/",
        "the recommendation page": "/public/recommendations/PRK-2021-04/",
        "the frozen JSON": ".json",
        "the PDF": ".pdf",
        "the workbook": ".xlsx",
        "the evidence data file": "/public/data/evidence.csv",
        "the public API": "/api/v1/public/summaries/",
        "the offline copy": "offline copy: public/",
    }
    for kind, part in kinds.items():
        assert any(part in where for where in found), f"the public marker is not in {kind}"
    for marker in ("ZQINTERNALEVIDENCE", "ZQRESTRICTEDEVIDENCE"):
        assert _found(texts, marker) == [], f"{marker} reached the public"
    assert len(texts) > 60


def test_a_reason_or_narrative_citing_restricted_evidence_reaches_no_public_address(
    analyst, reviewer, tmp_path
):
    import_narratives(*NORTH_KOREA, SYRIA_2021)
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    other = Recommendation.objects.get(reference="PRK-2021-02")
    restricted = _evidence(analyst, "ZQSOURCE", "restricted", [rec, other], every_field=True)
    public = _evidence(analyst, "ZQPUBLICSOURCE", "public", [other], every_field=False)
    # A reason citing only public evidence is internal unless someone makes it public.
    services.recommendation_set_status(
        recommendation=other,
        status="cannot_assess",
        reason="Our ZQINTERNALREASON contact in Dandong could not confirm the report.",
        by=analyst,
        effective_date=datetime.date(2021, 9, 15),
        evidence=[public],
    )
    services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="Defector ZQREASONMARKER (Hyesan, interviewed November 2021) saw it stop.",
        by=analyst,
        effective_date=datetime.date(2021, 10, 1),
        evidence=[restricted],
        **_sensitivity(services.recommendation_set_status, "reason_sensitivity", "restricted"),
    )
    assessment = services.assessment_draft(
        recommendation=other,
        year=2021,
        by=analyst,
        rating="no_progress",
        confidence="low",
        narrative="As ZQNARRATIVEMARKER told us in Yanji, nothing changed.",
        evidence=[restricted],
        **_sensitivity(services.assessment_draft, "narrative_sensitivity", "restricted"),
    )
    services.assessment_submit(assessment=assessment, by=analyst)
    services.assessment_approve(assessment=assessment, by=reviewer, note="Agreed.")
    _publish_everything(reviewer)

    texts = _everything_public(tmp_path)

    assert _found(texts, "ZQPUBLICSOURCE")
    for marker in ("ZQSOURCE", "ZQREASONMARKER", "ZQNARRATIVEMARKER", "ZQINTERNALREASON"):
        assert _found(texts, marker) == [], f"{marker} reached the public"
    # The facts stay public: the change and the rating, without their words.
    page = texts["/public/recommendations/PRK-2021-04/"]
    assert "In progress" in page and "The reason is not public." in page

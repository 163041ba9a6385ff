"""One way to write days and times for people: "1 July 2021", "1 December 2026, 14:05 UTC".

The main pages are rendered with data of every dated kind (status changes, evidence, an
assessment under review, a notification, a published summary, an API token) and their visible
text is searched for any other way of writing a day or a time. Machine formats (attributes
such as `<time datetime>`, CSV, JSON, the API) are ISO and are not visible text.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reports import services as report_services
from tiptracker.lib.dates import long_date
from tracker import notifications, services
from tracker.models import Evidence, Recommendation

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
SHORT = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
OTHER_FORMATS = {
    "an ISO day": r"\b\d{4}-\d{2}-\d{2}\b",
    "a short month": rf"\b\d{{1,2}} ({SHORT})\b|\b({SHORT})\.? \d{{1,2}}\b",
    "a month before its day": rf"\b({MONTHS}) \d{{1,2}}\b",
    "a day with a leading zero": rf"\b0\d ({MONTHS})\b",
    "a 12-hour time": r"\b(a\.m\.|p\.m\.|noon|midnight)|\d ?(AM|PM)\b",
    "a time without its zone": r"\b\d{1,2}:\d{2}(:\d{2})?\b(?! UTC)",
    "a day in numbers": r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
}


class _VisibleText(HTMLParser):
    """Collect the text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    # The narrative as the State Department wrote it ("no later than December 22, 2019") is a
    # quotation, not the app's writing.
    html = re.sub(r'<div class="narrative-text">.*?</div>', "", html, flags=re.DOTALL)
    parser = _VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def other_formats(text: str) -> list[tuple[str, str]]:
    """Return (kind, context) for each day or time in `text` not written the house way."""
    found = []
    for kind, pattern in OTHER_FORMATS.items():
        for match in re.finditer(pattern, text):
            found.append((kind, text[max(match.start() - 40, 0) : match.end() + 20]))
    return found


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Logged 1 July 2021, 14:05 UTC by amina", []),
        ("Nov. 28, 2026, 10 a.m.", ["a short month", "a 12-hour time"]),
        ("2026-11-28 10:00", ["an ISO day", "a time without its zone"]),
        ("28 Nov 2026", ["a short month"]),
        ("November 28, 2026", ["a month before its day"]),
        ("01 July 2021 and 1/7/2021", ["a day with a leading zero", "a day in numbers"]),
        ("PRK-2021-03 in May 2021", []),
    ],
)
def test_the_checker_tells_the_house_format_from_the_others(text, kinds):
    assert sorted({kind for kind, _ in other_formats(text)}) == sorted(kinds)


@pytest.fixture
def dated(seed_report, analyst, reviewer, django_capture_on_commit_callbacks):
    """Data with every kind of date the pages show."""
    rec = Recommendation.objects.get(reference="PRK-2021-03")
    rec.owner = analyst
    rec.save(update_fields=["owner"])
    evidence = services.evidence_log(
        by=analyst,
        title="UN Panel of Experts report",
        source_type=Evidence.SourceType.UN,
        direction=Evidence.Direction.PROGRESS,
        recommendations=[rec],
        sensitivity=Evidence.Sensitivity.PUBLIC,
        published_on=datetime.date(2021, 6, 30),
        accessed_on=datetime.date(2021, 7, 2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        change = services.recommendation_set_status(
            recommendation=rec,
            status=Recommendation.Status.IN_PROGRESS,
            reason="First prosecutions reported.",
            by=reviewer,
            evidence=[evidence],
            effective_date=datetime.date(2021, 7, 1),
        )
    assessment = services.assessment_draft(
        recommendation=rec, year=2021, by=analyst, rating="limited", confidence="moderate"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_submit(assessment=assessment, by=analyst)
    published = report_services.summary_publish(year=2021, country=seed_report.country, by=reviewer)
    notifications.daily_run(datetime.date(2022, 3, 1))  # a reminder, and its e-mail
    return {"rec": rec, "evidence": evidence, "change": change, "published": published}


def pages(dated, seed_report) -> list[str]:
    rec, slug = dated["rec"], seed_report.country.slug
    return [
        reverse("home"),
        reverse("recommendation_list"),
        reverse("recommendation_detail", args=[rec.pk]),
        reverse("recommendation_lineage", args=[rec.pk]),
        reverse("evidence_list"),
        reverse("evidence_detail", args=[dated["evidence"].public_id]),
        reverse("report_list"),
        reverse("report_detail", args=[seed_report.pk]),
        reverse("assessment_detail", args=[rec.pk, 2021]),
        reverse("assessment_queue"),
        reverse("notification_list"),
        reverse("search") + "?q=prosecutions",
        reverse("summary_index"),
        reverse("summary_all", args=[2021]),
        reverse("summary_country", args=[2021, slug]),
        reverse("summary_country", args=[2021, slug]) + "?as_of=2021-12-31",
        reverse("published_summary_detail", args=[dated["published"].pk]),
        reverse("published_summary_compare", args=[dated["published"].pk]),
        reverse("compare"),
        reverse("country_list"),
        reverse("country_detail", args=[slug]),
        reverse("api:tokens"),
        reverse("glossary"),
    ]


def test_every_main_page_writes_days_and_times_one_way(dated, seed_report, reviewer_client):
    seen = {}
    for url in pages(dated, seed_report):
        response = reviewer_client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert other_formats(text) == [], url
        seen[url] = text
    change_day = long_date(datetime.date(2021, 7, 1))
    assert change_day == "1 July 2021"
    detail = seen[reverse("recommendation_detail", args=[dated["rec"].pk])]
    assert f"Effective {change_day}" in detail
    recorded = timezone.localtime(dated["change"].recorded_at)
    assert f"{long_date(recorded.date())}, {recorded:%H:%M} UTC" in detail
    evidence = seen[reverse("evidence_detail", args=[dated["evidence"].public_id])]
    assert "30 June 2021" in evidence and "2 July 2021" in evidence


def test_the_html_download_and_the_emails_write_days_one_way(dated, seed_report, viewer_client):
    url = reverse("summary_country", args=[2021, seed_report.country.slug])
    html = viewer_client.get(url, {"format": "html"}).content.decode()
    assert other_formats(visible_text(html)) == []
    assert mail.outbox, "the fixture sends e-mail"
    for message in mail.outbox:
        assert other_formats(f"{message.subject}\n{message.body}") == [], message.body
    assert any("31 March 2022" in message.body for message in mail.outbox)

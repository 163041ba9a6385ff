"""Follow-up periods on the real 2021 North Korea case; audiences; lineage past a gap; layers."""

import ast
import datetime
import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from reports import exporters
from reports import services as report_services
from reports.models import PublishedSummary
from reports.summary import build_summary
from tests import sheets
from tests.conftest import ROOT
from tests.factories import EvidenceFactory, RecommendationFactory, UserFactory
from tests.test_lineage import parsed_nk
from tiptracker.lib import spreadsheets
from tracker import importer, services
from tracker.models import SERVER_OPERATOR, Evidence, Recommendation

pytestmark = pytest.mark.django_db

D = datetime.date


def _prk(reference: str) -> Recommendation:
    return Recommendation.objects.select_related("report").get(reference=reference)


# --- The 2021 North Korea case ----------------------------------------------------------------


def test_a_change_in_the_follow_up_period_shows_at_its_end_and_not_at_its_start(
    seed_report, analyst
):
    services.recommendation_set_status(
        recommendation=_prk("PRK-2021-03"),
        status="in_progress",
        reason="Fewer checks on workers returning from abroad.",
        by=analyst,
        effective_date=D(2021, 6, 1),
    )
    summary = build_summary(year=2021, country=seed_report.country)
    row = next(r for _, r in summary.recommendations if r.reference == "PRK-2021-03")
    assert (row.status_at_start, row.status) == ("no_action", "in_progress")
    assert [(c.effective_date, c.new_status) for c in row.changes] == [
        (D(2021, 6, 1), "in_progress")
    ]
    data = json.loads(exporters.to_json(summary))
    assert data["follow_up_period"] == {"start": "2021-04-01", "end": "2022-03-31"}
    (json_row,) = [
        r for r in data["countries"][0]["recommendations"] if r["reference"] == "PRK-2021-03"
    ]
    assert (json_row["status_at_start"], json_row["status"]) == ("no_action", "in_progress")
    assert json_row["changes"][0]["recorded_on"] == datetime.date.today().isoformat()


def test_a_change_before_the_follow_up_period_is_refused_with_the_reason(seed_report, analyst):
    rec = _prk("PRK-2021-03")
    with pytest.raises(ValidationError) as refused:
        services.recommendation_set_status(
            recommendation=rec,
            status="in_progress",
            reason="Back then.",
            by=analyst,
            effective_date=D(2021, 3, 1),
        )
    message = refused.value.message_dict["effective_date"][0]
    assert "no earlier than 1 April 2021" in message
    assert "belongs to the 2020 recommendation" in message
    assert not rec.status_changes.exists()


def test_a_change_dated_in_the_future_is_refused(seed_report, analyst):
    with pytest.raises(ValidationError, match="future"):
        services.recommendation_set_status(
            recommendation=_prk("PRK-2021-03"),
            status="in_progress",
            reason="Soon.",
            by=analyst,
            effective_date=datetime.date.today() + datetime.timedelta(days=1),
        )


def test_the_form_says_the_bounds_and_shows_the_refusal_next_to_the_date(
    seed_report, analyst_client
):
    rec = _prk("PRK-2021-03")
    page = analyst_client.get(rec.get_absolute_url()).content.decode()
    assert 'min="2021-04-01"' in page
    assert "from 1 April 2021, the start of this recommendation&#x27;s follow-up period" in page
    response = analyst_client.post(
        reverse("recommendation_status", args=[rec.pk]),
        {
            "status": "in_progress",
            "reason": "Back then.",
            "effective_date": "2021-03-01",
            "version": rec.version,
        },
    )
    assert response.status_code == 400
    assert "no earlier than 1 April 2021" in response.content.decode()
    assert not rec.status_changes.exists()


def test_a_change_after_the_period_is_marked_and_counts_for_the_successor_once_imported(
    seed_report, analyst, analyst_client
):
    rec = _prk("PRK-2021-04")
    services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="Wage deductions stopped, reported in May 2022.",
        by=analyst,
        effective_date=D(2022, 5, 1),
    )
    page = analyst_client.get(rec.get_absolute_url()).content.decode()
    assert "after the follow-up period: it counts for the next year" in page
    # Not in its own year's summary, whose period had ended.
    row = next(
        r
        for _, r in build_summary(year=2021, country=seed_report.country).recommendations
        if r.reference == "PRK-2021-04"
    )
    assert row.status == "no_action"

    importer.import_batch([parsed_nk(2022)])
    successor = _prk("PRK-2022-04")
    assert successor.predecessor_id == rec.pk
    assert (successor.status, successor.needs_review) == ("in_progress", True)
    summary = build_summary(year=2022, country=seed_report.country)
    row = next(r for _, r in summary.recommendations if r.reference == "PRK-2022-04")
    assert (row.status_at_start, row.status) == ("no_action", "in_progress")
    assert [c.on_reference for c in row.changes] == ["PRK-2021-04"]
    # With a successor, a later fact goes on the successor.
    with pytest.raises(ValidationError, match="record a later change on its successor"):
        services.recommendation_set_status(
            recommendation=rec,
            status="implemented",
            reason="Later.",
            by=analyst,
            effective_date=D(2022, 6, 1),
        )


def test_summary_pages_take_an_as_of_day_and_say_it(seed_report, analyst, viewer_client):
    services.recommendation_set_status(
        recommendation=_prk("PRK-2021-03"),
        status="in_progress",
        reason="Reported.",
        by=analyst,
        effective_date=D(2021, 9, 1),
    )
    url = reverse("summary_country", args=[2021, seed_report.country.slug])
    page = viewer_client.get(url).content.decode()
    assert (
        "Follow-up period 1 April 2021 – 31 March 2022; statuses on 31 March 2022, "
        "the end of the period"
    ) in page
    early = viewer_client.get(url, {"as_of": "2021-08-01"})
    assert early.context["summary"].totals.by_status["in_progress"] == 0
    assert "part-way through the period: statuses on 1 August 2021" in early.content.decode()
    assert viewer_client.get(url, {"as_of": "yesterday"}).status_code == 400
    assert viewer_client.get(url, {"as_of": "2999-01-01"}).status_code == 400
    download = viewer_client.get(url, {"as_of": "2021-08-01", "format": "json"})
    assert json.loads(download.content)["as_of"] == "2021-08-01"


def test_the_summaries_index_the_dashboard_and_the_country_page_name_the_period(
    seed_report, viewer_client
):
    index = viewer_client.get(reverse("summary_index")).content.decode()
    assert "follow-up period 1 April 2021 – 31 March 2022, ended" in index
    home = viewer_client.get("/").content.decode()
    assert "Follow-up period 1 April 2021 – 31 March 2022; statuses on 31 March 2022." in home
    country = viewer_client.get(reverse("country_detail", args=[seed_report.country.slug]))
    assert "at the end of that year's follow-up period" in country.content.decode()


# --- Audiences -------------------------------------------------------------------------------


@pytest.fixture
def three_sources(seed_report, analyst):
    rec = _prk("PRK-2021-01")
    made = {}
    for sensitivity in Evidence.Sensitivity.values:
        made[sensitivity] = EvidenceFactory(
            recommendations=[rec],
            title=f"Source marked {sensitivity}",
            sensitivity=sensitivity,
            logged_by=analyst,
        )
    return made


def test_an_analysts_own_restricted_item_is_in_no_public_or_internal_summary(
    seed_report, analyst, analyst_client, three_sources
):
    restricted = "Source marked restricted"
    for audience, label in (
        ("public", "Public view: public evidence only"),
        ("internal", "Internal view: public and internal evidence"),
    ):
        summary = build_summary(year=2021, user=analyst, audience=audience)
        assert summary.audience_description.startswith(label)
        for content in (
            exporters.to_json(summary),
            exporters.to_csv(summary),
            exporters.render_html(summary),
        ):
            assert restricted not in content
        workbook = load_workbook(io.BytesIO(exporters.to_xlsx(summary)))
        cells = [c for ws in workbook for row in ws.iter_rows(values_only=True) for c in row]
        assert restricted not in cells
        assert any(isinstance(c, str) and label in c for c in cells)
        data = json.loads(exporters.to_json(summary))
        assert (data["audience"], data["includes_restricted_evidence"]) == (audience, False)

    # The page gives an analyst the internal view, says so, and offers no restricted one.
    url = reverse("summary_country", args=[2021, seed_report.country.slug])
    page = analyst_client.get(url)
    assert page.context["summary"].audience == "internal"
    html = page.content.decode()
    assert restricted not in html
    assert "Source marked internal" in html
    assert (
        "Internal view: public and internal evidence; restricted evidence is not included" in html
    )
    assert "also cites restricted evidence" not in html
    assert analyst_client.get(url, {"audience": "restricted"}).status_code == 400


def test_a_reviewer_chooses_the_restricted_view_and_publishing_records_its_audience(
    seed_report, reviewer, reviewer_client, viewer_client, three_sources
):
    url = reverse("summary_country", args=[2021, seed_report.country.slug])
    assert "Source marked restricted" in reviewer_client.get(url, {"audience": "restricted"}).text
    published = report_services.summary_publish(year=2021, country=seed_report.country, by=reviewer)
    assert (published.audience, published.as_of) == ("public", D(2022, 3, 31))
    content = json.loads(published.content)
    titles = {e["title"] for r in content["countries"][0]["recommendations"] for e in r["evidence"]}
    assert titles == {"Source marked public"}
    page = viewer_client.get(published.get_absolute_url()).content.decode()
    assert "for the <strong>public</strong> audience" in page

    url = reverse("summary_publish_country", args=[2021, seed_report.country.slug])
    choice = {"audience": "restricted", "as_of": "2022-03-31"}
    check = reviewer_client.get(url, choice).context["check"]
    response = reviewer_client.post(url, {**choice, "confirm": "yes", "sha256": check.sha256})
    restricted = PublishedSummary.objects.get(audience="restricted")
    assert response["Location"] == restricted.get_absolute_url()
    # A published restricted summary does not exist for a viewer.
    assert viewer_client.get(restricted.get_absolute_url()).status_code == 404
    assert restricted.get_absolute_url() not in viewer_client.get(reverse("summary_index")).text


def test_an_analyst_cannot_publish_and_nobody_publishes_an_audience_beyond_their_rights(
    seed_report, analyst
):
    with pytest.raises(PermissionDenied):
        report_services.summary_publish(year=2021, country=seed_report.country, by=analyst)
    publisher = UserFactory(username="publisher")
    publisher.user_permissions.add(*Permission.objects.filter(codename="publish_summary"))
    with pytest.raises(PermissionDenied, match="restricted"):
        report_services.summary_publish(
            year=2021, country=seed_report.country, by=publisher, audience="restricted"
        )
    assert not PublishedSummary.objects.exists()


def test_the_one_visibility_rule_gives_no_user_public_evidence_only(viewer, reviewer, analyst):
    from django.contrib.auth.models import AnonymousUser

    rec = RecommendationFactory()
    made = {
        s: EvidenceFactory(recommendations=[rec], sensitivity=s, logged_by=analyst)
        for s in Evidence.Sensitivity.values
    }

    def visible(user):
        return {e.sensitivity for e in Evidence.objects.visible_to(user)}

    assert visible(None) == visible(AnonymousUser()) == {"public"}
    assert visible(viewer) == {"public", "internal"}
    assert visible(analyst) == {"public", "internal", "restricted"}  # logged it
    assert visible(reviewer) == set(Evidence.Sensitivity.values)
    assert visible(SERVER_OPERATOR) == set(Evidence.Sensitivity.values)
    internal = Evidence.objects.visible_to(SERVER_OPERATOR, audience="internal")
    assert {e.sensitivity for e in internal} == {"public", "internal"}
    assert Recommendation.objects.with_evidence_flag(None).get(pk=rec.pk).has_evidence
    made["public"].sensitivity = "internal"
    made["public"].save()
    assert not Recommendation.objects.with_evidence_flag(None).get(pk=rec.pk).has_evidence


# --- Lineage across a gap, and one "dropped" ---------------------------------------------------


@pytest.fixture
def north_korea_with_a_gap(db):
    # 2018, 2020 (a cut-off list without "Accede to the 2000 UN TIP Protocol"), 2021.
    importer.import_batch([parsed_nk(year) for year in (2018, 2020, 2021)])
    return _prk("PRK-2021-11").report.country


def test_a_recommendation_missing_from_one_list_links_back_to_its_last_appearance(
    north_korea_with_a_gap,
):
    accede = _prk("PRK-2021-11")
    assert accede.predecessor.reference == "PRK-2018-11"
    assert accede.link_kind == "repeated"
    assert list(
        Recommendation.objects.filter(report__country=north_korea_with_a_gap)
        .dropped()
        .values_list("reference", "next_year")
    ) == [("PRK-2018-11", 2020)]


def test_the_item_is_dropped_in_the_same_year_on_every_page(north_korea_with_a_gap, viewer_client):
    slug = north_korea_with_a_gap.slug
    summary_2020 = build_summary(year=2020, country=north_korea_with_a_gap).countries[0]
    assert [d.reference for d in summary_2020.dropped] == ["PRK-2018-11"]
    assert summary_2020.totals.by_link_kind["dropped"] == 1
    assert build_summary(year=2021, country=north_korea_with_a_gap).countries[0].dropped == []

    page = viewer_client.get(reverse("summary_country", args=[2020, slug])).content.decode()
    assert "Dropped since 2018" in page and "PRK-2018-11" in page

    grid = viewer_client.get(reverse("country_detail", args=[slug])).context["data"]
    row = next(
        c for c in grid.chains if 2021 in c.cells and c.cells[2021].reference == "PRK-2021-11"
    )
    assert row.cells[2018].reference == "PRK-2018-11"
    assert row.cells[2020].dropped

    some_2020 = _prk("PRK-2020-01")
    lineage_page = viewer_client.get(reverse("recommendation_lineage", args=[some_2020.pk]))
    assert [r["reference"] for r in lineage_page.context["dropped"]] == ["PRK-2018-11"]

    compare = viewer_client.get(reverse("compare"), {"year": 2020, "country": [slug]})
    (nk,) = compare.context["result"].rows
    assert nk.dropped == 1


# --- Spreadsheets and control characters -------------------------------------------------------

CONTROL = "".join(chr(c) for c in range(0x20)) + "\x7f"
# PostgreSQL text cannot hold NUL (forms refuse it anyway): the stored text has the others.
STORED = CONTROL.replace("\x00", "")


def test_every_spreadsheet_writer_takes_text_with_every_control_character(
    seed_report, analyst, viewer_client
):
    rec = _prk("PRK-2021-01")
    EvidenceFactory(recommendations=[rec], title=f"Title{STORED}end", source_name=f"x{STORED}")
    Recommendation.objects.filter(pk=rec.pk).update(text=f"Text{STORED}end")
    summary = build_summary(year=2021)
    workbook = load_workbook(io.BytesIO(exporters.to_xlsx(summary)))
    titles = [row[4] for row in sheets.values(workbook["Evidence"], min_row=2)]
    # Tab, line feed and carriage return stay, and read back as written: the carriage return
    # is stored escaped (`_x000D_`), as a bare one XML reads as a line feed.
    assert titles == ["Title\t\n\r\x7fend"]
    assert "Text\t\n\r\x7fend" in exporters.to_csv(summary)
    url = reverse("summary_country", args=[2021, seed_report.country.slug])
    response = viewer_client.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    load_workbook(io.BytesIO(response.content))
    listed = viewer_client.get(reverse("recommendation_list"), {"format": "xlsx"})
    cells = [c for row in load_workbook(io.BytesIO(listed.content)).active.iter_rows() for c in row]
    (text,) = [c for c in cells if str(c.value).startswith("Text\t")]
    assert sheets.shown(text.value) == "Text\t\n\r\x7fend" and text.data_type == "s"
    for character in CONTROL:
        cleaned = spreadsheets.clean_cell(f"a{character}b")
        assert cleaned in {"ab", f"a{character}b"}
        assert spreadsheets.clean_cell(f"a{character}b", typed_text=True) == cleaned


def test_the_evidence_column_says_how_links_add_up_to_the_items(seed_report, viewer_client):
    recs = list(seed_report.recommendations.order_by("number")[:2])
    EvidenceFactory(recommendations=recs)
    EvidenceFactory(recommendations=recs[:1])
    summary = build_summary(year=2021, country=seed_report.country)
    assert (summary.totals.evidence_items, summary.totals.evidence_links) == (2, 3)
    assert summary.totals.evidence_words == (
        "2 evidence items, linked 3 times: one item can bear on several recommendations"
    )
    page = viewer_client.get(reverse("summary_country", args=[2021, seed_report.country.slug]))
    assert "2 evidence items, linked 3 times" in page.content.decode()


def test_the_compare_with_today_page_names_the_scope(seed_report, reviewer, viewer_client):
    published = report_services.summary_publish(year=2021, country=seed_report.country, by=reviewer)
    EvidenceFactory(recommendations=[_prk("PRK-2021-01")])
    page = viewer_client.get(reverse("published_summary_compare", args=[published.pk]))
    scopes = {d.scope for d in page.context["count_differences"]}
    assert scopes == {"North Korea"}


def test_the_tier_chart_spaces_years_on_a_time_axis_and_names_the_year_compared(seed_report):
    from tracker.models import Tier, TierPlacement

    for year in (2015, 2018):
        TierPlacement.objects.create(
            country=seed_report.country, year=year, tier=Tier.TIER_3, source="table"
        )
    country = build_summary(year=2021, country=seed_report.country).countries[0]
    assert (country.previous_tier_year, country.previous_tier) == (2018, Tier.TIER_3)
    (tiers,) = [
        c
        for c in exporters.charts.country_charts(
            country, summary=build_summary(year=2021, country=seed_report.country)
        )
        if c.id.endswith("-tiers")
    ]
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', str(tiers.svg))]
    # 2015, 2018, 2021: equal gaps of three years, not three neighbouring slots.
    assert len(xs) == 3 and abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 0.01
    page = exporters.render_html(build_summary(year=2021, country=seed_report.country))
    assert "2018: Tier 3" in page


# --- Layers ------------------------------------------------------------------------------------


def test_tracker_never_imports_reports():
    offenders = []
    for path in (ROOT / "tracker").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [
                f"{Path(path).relative_to(ROOT)}: {n}"
                for n in names
                if n.split(".")[0] == "reports"
            ]
    assert offenders == []


def test_a_summary_published_before_follow_up_periods_still_renders_and_says_so(
    seed_report, reviewer, viewer_client
):
    import hashlib

    data = json.loads(exporters.to_json(build_summary(year=2021, country=seed_report.country)))
    # The first published shape: statuses on the last day of the reporting period.
    data["schema_version"] = 1
    data["reporting_period"] = {"start": "2020-04-01", "end": "2021-03-31"}
    for key in ("follow_up_period", "as_of", "audience"):
        del data[key]
    for scope in [data, *data["countries"]]:
        totals = scope["totals"]
        totals["by_status_previous"] = totals.pop("by_status_at_start")
        totals["changed_since_last_year"] = totals.pop("changed_in_period")
        del totals["evidence_links"]
    for row in data["countries"][0]["recommendations"]:
        row["status_previous"] = row.pop("status_at_start")
    content = json.dumps(data, sort_keys=True, separators=(",", ":"))
    old = PublishedSummary.objects.create(
        country=seed_report.country,
        year=2021,
        audience="internal",
        content=content,
        sha256=hashlib.sha256(content.encode()).hexdigest(),
        published_by=reviewer,
    )
    page = viewer_client.get(old.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reporting period 1 April 2020 – 31 March 2021" in html
    assert "statuses on 31 March 2021, the end of the reporting period" in html
    assert "content matches" in html


def test_the_summary_says_plainly_which_years_have_no_tier_on_record(seed_report, viewer_client):
    from tracker.models import Tier, TierPlacement

    TierPlacement.objects.create(
        country=seed_report.country, year=2015, tier=Tier.TIER_2_WATCH_LIST, source="table"
    )
    country = build_summary(year=2021, country=seed_report.country).countries[0]
    assert country.years_without_tier == (2016, 2020)
    (tiers,) = [
        c
        for c in exporters.charts.country_charts(
            country, summary=build_summary(year=2021, country=seed_report.country)
        )
        if c.id.endswith("-tiers")
    ]
    assert "2016: no tier on record (unknown)" in str(tiers.svg)
    assert [2017, "No tier on record"] in tiers.rows
    page = viewer_client.get(reverse("summary_country", args=[2021, seed_report.country.slug]))
    figure = page.text[page.text.index("Tier 2021") :][:400]
    assert "No tier on record for 2016–2020" in figure and "2015: Tier 2 Watch List" in figure
    overview = viewer_client.get(reverse("summary_all", args=[2021])).text
    # The 2015 tier never shows as if it were the year before's.
    plain = "No tier on record for 2016–2020; Tier 2 Watch List in 2015"
    assert plain in overview
    assert overview.count("Tier 2 Watch List in 2015") == overview.count(plain)

"""The narrative pages: the list of imported narratives and each one with anchored findings."""

import re

import pytest

from tests.factories import FindingFactory, RecommendationFactory, ReportFactory, UserFactory
from tracker.models import Finding, Recommendation, Report


def listed(response) -> list[tuple[str, str]]:
    """Return (country, year) of each narrative row of the list page, in order."""
    return re.findall(
        r'<td><a href="/reports/\d+/">([^<]+)</a></td>\s*<td class="num"><a href="/reports/\d+/">'
        r"(\d{4})</a>",
        response.text,
    )


def test_anonymous_visitors_are_sent_to_the_login_page(client, seed_report):
    for path in ["/reports/", f"/reports/{seed_report.pk}/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_a_user_without_a_role_may_not_read_narratives(client, seed_report):
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/reports/").status_code == 403
    assert client.get(f"/reports/{seed_report.pk}/").status_code == 403


def test_the_list_shows_every_imported_narrative_by_country_then_newest_year(
    viewer_client, fixture_narratives
):
    rows = listed(viewer_client.get("/reports/"))
    assert len(rows) == Report.objects.count() == len(fixture_narratives)
    korea = [year for country, year in rows if country == "North Korea"]
    assert korea == ["2022", "2021", "2020", "2018"]
    assert rows == sorted(rows, key=lambda row: (row[0], -int(row[1])))


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"year": "2021"}, Report.objects.filter(year=2021)),
        ({"tier": "tier_2_watch_list"}, Report.objects.filter(tier="tier_2_watch_list")),
        ({"country": "syria"}, Report.objects.filter(country__slug="syria")),
        ({"q": "korea"}, Report.objects.filter(country__name="North Korea")),
    ],
)
def test_narratives_filter_by_year_tier_and_country(
    viewer_client, fixture_narratives, params, expected
):
    wanted = {(r.country.name, str(r.year)) for r in expected.select_related("country")}
    assert wanted
    assert set(listed(viewer_client.get("/reports/", params))) == wanted


def test_the_list_counts_the_recommendations_of_each_narrative(viewer_client, fixture_narratives):
    page = viewer_client.get("/reports/", {"country": "north-korea", "year": "2021"}).text
    assert '?country=north-korea&amp;year=2021">11</a>' in page


@pytest.mark.parametrize("narratives", [3, 120])
def test_the_list_takes_a_fixed_number_of_queries(
    django_assert_num_queries, viewer_client, narratives
):
    for i in range(narratives):
        report = ReportFactory(year=2001 + i % 20)
        RecommendationFactory(report=report)
    # Session, user, permissions with the user's groups, the year and country menus (one
    # union), count, page.
    with django_assert_num_queries(6):
        response = viewer_client.get("/reports/")
    assert len(listed(response)) == min(narratives, 50)


def test_a_narrative_shows_each_finding_with_its_anchor(viewer_client, seed_report):
    page = viewer_client.get(f"/reports/{seed_report.pk}/").text
    findings = Finding.objects.filter(report=seed_report)
    assert findings.count() > 20
    for finding in findings:
        assert f'id="finding-{finding.section}-{finding.position}"' in page
    assert "Tier 3" in page
    assert "Prioritized recommendations" in page
    for section in ["Introduction", "Prosecution", "Protection", "Prevention"]:
        assert f">{section}</h2>" in page


def test_a_narrative_lists_its_recommendations_each_linking_to_its_page(viewer_client, seed_report):
    page = viewer_client.get(f"/reports/{seed_report.pk}/").text
    recs = Recommendation.objects.filter(report=seed_report)
    assert recs.count() == 11
    for rec in recs:
        assert f'<a href="/recommendations/{rec.pk}/">{rec.reference}</a>' in page


def test_a_finding_lists_the_recommendations_that_answer_it(viewer_client, seed_report):
    finding = Finding.objects.filter(report=seed_report, section="prosecution").first()
    rec = Recommendation.objects.get(reference="PRK-2021-07")
    rec.findings.add(finding)
    page = viewer_client.get(f"/reports/{seed_report.pk}/").text
    anchor = f'id="{finding.anchor}"'
    element = page[page.index(anchor) : page.index("</span></span>", page.index(anchor))]
    assert f'<a href="/recommendations/{rec.pk}/">PRK-2021-07</a>' in element


def test_the_recommendation_page_links_back_to_the_finding_anchor(viewer_client, seed_report):
    finding = Finding.objects.filter(report=seed_report, section="protection").first()
    rec = Recommendation.objects.get(reference="PRK-2021-05")
    rec.findings.add(finding)
    page = viewer_client.get(f"/recommendations/{rec.pk}/").text
    assert f'href="/reports/{seed_report.pk}/#{finding.anchor}"' in page


def test_a_narrative_without_findings_shows_its_section_text(viewer_client):
    report = ReportFactory(
        introduction="Nothing was parsed into findings.",
        sections={"prosecution": "The government prosecuted nobody."},
    )
    page = viewer_client.get(f"/reports/{report.pk}/").text
    assert "Nothing was parsed into findings." in page
    assert "The government prosecuted nobody." in page


def test_only_web_addresses_become_source_links(viewer_client):
    web = ReportFactory(source_url="https://www.state.gov/reports/x/")
    odd = ReportFactory(source_url="javascript:alert(1)")
    assert (
        'href="https://www.state.gov/reports/x/"' in viewer_client.get(f"/reports/{web.pk}/").text
    )
    assert "javascript:" not in viewer_client.get(f"/reports/{odd.pk}/").text


def test_narrative_text_is_escaped(viewer_client):
    report = ReportFactory()
    FindingFactory(report=report, text="<img src=x onerror=alert(1)>")
    page = viewer_client.get(f"/reports/{report.pk}/").text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize("findings", [5, 300])
def test_a_narrative_takes_a_fixed_number_of_queries(
    django_assert_num_queries, viewer_client, findings
):
    report = ReportFactory()
    recs = [RecommendationFactory(report=report) for _ in range(3)]
    made = Finding.objects.bulk_create(
        Finding(report=report, section="prosecution", position=i, text=f"Sentence {i}.")
        for i in range(1, findings + 1)
    )
    for finding in made[::2]:
        finding.recommendations.set(recs)
    ReportFactory(country=report.country, year=2020)
    # Session, user, permissions with the user's groups, report, recommendations, findings,
    # their recommendations, other years.
    with django_assert_num_queries(8):
        response = viewer_client.get(f"/reports/{report.pk}/")
    assert len(re.findall(r'class="finding( answered)?" id=', response.text)) == findings


def test_an_unknown_narrative_is_not_found(viewer_client):
    assert viewer_client.get("/reports/999999/").status_code == 404

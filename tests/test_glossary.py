"""The glossary explains every term of the vocabularies, and the forms link to it."""

import pytest
from django.urls import reverse

from tests.factories import RecommendationFactory
from tracker.models import Assessment, Audience, Evidence, Recommendation, Tier


@pytest.mark.parametrize(
    ("section", "choices"),
    [
        ("statuses", Recommendation.Status.choices),
        ("ratings", Assessment.Rating.choices),
        ("confidence", Assessment.Confidence.choices),
        ("states", Assessment.State.choices),
        ("sensitivity", Evidence.Sensitivity.choices),
        ("directions", Evidence.Direction.choices),
        ("audiences", Audience.choices),
        ("tiers", Tier.choices),
        ("links", Recommendation.LinkKind.choices),
    ],
)
def test_the_glossary_explains_every_term_by_the_name_the_pages_use(
    viewer_client, section, choices
):
    html = viewer_client.get(reverse("glossary")).content.decode()
    start = html.index(f'<section class="card glossary" id="{section}"')
    part = html[start : html.index("</section>", start)]
    for code, label in choices:
        assert f'<dt id="{section}-{code}">{label}</dt>' in part
    assert part.count("<dd>") == len(choices)


def test_the_glossary_explains_both_periods(viewer_client):
    html = viewer_client.get(reverse("glossary")).content.decode()
    assert '<dt id="reporting-period">Reporting period</dt>' in html
    assert '<dt id="follow-up-period">Follow-up period</dt>' in html
    assert "1 April of Y to 31 March of Y+1" in html


def test_every_page_links_to_the_glossary_from_its_footer(viewer_client):
    home = viewer_client.get("/").content.decode()
    footer = home[home.index('<footer class="site-footer">') :]
    assert f'<a href="{reverse("glossary")}">Glossary' in footer
    assert '<abbr title="Trafficking in Persons">TIP</abbr>' in footer


def test_the_forms_link_their_terms_to_the_glossary(analyst_client, reviewer_client, db):
    rec = RecommendationFactory()
    detail = analyst_client.get(rec.get_absolute_url()).content.decode()
    assert '<a class="help-link" href="/glossary/#statuses">What the statuses mean</a>' in detail
    assert '<a class="help-link" href="/glossary/#periods">What the periods mean</a>' in detail
    evidence = analyst_client.get(reverse("evidence_new")).content.decode()
    assert 'href="/glossary/#sensitivity">What the sensitivity levels mean</a>' in evidence
    assessment = analyst_client.get(
        reverse("assessment_detail", args=[rec.pk, rec.report.year])
    ).content.decode()
    assert 'href="/glossary/#ratings">What the ratings mean</a>' in assessment
    assert 'href="/glossary/#confidence">What the confidence levels mean</a>' in assessment
    summary = reviewer_client.get(
        reverse("summary_country", args=[rec.report.year, rec.report.country.slug])
    ).content.decode()
    assert 'href="/glossary/#audiences">What the audiences mean</a>' in summary
    compare = reviewer_client.get(reverse("compare")).content.decode()
    assert 'href="/glossary/#tiers">What the tiers mean</a>' in compare


def test_the_sign_in_page_links_to_the_glossary_which_anyone_may_read(client, db):
    login = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("glossary")}"' in login
    page = client.get(reverse("glossary"))
    assert page.status_code == 200 and "Recommendation statuses" in page.content.decode()

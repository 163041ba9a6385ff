"""The check before publishing: what a snapshot makes public, confirmed; the command."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from reports.models import PublishedSummary
from tests.factories import UserFactory
from tests.sentinels import EXPECTED, PUBLIC, build_world, mark
from tracker import roles, services
from tracker.models import TextSensitivityChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(seed_report):
    return build_world(seed_report)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(world, name="summary_publish_country"):
    return reverse(name, args=[2021, world.country.slug])


def test_the_check_lists_exactly_the_public_texts_and_evidence_with_authors_and_citations(
    world,
):
    page = _client(world.reviewer).get(_url(world))
    assert page.status_code == 200
    check = page.context["check"]
    by_marker = {name: text for text in check.texts for name in world.found(text.text)}
    assert set(by_marker) == {"REASONPUB", "NARRPUB"}
    reason, narrative = by_marker["REASONPUB"], by_marker["NARRPUB"]
    assert (reason.kind, reason.author, reason.references) == (
        "reason",
        "author",
        [world.recs[0].reference],
    )
    assert [world.found(c.title) for c in reason.cites] == [{"EVPUBTITLE"}]
    assert (narrative.kind, narrative.author) == ("narrative", "author")
    assert [c.sensitivity for c in narrative.cites] == [PUBLIC]
    assert [world.found(item.title) for item in check.evidence] == [{"EVPUBTITLE"}]
    assert {item.logged_by for item in check.evidence} == {"author"}
    assert len(check.evidence[0].references) == len(world.recs)
    # Said on the page, with every other marker absent from it.
    html = page.content.decode()
    assert world.found(html) == EXPECTED[PUBLIC]
    assert "Texts this summary makes public (2)" in html
    assert "Evidence this summary makes public (1)" in html
    assert "3 status changes and 3 assessments are stated without their words" in html
    assert 'type="checkbox" name="confirm"' in html and "required" in html


def test_publishing_without_the_confirmation_is_refused_and_says_why(world):
    client = _client(world.reviewer)
    sha = client.get(_url(world)).context["check"].sha256
    response = client.post(_url(world), {"sha256": sha})
    assert response.status_code == 400
    assert "Tick the confirmation once you have checked" in response.content.decode()
    assert response.context["form"]["confirm"].errors
    assert not PublishedSummary.objects.exists()


def test_publishing_freezes_exactly_what_was_checked(world):
    client = _client(world.reviewer)
    check = client.get(_url(world)).context["check"]
    done = client.post(_url(world), {"sha256": check.sha256, "confirm": "on"})
    published = PublishedSummary.objects.get()
    assert done["Location"] == published.get_absolute_url()
    assert published.sha256 == check.sha256
    assert world.found(published.content) == EXPECTED[PUBLIC]


def test_a_change_after_the_check_publishes_nothing_and_shows_the_check_again(world):
    client = _client(world.reviewer)
    checked = client.get(_url(world)).context["check"]
    # Meanwhile an analyst records a public reason: the reviewer has not seen it.
    services.recommendation_set_status(
        recommendation=world.recs[6],
        status="in_progress",
        reason=f"Late {mark('LATE')}",
        reason_sensitivity=PUBLIC,
        effective_date=datetime.date(2021, 12, 1),
        by=world.author,
    )
    response = client.post(_url(world), {"sha256": checked.sha256, "confirm": "on"})
    assert response.status_code == 409
    assert not PublishedSummary.objects.exists()
    html = response.content.decode()
    assert "The summary changed after you checked it" in html
    assert mark("LATE") in html
    assert response.context["check"].sha256 != checked.sha256


def test_a_reviewer_makes_a_text_non_public_from_the_check_and_it_leaves_the_next_snapshot(
    world,
):
    client = _client(world.reviewer)
    change = world.changes["REASONPUB"]
    response = client.post(
        _url(world, "summary_withhold_country"),
        {
            "text": f"reason:{change.pk}",
            "sensitivity": "internal",
            "reason": "It names the town of a source.",
            "audience": "public",
            "as_of": "2022-03-31",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url(world) + "?audience=public&as_of=2022-03-31"
    record = TextSensitivityChange.objects.get(status_change=change)
    assert (record.old_sensitivity, record.new_sensitivity, record.changed_by) == (
        "public",
        "internal",
        world.reviewer,
    )
    page = client.get(response["Location"])
    assert {n for t in page.context["check"].texts for n in world.found(t.text)} == {"NARRPUB"}
    assert "now internal" in page.content.decode()
    client.post(_url(world), {"sha256": page.context["check"].sha256, "confirm": "on"})
    published = PublishedSummary.objects.get()
    assert world.found(published.content) == EXPECTED[PUBLIC] - {"REASONPUB"}
    narrative = world.assessments["NARRPUB"]
    client.post(
        _url(world, "summary_withhold_country"),
        {"text": f"narrative:{narrative.pk}", "sensitivity": "restricted", "reason": "A name."},
    )
    narrative.refresh_from_db()
    assert narrative.narrative_sensitivity == "restricted"


def test_the_check_never_makes_a_text_more_public_and_refuses_bad_input(world):
    client = _client(world.reviewer)
    withhold = _url(world, "summary_withhold_country")
    lowered = world.changes["REASONLOWERED"]
    for data in (
        {"text": f"reason:{lowered.pk}", "sensitivity": "public", "reason": "Harmless."},
        {"text": f"reason:{lowered.pk}", "sensitivity": "restricted", "reason": ""},
        {"text": "reason:abc", "sensitivity": "restricted", "reason": "Why."},
    ):
        response = client.post(withhold, data, follow=True)
        assert "Nothing was changed." in response.content.decode()
    assert TextSensitivityChange.objects.filter(status_change=lowered).count() == 1
    # Only those who may publish reach it; an analyst is refused.
    refused = _client(world.author).post(
        withhold, {"text": f"reason:{lowered.pk}", "sensitivity": "restricted", "reason": "x"}
    )
    assert refused.status_code == 403


def test_the_check_page_takes_a_fixed_number_of_queries(world, django_assert_num_queries):
    client = _client(world.reviewer)
    client.get(_url(world))  # the session and the permissions, read once
    # Session, the user with the header's count of notifications, the permissions with the
    # groups, the country; the ten of build_summary, the six of the check.
    with django_assert_num_queries(20):
        client.get(_url(world))


# -- manage.py publish_summary ------------------------------------------------------------


def _run(*args) -> str:
    out = io.StringIO()
    call_command("publish_summary", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_publishes_through_the_same_check_and_prints_it(world):
    out = _run("--year", "2021", "--country", "North Korea", "--by", "checker")
    published = PublishedSummary.objects.get()
    assert (published.audience, published.published_by, published.country) == (
        "public",
        world.reviewer,
        world.country,
    )
    assert f"SHA-256 {published.sha256}" in out
    assert f"published summary {published.pk}" in out
    assert "makes public 2 text(s) and 1 evidence item(s)" in out
    assert world.found(out) == EXPECTED[PUBLIC]
    assert world.found(published.content) == EXPECTED[PUBLIC]
    data = json.loads(published.content)
    assert data["as_of"] == "2022-03-31"
    # The same checks as the page: unchanged content is not published again.
    with pytest.raises(CommandError, match="Nothing has changed"):
        _run("--year", "2021", "--country", "north-korea", "--by", "checker")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "nobody"], "Unknown or inactive user 'nobody'"),
        (["--by", "author"], "author may not publish summaries"),
        (["--by", "checker", "--country", "Atlantis"], "Unknown country 'Atlantis'"),
        (["--by", "checker", "--as-of", "2999-01-01"], "is in the future"),
        (["--by", "checker", "--as-of", "31/03/2022"], "in the form YYYY-MM-DD"),
        (["--by", "checker", "--year", "1999"], "There is no narrative of 1999"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_exit_code_1(world, args, message):
    argv = [*(["--year", "2021"] if "--year" not in args else []), *args]
    with pytest.raises(CommandError) as refused:
        _run(*argv)
    # The exit code `manage.py` gives a CommandError (`BaseCommand.run_from_argv`).
    assert refused.value.returncode == 1
    assert message in str(refused.value)
    assert not PublishedSummary.objects.exists()


def test_an_inactive_reviewer_may_not_publish_from_the_command(world):
    UserFactory(username="gone", role=roles.REVIEWER, is_active=False)
    with pytest.raises(CommandError, match="Unknown or inactive user"):
        _run("--year", "2021", "--by", "gone")

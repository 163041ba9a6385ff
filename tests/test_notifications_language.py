"""Notifications and their e-mails are worded in each recipient's language, whoever acts.

The project's catalogues are merged elsewhere, so these tests compile a small French catalogue
of their own (with Babel, as the install step does) and point `LOCALE_PATHS` at it: the real
gettext machinery runs, only the catalogue is the test's.
"""

import io

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.core import mail
from django.utils import translation

from tests.factories import AssessmentFactory, RecommendationFactory, UserFactory
from tracker import notifications, roles, services
from tracker.models import Notification, NotificationPreference

FRENCH = {
    "%(name)s submitted the %(year)s assessment of %(reference)s for review.": (
        "%(name)s a soumis à relecture l’évaluation %(year)s de %(reference)s."
    ),
    "%(name)s made you the owner of %(reference)s.": (
        "%(name)s vous a désigné responsable de %(reference)s."
    ),
    "TIP Tracker: %(kind)s": "TIP Tracker : %(kind)s",
    "What happened in TIP Tracker that concerns you:": (
        "Ce qui s’est passé dans TIP Tracker et vous concerne :"
    ),
    ("TIP Tracker: %(count)s notification", "TIP Tracker: %(count)s notifications"): (
        "TIP Tracker : %(count)s notification",
        "TIP Tracker : %(count)s notifications",
    ),
}


@pytest.fixture
def french(tmp_path, settings):
    """Serve `FRENCH` as the French catalogue for the length of the test."""
    # The header states French's plural rule as the project's catalogues do.
    catalog = read_po(io.StringIO(_HEADER), locale="fr")
    for msgid, msgstr in FRENCH.items():
        catalog.add(msgid, msgstr)
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "django.mo", "wb") as out:
        write_mo(out, catalog)
    settings.LOCALE_PATHS = [tmp_path]
    yield
    translation.activate(settings.LANGUAGE_CODE)


_HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"""


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def messages_of(user):
    return list(Notification.objects.filter(recipient=user).values_list("message", flat=True))


def test_each_reviewer_is_told_in_their_own_language_not_the_authors(french, commit, analyst):
    reader = UserFactory(username="lectrice", role=roles.REVIEWER)
    other = UserFactory(username="reviewer2", role=roles.REVIEWER)
    services.language_choose(by=reader, language="fr")
    assessment = AssessmentFactory(author=analyst)
    ref = assessment.recommendation.reference
    # The author works in Korean; that decides nothing for the people told.
    with translation.override("ko"):
        commit(services.assessment_submit, assessment=assessment, by=analyst)
    assert messages_of(reader) == [f"analyst a soumis à relecture l’évaluation 2021 de {ref}."]
    assert messages_of(other) == [f"analyst submitted the 2021 assessment of {ref} for review."]


def test_an_owner_reading_french_gets_the_notice_and_its_e_mail_in_french(
    french, commit, analyst, other_analyst
):
    services.language_choose(by=other_analyst, language="fr")
    rec = RecommendationFactory()
    commit(services.recommendation_set_owner, recommendation=rec, owner=other_analyst, by=analyst)
    assert messages_of(other_analyst) == [f"analyst vous a désigné responsable de {rec.reference}."]
    [sent] = mail.outbox
    assert sent.subject.startswith("TIP Tracker : ")
    assert sent.body.startswith(f"analyst vous a désigné responsable de {rec.reference}.")


def test_a_daily_digest_is_framed_in_its_recipients_language(
    french, commit, analyst, other_analyst
):
    services.language_choose(by=other_analyst, language="fr")
    NotificationPreference.objects.create(
        user=other_analyst, email=NotificationPreference.Email.DAILY
    )
    for _ in range(2):
        commit(
            services.recommendation_set_owner,
            recommendation=RecommendationFactory(),
            owner=other_analyst,
            by=analyst,
        )
    assert mail.outbox == []
    assert notifications.send_digests() == 1
    [sent] = mail.outbox
    assert sent.subject == "TIP Tracker : 2 notifications"
    assert sent.body.startswith("Ce qui s’est passé dans TIP Tracker et vous concerne :")

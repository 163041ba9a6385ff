"""The core's words go through Django's translation: vocabulary labels, refusals, durations.

The catalogues themselves are built from `locale/` at install; these tests compile a small one
of their own (with Babel, as the install step does), so they check the marking whatever the
state of the shipped catalogues.
"""

import datetime

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.functional import Promise

from tiptracker.lib.dates import duration_words
from tracker import services
from tracker.models import (
    Assessment,
    Audience,
    Evidence,
    Recommendation,
    Tier,
)
from tracker.roles import label as role_label
from tracker.uploads import UploadRefused, check_name
from tracker.views.glossary import glossary_sections

KOREAN = {
    "%(n)d minute": ("%(n)d분",),
    "%(n)d hour": ("%(n)d시간",),
    "You may not change statuses.": "상태를 변경할 수 없습니다.",
    ("status", "Implemented"): "이행됨",
    "Tier 2 Watch List": "2등급 감시대상",
    "Analyst": "분석가",
    "The file name is longer than 255 characters; shorten it.": "파일 이름이 255자를 넘습니다.",
    "Recommendation statuses": "권고 상태",
    "The recommendation is met as the report worded it.": "권고가 충족되었습니다.",
}
ARABIC = {
    "%(n)d minute": (
        "%(n)d دقيقة",
        "%(n)d دقيقة",
        "%(n)d دقيقتان",
        "%(n)d دقائق",
        "%(n)d دقيقة",
        "%(n)d دقيقة",
    ),
}
PLURALS = {"%(n)d minute": "%(n)d minutes", "%(n)d hour": "%(n)d hours"}


def _write_catalogue(root, language: str, entries: dict) -> None:
    catalogue = Catalog(locale=language)
    for key, text in entries.items():
        context, msgid = key if isinstance(key, tuple) else (None, key)
        if msgid in PLURALS:
            msgid = (msgid, PLURALS[msgid])
        catalogue.add(msgid, text, context=context)
    folder = root / language / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "django.mo", "wb") as out:
        write_mo(out, catalogue)


@pytest.fixture
def catalogues(tmp_path, settings):
    _write_catalogue(tmp_path, "ko", KOREAN)
    _write_catalogue(tmp_path, "ar", ARABIC)
    # Changing the setting empties Django's cache of loaded catalogues.
    settings.LOCALE_PATHS = [tmp_path]
    yield
    settings.LOCALE_PATHS = []


def test_vocabulary_labels_are_marked_and_their_codes_unchanged():
    vocabularies = [
        Tier,
        Recommendation.Status,
        Recommendation.Pillar,
        Recommendation.LinkKind,
        Evidence.SourceType,
        Evidence.Sensitivity,
        Evidence.Direction,
        Audience,
        Assessment.Rating,
        Assessment.Confidence,
        Assessment.State,
    ]
    for vocabulary in vocabularies:
        for member in vocabulary:
            assert isinstance(member.label, Promise), (vocabulary, member)
    assert Tier.values == ["tier_1", "tier_2", "tier_2_watch_list", "tier_3", "special_case"]
    assert Recommendation.Status.values == [
        "no_action",
        "in_progress",
        "implemented",
        "regressed",
        "cannot_assess",
    ]
    assert Evidence.Sensitivity.values == ["public", "internal", "restricted"]


def test_english_words_are_unchanged():
    with translation.override("en"):
        assert duration_words(datetime.timedelta(days=1, hours=2)) == "1 day 2 hours"
        assert duration_words(datetime.timedelta(minutes=15)) == "15 minutes"
        assert str(Recommendation.Status.IMPLEMENTED.label) == "Implemented"
        assert role_label("Analyst") == "Analyst"


def test_labels_durations_roles_and_the_glossary_follow_the_active_language(catalogues):
    with translation.override("ko"):
        assert duration_words(datetime.timedelta(hours=1, minutes=15)) == "1시간 15분"
        assert str(Recommendation.Status.IMPLEMENTED.label) == "이행됨"
        assert str(Tier.TIER_2_WATCH_LIST.label) == "2등급 감시대상"
        assert role_label("Analyst") == "분석가"
        sections = {key: (str(title), terms) for key, title, terms in glossary_sections()}
        title, terms = sections["statuses"]
        assert title == "권고 상태"
        meaning = {code: str(text) for code, _, text in terms}
        assert meaning["implemented"] == "권고가 충족되었습니다."
    # The group name a role is stored under never changes.
    assert role_label("Analyst") == "Analyst"


def test_arabic_durations_take_the_plural_form_of_their_number(catalogues):
    with translation.override("ar"):
        assert duration_words(datetime.timedelta(minutes=2)) == "2 دقيقتان"
        assert duration_words(datetime.timedelta(minutes=5)) == "5 دقائق"
        assert duration_words(datetime.timedelta(minutes=11)) == "11 دقيقة"


@pytest.mark.django_db
def test_refusals_are_said_in_the_active_language(catalogues, django_user_model):
    viewer = django_user_model.objects.create_user("reader", password="x" * 16)
    with translation.override("ko"):
        with pytest.raises(PermissionDenied, match="상태를 변경할 수 없습니다."):
            services.recommendation_set_status(
                recommendation=Recommendation(pk=1), status="implemented", reason="", by=viewer
            )
        with pytest.raises(UploadRefused) as refused:
            check_name("a" * 300 + ".pdf")
        assert refused.value.messages == ["파일 이름이 255자를 넘습니다."]


@pytest.mark.parametrize("language", ["fr", "es", "ar", "ko"])
def test_a_time_stamp_is_written_in_the_languages_own_form(language):
    from django.utils import formats

    moment = datetime.datetime(2026, 12, 7, 19, 26, tzinfo=datetime.UTC)
    with translation.override(language):
        written = formats.date_format(moment, "DATETIME_FORMAT")
        day = formats.date_format(moment.date(), "DATE_FORMAT")
    # The day with its time begins with the day as the language writes it alone (the global
    # fallback, "N j, Y, P", puts the month first with English commas).
    assert written.startswith(day.rstrip(".")), (written, day)

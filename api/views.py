"""The REST API under /api/v1/: the same reads, rules and services as the pages.

Every queryset of evidence goes through `Evidence.objects.visible_to`, so restricted items do
not exist (404, absent from lists, filters and flags) for those who may not see them. Writes go
through `tracker.services`; a write to an existing item needs its ETag in If-Match.
"""

import copy
import datetime
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.errors import PreconditionFailed, PreconditionRequired
from api.parsers import JSONParser, RecordingMultiPartParser
from reports import access
from reports.forms import SummaryParametersForm
from reports.models import PublishedSummary
from reports.published import summary_from_dict, summary_to_dict
from reports.summary import BadAsOf, NoNarratives, build_summary
from tracker import filters as tracker_filters
from tracker import permissions, selectors, services, uploads
from tracker.forms import EvidenceEditForm, EvidenceForm, not_in_the_future
from tracker.models import (
    FIRST_REPORT_YEAR,
    LAST_REPORT_YEAR,
    Assessment,
    Audience,
    Country,
    Evidence,
    Finding,
    Recommendation,
    Report,
    StatusChange,
    TierPlacement,
    is_report_year,
)

# --- Shared rules ---------------------------------------------------------------------------


def expected_version(request, item) -> int:
    """Return `item`'s version if If-Match names its current ETag; else refuse (428 or 412)."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    if s.etag(item) not in {tag.strip() for tag in header.split(",")}:
        raise PreconditionFailed()
    return item.version


def _with_reason(request, item, service, **arguments):
    """Check If-Match against `item`, then call `service` with the body's reason."""
    version = expected_version(request, item)
    body = s.ReasonSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return service(
        reason=body.validated_data["reason"],
        by=request.user,
        expected_version=version,
        **arguments,
    )


def _with_etag(response: Response, item) -> Response:
    response["ETag"] = s.etag(item)
    return response


def _ids(values, queryset, field: str, lookup: str = "pk") -> list:
    """Return the rows of `queryset` with these ids (or public identifiers, `lookup`), or refuse
    the ones it does not hold.

    The message is the same whether an item does not exist or the caller may not see it.
    """
    values = list(dict.fromkeys(values))
    rows = list(queryset.filter(**{f"{lookup}__in": values}))
    missing = sorted(set(values) - {getattr(row, lookup) for row in rows}, key=str)
    if missing:
        raise ValidationError(
            {
                field: [
                    gettext("Unknown for this recommendation: %(ids)s.")
                    % {"ids": ", ".join(map(str, missing))}
                ]
            }
        )
    return rows


def _refuse_form(form) -> None:
    """Raise the form's errors as the API's field errors, if it has any."""
    if form.is_valid():
        return
    errors = {name: list(messages) for name, messages in form.errors.items()}
    errors["non_field_errors"] = errors.pop("__all__", [])
    raise ValidationError({name: found for name, found in errors.items() if found})


class _ApiViewSet(viewsets.GenericViewSet):
    """What the permission and the schema ask of every viewset."""

    read_permission = ""
    write_permissions: dict[str, str] = {}
    if_match_operations: tuple = ()
    etag_operations: tuple = ()


# --- Countries and narratives ---------------------------------------------------------------


@extend_schema(tags=["countries"])
class CountryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _ApiViewSet):
    """Countries, with their tier in every year known."""

    serializer_class = s.CountrySerializer
    lookup_field = "slug"
    read_permission = "tracker.view_country"
    cursor_ordering = ("name",)
    queryset = Country.objects.prefetch_related(
        Prefetch("tier_placements", queryset=TierPlacement.objects.order_by("year"))
    )


@extend_schema(tags=["narratives"])
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _ApiViewSet):
    """Country narratives (reports), with the filters of the narrative list."""

    read_permission = "tracker.view_report"
    filterset_class = tracker_filters.ReportFilterSet

    def get_queryset(self):
        reports = Report.objects.select_related("country")
        if self.action == "retrieve":
            return reports.prefetch_related(
                Prefetch("findings", queryset=Finding.objects.order_by("section", "position")),
                Prefetch("recommendations", queryset=Recommendation.objects.order_by("number")),
            )
        return reports.defer("source_text", "sections", "introduction", "tier_statement")

    def get_serializer_class(self):
        return s.ReportDetailSerializer if self.action == "retrieve" else s.ReportSerializer


# --- Recommendations and their status history -------------------------------------------------


class RecommendationFilterSet(tracker_filters.RecommendationFilterSet):
    """The recommendation list's filters; the API pages by cursor, so it has no `sort`."""

    sort = None


def _as_of(request) -> datetime.date | None:
    value = request.query_params.get("as_of")
    if not value:
        return None
    try:
        day = datetime.date.fromisoformat(value)
        not_in_the_future(day)
    except ValueError as exc:
        raise ValidationError({"as_of": [gettext("Give the date as YYYY-MM-DD.")]}) from exc
    except DjangoValidationError as exc:
        raise ValidationError({"as_of": exc.messages}) from exc
    return day


_AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="Also give each recommendation's status on this date, as `status_on`.",
)


@extend_schema(tags=["recommendations"])
class RecommendationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _ApiViewSet):
    """Recommendations, with the filters of the list page; their status history and changes."""

    read_permission = "tracker.view_recommendation"
    write_permissions = {
        "status_changes": "tracker.change_status",
        "void_change": "tracker.change_status",
        # Owner, pillar and lineage; the text also needs `change_recommendation`, which the
        # service asks for.
        "partial_update": "tracker.change_status",
    }
    if_match_operations = (
        ("status_changes", "POST"),
        ("void_change", "POST"),
        ("partial_update", "PATCH"),
    )
    etag_operations = (
        ("retrieve", "GET"),
        ("status_changes", "POST"),
        ("void_change", "POST"),
        ("partial_update", "PATCH"),
    )
    serializer_class = s.RecommendationSerializer
    filterset_class = RecommendationFilterSet

    def get_queryset(self):
        if self.action in ("status_changes", "void_change"):
            return Recommendation.objects.all()
        user = self.request.user
        queryset = (
            selectors.recommendation_rows(user)
            .select_related("predecessor")
            .prefetch_related(
                Prefetch("successors", queryset=Recommendation.objects.order_by("pk")),
                Prefetch("findings", queryset=Finding.objects.only("pk").order_by("pk")),
            )
        )
        day = _as_of(self.request)
        return queryset.with_status_on(day) if day else queryset

    @extend_schema(parameters=[_AS_OF])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[_AS_OF])
    def retrieve(self, request, *args, **kwargs):
        recommendation = self.get_object()
        return _with_etag(Response(self.get_serializer(recommendation).data), recommendation)

    def _history(self, recommendation):
        visible = (
            Evidence.objects.visible_to(self.request.user).only("pk", "public_id").order_by("pk")
        )
        return (
            StatusChange.objects.filter(recommendation=recommendation)
            .with_reason_visibility(self.request.user)
            .select_related("changed_by", "void")
            .prefetch_related(Prefetch("evidence", queryset=visible, to_attr="cited"))
        )

    @extend_schema(
        methods=["GET"],
        summary="The status history of a recommendation",
        responses=s.StatusChangeSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Change the status of a recommendation",
        request=s.StatusChangeInputSerializer,
        responses={201: s.StatusChangeSerializer},
    )
    def status_changes(self, request, pk=None):
        recommendation = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(self._history(recommendation))
            data = s.StatusChangeSerializer(page, many=True).data
            return self.get_paginated_response(data)
        version = expected_version(request, recommendation)
        body = s.StatusChangeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        citable = Evidence.objects.citable_for(recommendation, request.user)
        change = services.recommendation_set_status(
            recommendation=recommendation,
            status=data["status"],
            reason=data["reason"],
            reason_sensitivity=data.get("reason_sensitivity"),
            by=request.user,
            evidence=_ids(data["evidence"], citable, "evidence", "public_id"),
            effective_date=data.get("effective_date"),
            expected_version=version,
        )
        change = self._history(recommendation).get(pk=change.pk)
        recommendation.refresh_from_db(fields=["version"])
        answer = Response(s.StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)
        return _with_etag(answer, recommendation)

    @extend_schema(
        summary="Void a mistaken status change, with the reason",
        description="The change stays in the history, marked; the status on every day is "
        "computed again without it. If-Match takes the recommendation's ETag.",
        parameters=[OpenApiParameter("change_id", int, OpenApiParameter.PATH)],
        request=s.ReasonSerializer,
        responses=s.StatusChangeSerializer,
    )
    def void_change(self, request, pk=None, change_id=None):
        recommendation = self.get_object()
        change = get_object_or_404(StatusChange, pk=change_id, recommendation=recommendation)
        _with_reason(request, recommendation, services.status_change_void, change=change)
        change = self._history(recommendation).get(pk=change.pk)
        recommendation.refresh_from_db(fields=["version"])
        return _with_etag(Response(s.StatusChangeSerializer(change).data), recommendation)

    @extend_schema(
        summary="Correct a recommendation: owner, pillar, lineage link or official text",
        request=s.RecommendationUpdateSerializer,
        responses=s.RecommendationSerializer,
    )
    def partial_update(self, request, pk=None):
        recommendation = self.get_object()
        version = expected_version(request, recommendation)
        body = s.RecommendationUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        steps = self._corrections(recommendation, body.validated_data)
        with transaction.atomic():
            # One lock and one version check for all the fields: each service then moves the
            # version on from the one it finds, and a refusal undoes the fields before it.
            Recommendation.objects.select_for_update().filter(pk=recommendation.pk).get()
            current = version
            for service, arguments in steps:
                service(
                    recommendation=recommendation,
                    by=request.user,
                    **arguments,
                    expected_version=current,
                )
                current = Recommendation.objects.values_list("version", flat=True).get(
                    pk=recommendation.pk
                )
        recommendation = self.get_queryset().get(pk=recommendation.pk)
        return _with_etag(Response(self.get_serializer(recommendation).data), recommendation)

    def _corrections(self, recommendation, data) -> list:
        """Return the service calls that apply `data`, refusing unknown owners and links."""
        steps = []
        if "owner" in data:
            owner = None
            if data["owner"] is not None:
                owner = permissions.owner_candidates().filter(username=data["owner"]).first()
                if owner is None:
                    raise ValidationError(
                        {"owner": [gettext("No active user of that name may own recommendations.")]}
                    )
            steps.append((services.recommendation_set_owner, {"owner": owner}))
        if "pillar" in data:
            steps.append((services.recommendation_set_pillar, {"pillar": data["pillar"]}))
        if "predecessor" in data:
            predecessor = None
            if data["predecessor"] is not None:
                predecessor = Recommendation.objects.filter(pk=data["predecessor"]).first()
                if predecessor is None:
                    raise ValidationError({"predecessor": [gettext("No such recommendation.")]})
            arguments = {"predecessor": predecessor, "link_kind": data.get("link_kind", "")}
            steps.append((services.recommendation_set_predecessor, arguments))
        if "text" in data:
            arguments = {"text": data["text"], "reason": data.get("text_reason", "")}
            steps.append((services.recommendation_correct_text, arguments))
        if not steps:
            raise ValidationError(
                {"non_field_errors": [gettext("Give at least one field to correct.")]}
            )
        return steps


# --- Evidence -------------------------------------------------------------------------------


def _described(filter_, schema):
    """Return a copy of a list page's filter that tells the schema the type its value has."""
    return extend_schema_field(schema)(copy.deepcopy(filter_))


class EvidenceFilterSet(tracker_filters.EvidenceFilterSet):
    """The evidence list's filters; country (a slug) and year go through one method there."""

    country = _described(
        tracker_filters.EvidenceFilterSet.declared_filters["country"], OpenApiTypes.STR
    )
    year = _described(tracker_filters.EvidenceFilterSet.declared_filters["year"], OpenApiTypes.INT)


class AnyMediaRenderer(renderers.JSONRenderer):
    """Lets a file download be asked for with any Accept; errors are still JSON."""

    media_type = "*/*"


@extend_schema(tags=["evidence"])
class EvidenceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _ApiViewSet
):
    """Evidence you may see, with the filters of the evidence list; log new evidence."""

    read_permission = "tracker.view_evidence"
    write_permissions = {
        "create": "tracker.add_evidence",
        "partial_update": "tracker.add_evidence",
        "withdraw": "tracker.add_evidence",
    }
    if_match_operations = (("partial_update", "PATCH"), ("withdraw", "POST"))
    etag_operations = (
        ("retrieve", "GET"),
        ("create", "POST"),
        ("partial_update", "PATCH"),
        ("withdraw", "POST"),
    )
    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilterSet
    # Items are named by their public identifiers; the cursor is a logging time, which the
    # item itself shows, never an id.
    lookup_field = "public_id"
    cursor_ordering = ("-logged_at", "-pk")
    parser_classes = [RecordingMultiPartParser, JSONParser]

    def get_queryset(self):
        return (
            Evidence.objects.visible_to(self.request.user)
            .select_related("logged_by")
            .prefetch_related(
                Prefetch("recommendations", queryset=Recommendation.objects.only("pk"))
            )
        )

    @extend_schema(
        request={
            "multipart/form-data": s.EvidenceInputSerializer,
            "application/json": s.EvidenceInputSerializer,
        },
        responses={201: s.EvidenceSerializer},
        summary="Log evidence (multipart with a file, or JSON without one)",
    )
    def create(self, request, *args, **kwargs):
        data = request.data  # parsed first: parsing fills the record of the uploads
        record = getattr(request._request, "upload_record", None)
        # The body's shape first (types, ids within range): the form expects what a browser
        # sends. The form then makes every check it makes on the page, the file's included.
        shape = s.EvidenceInputSerializer(data=data)
        shape.fields.pop("file")
        shape.is_valid(raise_exception=True)
        form = EvidenceForm(
            data,
            request.FILES,
            recommendation_queryset=Recommendation.objects.only("pk"),
            upload_record=record,
        )
        _refuse_form(form)
        cleaned = dict(form.cleaned_data)
        cleaned.pop("find", None)
        kind = form.file_kind
        evidence = services.evidence_log(
            by=request.user, file_type=kind.mime if kind else "", **cleaned
        )
        return self._answer(evidence, status.HTTP_201_CREATED)

    def _answer(self, evidence, code=status.HTTP_200_OK) -> Response:
        evidence = self.get_queryset().get(pk=evidence.pk)
        data = s.EvidenceSerializer(evidence, context=self.get_serializer_context()).data
        services.evidence_record_reads(items=[evidence], by=self.request.user, action="api")
        return _with_etag(Response(data, status=code), evidence)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            # A page of the list holds each item's content: the restricted ones are recorded.
            services.evidence_record_reads(items=page, by=self.request.user, action="list")
        return page

    def _changeable(self) -> Evidence:
        """Fetch the item for a change, refusing (403) callers other than its author or a
        reviewer before anything else is read."""
        evidence = self.get_object()
        if not permissions.may_change_evidence(evidence, self.request.user):
            raise PermissionDenied(
                gettext("Only the analyst who logged it or a reviewer may change it.")
            )
        return evidence

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(
        request=s.EvidenceUpdateSerializer,
        responses=s.EvidenceSerializer,
        summary="Correct an item of evidence (description, direction, links), with the reason",
        description="Each changed field is kept in the item's history with its old value; "
        "`recommendations` is the whole new set of links (add or take off a link without "
        "withdrawing and logging the item again). The file and the sensitivity are not "
        "changed here; withdrawn evidence is not changed at all.",
    )
    def partial_update(self, request, *args, **kwargs):
        evidence = self._changeable()
        version = expected_version(request, evidence)
        body = s.EvidenceUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        given = dict(body.validated_data)
        reason = given.pop("reason")
        # The edit page's form checks the item as it would be, whole: the log form's rules.
        current = {name: getattr(evidence, name) for name in services.EVIDENCE_EDITABLE_FIELDS}
        current["recommendations"] = [rec.pk for rec in evidence.recommendations.all()]
        form = EvidenceEditForm(
            {**current, **given, "reason": reason, "version": version},
            recommendation_queryset=Recommendation.objects.only("pk", "reference"),
        )
        _refuse_form(form)
        services.evidence_edit(
            evidence=evidence,
            by=request.user,
            expected_version=version,
            reason=form.cleaned_data["reason"],
            **form.changes(evidence),
        )
        return self._answer(evidence)

    @extend_schema(
        request=s.ReasonSerializer,
        responses=s.EvidenceSerializer,
        summary="Withdraw an item of evidence, with the reason",
        description="It is kept, marked, and stops counting from now on; a withdrawal is final.",
    )
    def withdraw(self, request, public_id=None):
        evidence = self._changeable()
        _with_reason(request, evidence, services.evidence_withdraw, evidence=evidence)
        return self._answer(evidence)

    @extend_schema(
        summary="Download the file of an item of evidence",
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")},
    )
    def file(self, request, public_id=None):
        # The page's own download: the same visibility rule, headers and messages.
        evidence = self.get_object()
        response = uploads.download_response(evidence)
        services.evidence_record_access(evidence=evidence, by=request.user, action="download")
        return response


# --- Assessments ----------------------------------------------------------------------------


class AssessmentFilterSet(filters.FilterSet):
    """Filter assessments by recommendation, year and state."""

    class Meta:
        model = Assessment
        fields = ["recommendation", "year", "state"]


_REVIEW_ACTIONS = ("submit", "approve", "return_")


@extend_schema(tags=["assessments"])
class AssessmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _ApiViewSet
):
    """Yearly assessments: draft, edit, submit, approve and return them."""

    read_permission = "tracker.view_assessment"
    write_permissions = {
        "create": "tracker.add_assessment",
        "partial_update": "tracker.change_assessment",
        "submit": "tracker.change_assessment",
        "approve": "tracker.review_assessment",
        "return_": "tracker.review_assessment",
    }
    if_match_operations = (
        ("partial_update", "PATCH"),
        *((name, "POST") for name in _REVIEW_ACTIONS),
    )
    etag_operations = (
        ("retrieve", "GET"),
        ("create", "POST"),
        ("partial_update", "PATCH"),
        *((name, "POST") for name in _REVIEW_ACTIONS),
    )
    serializer_class = s.AssessmentSerializer
    filterset_class = AssessmentFilterSet

    def get_queryset(self):
        visible = (
            Evidence.objects.visible_to(self.request.user).only("pk", "public_id").order_by("pk")
        )
        return (
            Assessment.objects.with_narrative_visibility(self.request.user)
            .select_related("author", "reviewer")
            .prefetch_related(
                Prefetch("findings", queryset=Finding.objects.only("pk").order_by("pk")),
                Prefetch("evidence", queryset=visible, to_attr="cited"),
            )
        )

    def _answer(self, assessment, code=status.HTTP_200_OK) -> Response:
        assessment = self.get_queryset().get(pk=assessment.pk)
        return _with_etag(
            Response(s.AssessmentSerializer(assessment).data, status=code), assessment
        )

    def _citations(self, recommendation, data) -> dict:
        citable = Evidence.objects.citable_for(recommendation, self.request.user)
        citations = {}
        if "findings" in data:
            findings = Finding.objects.filter(report_id=recommendation.report_id)
            citations["findings"] = _ids(data["findings"], findings, "findings")
        if "evidence" in data:
            citations["evidence"] = _ids(data["evidence"], citable, "evidence", "public_id")
        return citations

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(
        request=s.AssessmentCreateSerializer,
        responses={201: s.AssessmentSerializer},
        summary="Draft the assessment of a recommendation for a year",
    )
    def create(self, request, *args, **kwargs):
        body = s.AssessmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        recommendation = (
            Recommendation.objects.select_related("report")
            .filter(pk=data["recommendation"])
            .first()
        )
        if recommendation is None:
            raise ValidationError({"recommendation": [gettext("No such recommendation.")]})
        if not recommendation.report.year <= data["year"] <= timezone.localdate().year + 1:
            raise ValidationError(
                {
                    "year": [
                        gettext("A recommendation is assessed from the year of its narrative on.")
                    ]
                }
            )
        assessment = services.assessment_draft(
            recommendation=recommendation,
            year=data["year"],
            by=request.user,
            rating=data["rating"],
            confidence=data["confidence"],
            narrative=data.get("narrative", ""),
            narrative_sensitivity=data.get("narrative_sensitivity"),
            **self._citations(recommendation, data),
        )
        return self._answer(assessment, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.AssessmentUpdateSerializer,
        responses=s.AssessmentSerializer,
        summary="Edit a draft or returned assessment",
    )
    def partial_update(self, request, *args, **kwargs):
        assessment = self.get_object()
        version = expected_version(request, assessment)
        body = s.AssessmentUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        recommendation = Recommendation.objects.get(pk=assessment.recommendation_id)
        assessment = services.assessment_update(
            assessment=assessment,
            by=request.user,
            rating=data.get("rating", assessment.rating),
            confidence=data.get("confidence", assessment.confidence),
            narrative=data.get("narrative", assessment.narrative),
            # Left out, it is decided again: internal, or the floor of what is cited.
            narrative_sensitivity=data.get("narrative_sensitivity"),
            expected_version=version,
            **self._citations(recommendation, data),
        )
        return self._answer(assessment)

    @extend_schema(request=None, responses=s.AssessmentSerializer, summary="Submit for review")
    def submit(self, request, pk=None):
        assessment = self.get_object()
        version = expected_version(request, assessment)
        assessment = services.assessment_submit(
            assessment=assessment, by=request.user, expected_version=version
        )
        return self._answer(assessment)

    def _review(self, request, service):
        assessment = self.get_object()
        version = expected_version(request, assessment)
        body = s.ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assessment = service(
            assessment=assessment,
            by=request.user,
            note=body.validated_data.get("note", ""),
            expected_version=version,
        )
        return self._answer(assessment)

    @extend_schema(request=s.ReviewSerializer, responses=s.AssessmentSerializer, summary="Approve")
    def approve(self, request, pk=None):
        return self._review(request, services.assessment_approve)

    @extend_schema(
        request=s.ReviewSerializer,
        responses=s.AssessmentSerializer,
        summary="Return to the author, with a note",
    )
    def return_(self, request, pk=None):
        return self._review(request, services.assessment_return)


# --- Summaries ------------------------------------------------------------------------------


class _SummaryView(APIView):
    read_permission = "reports.view_publishedsummary"
    write_permissions: dict[str, str] = {}

    def _answer(self, year, country=None):
        if not is_report_year(year):
            raise Http404(
                gettext("There are narratives only for the report years %(first)d to %(last)d.")
                % {"first": FIRST_REPORT_YEAR, "last": LAST_REPORT_YEAR}
            )
        # The summary pages' own parser of `as_of` and `audience`: the same refusals.
        asked = SummaryParametersForm(self.request.query_params, user=self.request.user, year=year)
        if not asked.is_valid():
            raise ValidationError(asked.errors)
        try:
            summary = build_summary(
                year=year,
                country=country,
                as_of=asked.cleaned_data["as_of"],
                audience=asked.cleaned_data["audience"],
                user=self.request.user,
            )
        except NoNarratives as exc:
            raise Http404(str(exc)) from exc
        except BadAsOf as exc:
            raise ValidationError({"as_of": [str(exc)]}) from exc
        access.record_summary_read(summary, by=self.request.user)
        return Response(summary_to_dict(summary))


_SUMMARY = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "The same JSON as the summary's JSON export: `schema_version`, `year`, "
        "`follow_up_period`, `as_of`, `audience`, `scope`, `totals`, `history` and `countries` "
        "(each with its recommendations, their `status_at_start` and `status` on the as-of "
        "day, evidence and changes)."
    ),
)
_SUMMARY_PARAMETERS = [
    OpenApiParameter(
        "as_of",
        OpenApiTypes.DATE,
        description="The day the statuses are on; by default the end of the follow-up period "
        "(1 April of the year to 31 March of the next), or today while it runs. Not in the future.",
    ),
    OpenApiParameter(
        "audience",
        str,
        enum=Audience.values,
        description="Whom the summary is built for, and so which evidence it holds: public, "
        "internal (the default when signed in) or restricted (reviewers only).",
    ),
]


@extend_schema(tags=["summaries"])
class SummaryAllView(_SummaryView):
    @extend_schema(
        responses=_SUMMARY,
        parameters=_SUMMARY_PARAMETERS,
        operation_id="summaries_all",
        summary="The summary of every country",
    )
    def get(self, request, year: int):
        return self._answer(year)


@extend_schema(tags=["summaries"])
class SummaryCountryView(_SummaryView):
    @extend_schema(
        responses=_SUMMARY,
        parameters=_SUMMARY_PARAMETERS,
        operation_id="summaries_country",
        summary="The summary of one country",
    )
    def get(self, request, year: int, slug: str):
        return self._answer(year, get_object_or_404(Country, slug=slug))


@extend_schema(tags=["summaries"])
class PublishedSummaryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _ApiViewSet):
    """Published summaries, frozen with their SHA-256; newest first."""

    read_permission = "reports.view_publishedsummary"
    cursor_ordering = ("-pk",)

    def get_queryset(self):
        # As the published-summary pages: only those built for an audience open to the caller
        # (a restricted one holds restricted evidence).
        records = PublishedSummary.objects.filter(
            audience__in=Audience.allowed_for(self.request.user)
        ).select_related("country", "published_by")
        return records if self.action == "retrieve" else records.defer("content")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.PublishedSummaryDetailSerializer
        return s.PublishedSummarySerializer

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        if record.audience == Audience.RESTRICTED:
            summary = summary_from_dict(json.loads(record.content))
            access.record_summary_read(summary, by=request.user)
        return Response(self.get_serializer(record).data)


class NoSuchPath(APIView):
    """Answer any other path under /api/v1/ as a problem (404), not as the site's HTML page."""

    permission_classes: list = []
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound(gettext("There is no such path in the API; see /api/v1/docs/."))

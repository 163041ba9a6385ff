"""The JSON of each resource: stable field names, vocabulary codes (`tracker.models`), ISO dates.

Read serializers only shape what the views fetched (the views select and prefetch, so no field
queries per row). Input serializers describe and check request bodies; the writes themselves
happen in `tracker.services`.
"""

import json
import uuid

from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from reports.models import PublishedSummary
from tracker.models import (
    FIRST_REPORT_YEAR,
    LAST_REPORT_YEAR,
    Assessment,
    Country,
    Evidence,
    EvidenceSensitivity,
    Finding,
    Recommendation,
    Report,
    StatusChange,
    Tier,
    TierPlacement,
)

# The largest id the database holds: a bigger number is refused as input, not sent to a query.
MAX_ID = 2**63 - 1


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def etag(item) -> str:
    """Return the strong ETag of a versioned item: its kind, id (its public identifier, if it
    has one) and version."""
    identifier = getattr(item, "public_id", None) or item.pk
    return f'"{item._meta.model_name}-{identifier}-v{item.version}"'


class ETagField(serializers.Field):
    """The item's ETag, as its detail answer sends it: put it in If-Match to change the item."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("source", "*")
        kwargs.setdefault("help_text", "The ETag of this version; send it in If-Match to write.")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return etag(value)


ETagField = extend_schema_field({"type": "string", "example": '"recommendation-12-v3"'})(ETagField)


class TierPlacementSerializer(serializers.ModelSerializer):
    tier = serializers.ChoiceField(choices=Tier.choices)

    class Meta:
        model = TierPlacement
        fields = ["year", "tier", "source"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "North Korea",
            value={
                "slug": "north-korea",
                "name": "North Korea",
                "code": "PRK",
                "aliases": ["Democratic People's Republic of Korea", "DPRK"],
                "tier_history": [{"year": 2021, "tier": "tier_3", "source": "narrative"}],
            },
            response_only=True,
        )
    ]
)
class CountrySerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(child=serializers.CharField(), read_only=True)
    tier_history = TierPlacementSerializer(
        source="tier_placements",
        many=True,
        read_only=True,
        help_text="Tier per year, oldest first.",
    )

    class Meta:
        model = Country
        fields = ["slug", "name", "code", "aliases", "tier_history"]


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class _PeriodField(PeriodSerializer):
    def to_representation(self, instance):
        return {"start": instance.period_start.isoformat(), "end": instance.period_end.isoformat()}


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "section", "position", "text"]


class ReportSerializer(serializers.ModelSerializer):
    """A narrative, as listed."""

    country = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reporting_period = _PeriodField(source="*", read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "country",
            "year",
            "tier",
            "reporting_period",
            "title",
            "source_name",
            "source_url",
            "imported_at",
        ]


class ReportDetailSerializer(ReportSerializer):
    """A narrative with its text: sections, findings and its recommendations' ids."""

    sections = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="Section name → text."
    )
    findings = FindingSerializer(many=True, read_only=True)
    recommendations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [
            *ReportSerializer.Meta.fields,
            "introduction",
            "tier_statement",
            "sections",
            "findings",
            "recommendations",
        ]


class LinkedRecommendationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recommendation
        fields = ["id", "reference"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A recommendation of 2021",
            value={
                "id": 12,
                "reference": "PRK-2021-03",
                "country": "north-korea",
                "year": 2021,
                "report": 4,
                "number": 3,
                "text": "Cease the forced labor of North Korean citizens.",
                "pillar": "prevention",
                "status": "no_action",
                "status_on": None,
                "initial_status": "no_action",
                "needs_review": False,
                "owner": "analyst",
                "predecessor": {"id": 2, "reference": "PRK-2020-03"},
                "link_kind": "reworded",
                "similarity": 0.91,
                "successors": [],
                "findings": [31, 32],
                "has_evidence": True,
                "has_approved_assessment": False,
                "version": 3,
                "etag": '"recommendation-12-v3"',
            },
            response_only=True,
        )
    ]
)
class RecommendationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="report.country.slug", read_only=True)
    year = serializers.IntegerField(source="report.year", read_only=True)
    status_on = serializers.ChoiceField(
        choices=Recommendation.Status.choices,
        read_only=True,
        allow_null=True,
        help_text="The status on the `as_of` date given in the query; null without it.",
    )
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    predecessor = LinkedRecommendationSerializer(read_only=True, allow_null=True)
    link_kind = serializers.ChoiceField(
        choices=[("", "Not linked"), *Recommendation.LinkKind.choices],
        read_only=True,
        help_text="How it follows from its predecessor; empty while no earlier year is linked.",
    )
    successors = LinkedRecommendationSerializer(many=True, read_only=True)
    findings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    has_evidence = serializers.BooleanField(
        read_only=True, help_text="Whether evidence you may see is logged against it."
    )
    has_approved_assessment = serializers.BooleanField(read_only=True)
    etag = ETagField()

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "reference",
            "country",
            "year",
            "report",
            "number",
            "text",
            "pillar",
            "status",
            "status_on",
            "initial_status",
            "needs_review",
            "owner",
            "predecessor",
            "link_kind",
            "similarity",
            "successors",
            "findings",
            "has_evidence",
            "has_approved_assessment",
            "version",
            "etag",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        if not hasattr(instance, "status_on"):
            instance.status_on = None
        return super().to_representation(instance)


class StatusChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reason = serializers.SerializerMethodField(
        help_text="Why the status changed; empty when you may not read it (`reason_withheld`)."
    )
    reason_withheld = serializers.SerializerMethodField(
        help_text="True when the reason is restricted and not yours to read."
    )
    reason_sensitivity = serializers.SerializerMethodField(
        help_text="Who may read the reason now: public, internal or restricted (never less "
        "than the evidence it cites)."
    )
    evidence = serializers.SerializerMethodField(
        help_text="Public identifiers of the cited evidence you may see."
    )
    void_reason = serializers.SerializerMethodField(
        help_text="Why the change was voided as a mistake (it then no longer counts); null if not."
    )

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "recommendation",
            "old_status",
            "new_status",
            "reason",
            "reason_withheld",
            "reason_sensitivity",
            "evidence",
            "changed_by",
            "effective_date",
            "recorded_at",
            "void_reason",
        ]

    # The view annotates each change with `with_reason_visibility(caller)`.
    def get_reason(self, change) -> str:
        return change.reason if change.reason_visible else ""

    def get_reason_withheld(self, change) -> bool:
        return not change.reason_visible

    def get_reason_sensitivity(self, change) -> str:
        return change.reason_sensitivity_now

    def get_evidence(self, change) -> list[uuid.UUID]:
        # The view prefetches only the evidence the caller may see, into `cited`.
        return [item.public_id for item in change.cited]

    def get_void_reason(self, change) -> str | None:
        # Fetched with the change (select_related); a change never voided has none.
        return change.void.reason if hasattr(change, "void") else None


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Record progress",
            value={
                "status": "in_progress",
                "reason": "The UN Panel of Experts reports the first prosecutions.",
                "evidence": ["0b8f4d1e-6c2a-4f5e-9a7d-3e1c2b4a5f60"],
                "effective_date": "2022-02-15",
            },
            request_only=True,
        )
    ]
)
class StatusChangeInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Recommendation.Status.choices)
    reason = serializers.CharField(help_text="Why the status changed: what was observed, where.")
    reason_sensitivity = serializers.ChoiceField(
        choices=EvidenceSensitivity.choices,
        required=False,
        help_text="Who may read the reason: public (may be published), internal or restricted. "
        "Left out: internal, or restricted when it cites restricted evidence. One below the "
        "most sensitive evidence cited is refused.",
    )
    evidence = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        help_text="Public identifiers of evidence logged against this recommendation that "
        "supports the change.",
    )
    effective_date = serializers.DateField(
        required=False, help_text="When the new status became true; today if left out."
    )


class EvidenceFileSerializer(serializers.Serializer):
    name = serializers.CharField(source="file_name")
    size = serializers.IntegerField(source="file_size")
    type = serializers.CharField(source="file_type")
    sha256 = serializers.CharField(source="file_sha256")
    download = serializers.SerializerMethodField()

    def get_download(self, evidence) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(reverse("api:evidence-file", args=[evidence.public_id]))


class EvidenceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(
        source="public_id",
        read_only=True,
        help_text="The item's public identifier: random, so it tells nothing of other items.",
    )
    logged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    etag = ETagField()
    recommendations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    file = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "title",
            "summary",
            "source_type",
            "source_name",
            "url",
            "published_on",
            "accessed_on",
            "quote",
            "sensitivity",
            "direction",
            "recommendations",
            "file",
            "logged_by",
            "logged_at",
            "withdrawn_at",
            "withdrawal_reason",
            "version",
            "etag",
        ]

    @extend_schema_field(EvidenceFileSerializer(allow_null=True))
    def get_file(self, evidence):
        if not evidence.file:
            return None
        return EvidenceFileSerializer(evidence, context=self.context).data


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A UN report",
            value={
                "title": "Report of the Panel of Experts",
                "source_type": "un",
                "source_name": "UN Panel of Experts",
                "url": "https://example.org/panel-report",
                "published_on": "2022-03-01",
                "sensitivity": "public",
                "direction": "no_change",
                "recommendations": [12],
            },
            request_only=True,
        )
    ]
)
class EvidenceInputSerializer(serializers.Serializer):
    """The fields of the evidence form; the form itself checks them, file included."""

    title = serializers.CharField(max_length=300)
    summary = serializers.CharField(required=False, allow_blank=True)
    source_type = serializers.ChoiceField(choices=Evidence.SourceType.choices)
    source_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    accessed_on = serializers.DateField(required=False, allow_null=True)
    quote = serializers.CharField(required=False, allow_blank=True)
    sensitivity = serializers.ChoiceField(choices=Evidence.Sensitivity.choices)
    direction = serializers.ChoiceField(choices=Evidence.Direction.choices)
    recommendations = serializers.ListField(child=_id())
    file = serializers.FileField(
        required=False, help_text="PDF, image, Word, Excel, PowerPoint or plain text."
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Correct a title",
            value={
                "title": "Report of the UN Panel of Experts",
                "reason": "The title was transcribed wrongly.",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Link one more recommendation",
            value={
                "recommendations": [12, 15],
                "reason": "The report also covers the shelters of item 15.",
            },
            request_only=True,
        ),
    ]
)
class EvidenceUpdateSerializer(serializers.Serializer):
    """The description of a source, its direction and its links, to correct; fields left out
    stay as they are."""

    title = serializers.CharField(max_length=300, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    source_type = serializers.ChoiceField(choices=Evidence.SourceType.choices, required=False)
    source_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    accessed_on = serializers.DateField(required=False, allow_null=True)
    quote = serializers.CharField(required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=Evidence.Direction.choices, required=False)
    recommendations = serializers.ListField(
        child=_id(),
        required=False,
        help_text="The ids of every recommendation it bears on, as they should be: add an id "
        "to link one, leave one out to take off a mistaken link (at least one stays; a link "
        "that a status change or an assessment cites stays).",
    )
    reason = serializers.CharField(
        help_text="Why it was wrong; kept with each change in the item's history."
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why: kept with the record, for everyone to read.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Hand the item over",
            value={"owner": "analyst2", "pillar": "protection"},
            request_only=True,
        )
    ]
)
class RecommendationUpdateSerializer(serializers.Serializer):
    """Corrections to a recommendation; fields left out stay as they are."""

    owner = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=150,
        help_text="The username of the analyst who follows it, or null for nobody.",
    )
    pillar = serializers.ChoiceField(choices=Recommendation.Pillar.choices, required=False)
    predecessor = _id(
        required=False,
        allow_null=True,
        help_text="The id of the recommendation it continues (same country, earlier year), "
        "or null for a new one.",
    )
    link_kind = serializers.ChoiceField(
        choices=Recommendation.LinkKind.choices,
        required=False,
        help_text="With `predecessor`: repeated or reworded (new without one).",
    )
    text = serializers.CharField(
        required=False, help_text="The official text, corrected (administrators only)."
    )
    text_reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Why the text is corrected; needed with it."
    )

    def validate(self, attrs):
        if "link_kind" in attrs and "predecessor" not in attrs:
            raise serializers.ValidationError(
                {"link_kind": [gettext("Give the predecessor with its link kind.")]}
            )
        return attrs


class AssessmentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    narrative = serializers.SerializerMethodField(
        help_text="The judgement; empty when you may not read it (`narrative_withheld`)."
    )
    narrative_withheld = serializers.SerializerMethodField(
        help_text="True when the narrative is restricted and not yours to read."
    )
    narrative_sensitivity = serializers.SerializerMethodField(
        help_text="Who may read the narrative now: public, internal or restricted (never less "
        "than the evidence it cites)."
    )
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    findings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    evidence = serializers.SerializerMethodField(
        help_text="Public identifiers of the cited evidence you may see."
    )
    etag = ETagField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "recommendation",
            "year",
            "revision",
            "supersedes",
            "rating",
            "confidence",
            "narrative",
            "narrative_withheld",
            "narrative_sensitivity",
            "findings",
            "evidence",
            "state",
            "author",
            "reviewer",
            "review_note",
            "created_at",
            "updated_at",
            "submitted_at",
            "reviewed_at",
            "version",
            "etag",
        ]

    def get_evidence(self, assessment) -> list[uuid.UUID]:
        return [item.public_id for item in assessment.cited]

    # The view annotates each assessment with `with_narrative_visibility(caller)`.
    def get_narrative(self, assessment) -> str:
        return assessment.narrative if assessment.narrative_visible else ""

    def get_narrative_withheld(self, assessment) -> bool:
        return not assessment.narrative_visible

    def get_narrative_sensitivity(self, assessment) -> str:
        return assessment.narrative_sensitivity_now


class _CitationsMixin(serializers.Serializer):
    narrative = serializers.CharField(required=False, allow_blank=True)
    narrative_sensitivity = serializers.ChoiceField(
        choices=EvidenceSensitivity.choices,
        required=False,
        help_text="Who may read the narrative: public (may be published), internal or "
        "restricted. Left out: internal, or restricted when it cites restricted evidence. One "
        "below the most sensitive evidence cited is refused.",
    )
    findings = serializers.ListField(
        child=_id(),
        required=False,
        help_text="Ids of findings of the recommendation's narrative.",
    )
    evidence = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="Public identifiers of evidence logged against the recommendation.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Draft",
            value={
                "recommendation": 12,
                "year": 2021,
                "rating": "no_progress",
                "confidence": "moderate",
                "narrative": "No prosecutions were reported in the follow-up period.",
                "evidence": ["0b8f4d1e-6c2a-4f5e-9a7d-3e1c2b4a5f60"],
            },
            request_only=True,
        )
    ]
)
class AssessmentCreateSerializer(_CitationsMixin):
    recommendation = _id()
    year = serializers.IntegerField(min_value=FIRST_REPORT_YEAR, max_value=LAST_REPORT_YEAR)
    rating = serializers.ChoiceField(choices=Assessment.Rating.choices)
    confidence = serializers.ChoiceField(choices=Assessment.Confidence.choices)


class AssessmentUpdateSerializer(_CitationsMixin):
    rating = serializers.ChoiceField(choices=Assessment.Rating.choices, required=False)
    confidence = serializers.ChoiceField(choices=Assessment.Confidence.choices, required=False)


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, help_text="Required to return: what to change."
    )


class PublishedSummarySerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="Null: all countries."
    )
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PublishedSummary
        fields = [
            "id",
            "country",
            "year",
            "audience",
            "as_of",
            "sha256",
            "published_at",
            "published_by",
        ]


class PublishedSummaryDetailSerializer(PublishedSummarySerializer):
    content = serializers.SerializerMethodField(
        help_text="The summary exactly as published (parse `content_json` to check the SHA-256)."
    )
    content_json = serializers.CharField(
        source="content", read_only=True, help_text="The frozen bytes whose SHA-256 is `sha256`."
    )

    class Meta(PublishedSummarySerializer.Meta):
        fields = [*PublishedSummarySerializer.Meta.fields, "content", "content_json"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_content(self, record):
        return json.loads(record.content)

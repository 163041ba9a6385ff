"""The public API under /api/v1/public/: read-only, anonymous, throttled per address.

It answers from the public record (`api.public`), as the public site does: summaries published
for the public audience and nothing else. No credentials are read (a token or a session changes
nothing here), every answer carries the public site's validators and caching headers, and each
client address may make `PUBLIC_API_RATE` requests.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from api.public import Publication, PublicRecord, current_version, latest_rows, public_record
from api.schema import AutoSchema, ProblemSerializer
from api.throttling import throttle_cache
from reports.exporters import filename
from reports.summary_shape import STATUSES
from tracker.audit import client_ip
from tracker.models import Assessment, Recommendation, Tier

# --- Rules every public endpoint shares -------------------------------------------------------


class AddressRateThrottle(SimpleRateThrottle):
    """Limit each client address (the proxy's word for it behind the TLS proxy)."""

    scope = "public"

    @property
    def cache(self):
        return throttle_cache()

    def get_rate(self):
        return settings.PUBLIC_API_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "-"}


class PublicPage(PageNumberPagination):
    """Numbered pages of `page_size` (at most 1000) over the published rows."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class PublicSchema(AutoSchema):
    """Describe a public endpoint: no credentials, so no 401 or 403; validators and 304."""

    _ERRORS = {
        "400": "A filter's value was refused; `errors` lists why, by name.",
        "404": "Nothing of that name has been published (or the public site is off).",
        "429": "Too many requests from your address: wait for the seconds in Retry-After.",
    }

    def get_override_parameters(self):
        return [
            *super().get_override_parameters(),
            OpenApiParameter(
                "ETag",
                str,
                OpenApiParameter.HEADER,
                response=["200"],
                required=True,
                description="Send it back in If-None-Match: 304 while nothing new is published.",
            ),
        ]

    def _get_response_bodies(self, direction="response"):
        responses = super(AutoSchema, self)._get_response_bodies(direction)
        responses["304"] = {"description": "Not modified: nothing was published since."}
        for code, description in self._ERRORS.items():
            answer = self._get_response_for_code(
                ProblemSerializer,
                code,
                media_types=["application/problem+json"],
                direction=direction,
            )
            answer["description"] = description
            responses[code] = answer
        return responses


class PublicView(GenericAPIView):
    """An anonymous, read-only view of the public record with the site's caching headers."""

    schema = PublicSchema()
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AddressRateThrottle]
    pagination_class = PublicPage
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        if not settings.PUBLIC_SITE:
            raise NotFound(gettext("There is no public API here."))
        super().initial(request, *args, **kwargs)
        self.version = current_version()

    def record(self) -> PublicRecord:
        return public_record(self.version)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        version = getattr(self, "version", None)
        if response.status_code != 200 or version is None:
            return response
        # The answer follows from the state of publication and the address asked for.
        tag = hashlib.sha256(f"{version.key}|{request.get_full_path()}".encode()).hexdigest()
        response["ETag"] = f'"{tag[:32]}"'
        response["Cache-Control"] = f"public, max-age={settings.PUBLIC_CACHE_SECONDS}"
        stamp = version.last_published_at
        if stamp is not None:
            response["Last-Modified"] = http_date(int(stamp.timestamp()))
        answer = get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=int(stamp.timestamp()) if stamp else None,
            response=response,
        )
        answer.public_site = True
        return answer


def _site_url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


# --- Countries ---------------------------------------------------------------------------------


class TierSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    tier = serializers.ChoiceField(choices=Tier.choices)


class PublicCountrySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    code = serializers.CharField()
    latest_year = serializers.IntegerField(help_text="The latest report year published.")
    tier = serializers.ChoiceField(choices=Tier.choices, help_text="The tier of that year.")
    latest_summary = serializers.IntegerField(help_text="The publication that year's comes from.")
    tiers = TierSerializer(many=True, help_text="Its tier in every year the summaries state.")
    summaries = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Every public summary covering it, newest first.",
    )
    url = serializers.URLField(help_text="Its page on the public site.")
    api_url = serializers.URLField(help_text="This answer's own address in the API.")


def _country(country) -> dict:
    latest = country.latest
    return {
        "slug": country.slug,
        "name": country.name,
        "code": country.code,
        "latest_year": latest.year,
        "tier": latest.tier,
        "latest_summary": latest.publication.id,
        "tiers": [{"year": y, "tier": t} for y, t in country.tier_history],
        "summaries": [p.id for p in country.publications],
        "url": _site_url("public_country", country.slug),
        "api_url": _site_url("public_api:country", country.slug),
    }


@extend_schema(tags=["public"])
@extend_schema_view(
    get=extend_schema(operation_id="public_countries_list", summary="Published countries")
)
class CountryList(PublicView, ListAPIView):
    """Countries with a summary published for the public, with their published tiers."""

    serializer_class = PublicCountrySerializer

    def get_queryset(self):
        return [_country(c) for c in self.record().countries.values()]


@extend_schema(tags=["public"])
@extend_schema_view(
    get=extend_schema(
        operation_id="public_countries_retrieve",
        summary="One published country",
        parameters=[
            OpenApiParameter(
                "slug",
                str,
                OpenApiParameter.PATH,
                pattern=r"^[-a-zA-Z0-9_]+$",
                description="The country's slug, as in its `url`.",
            )
        ],
    )
)
class CountryDetail(PublicView, RetrieveAPIView):
    """One country as its public summaries show it."""

    serializer_class = PublicCountrySerializer

    def get_object(self):
        country = self.record().countries.get(self.kwargs["slug"])
        if country is None:
            raise NotFound(gettext("No summary of this country has been published."))
        return _country(country)


# --- Published summaries -----------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class PublicSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    country = serializers.CharField(allow_null=True, help_text="Null: all countries.")
    scope = serializers.CharField()
    follow_up_period = PeriodSerializer()
    as_of = serializers.DateField(help_text="The day its statuses are on.")
    published_at = serializers.DateTimeField()
    sha256 = serializers.CharField(help_text="SHA-256 of the frozen JSON (`json_url`).")
    recommendations = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    url = serializers.URLField(help_text="Its page on the public site.")
    json_url = serializers.URLField(help_text="The frozen JSON, byte for byte as published.")
    api_url = serializers.URLField(help_text="Its answer in the API, with its content.")


class PublicSummaryDetailSerializer(PublicSummarySerializer):
    content = serializers.SerializerMethodField(help_text="The summary exactly as published.")

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_content(self, item):
        return json.loads(item["publication"].content)


def _summary(publication: Publication) -> dict:
    summary = publication.summary
    return {
        "publication": publication,
        "id": publication.id,
        "year": publication.year,
        "country": publication.country_slug,
        "scope": publication.scope_name,
        "follow_up_period": {"start": summary.period_start, "end": summary.period_end},
        "as_of": summary.as_of,
        "published_at": publication.published_at,
        "sha256": publication.sha256,
        "recommendations": summary.totals.recommendations,
        "by_status": {code: summary.totals.by_status.get(code, 0) for code in STATUSES},
        "url": _site_url("public_summary", publication.id),
        "json_url": _site_url("public_summary_file", publication.id, filename(summary, "json")),
        "api_url": _site_url("public_api:summary", publication.id),
    }


_SUMMARY_FILTERS = [
    OpenApiParameter("country", str, description="A country's slug: its summaries only."),
    OpenApiParameter("year", int, description="One report year only."),
]


def _year(request) -> int | None:
    value = request.query_params.get("year", "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) != 4:
        raise ValidationError(
            {"year": [gettext("%(value)s is not a year (four digits).") % {"value": repr(value)}]}
        )
    return int(value)


@extend_schema(tags=["public"])
@extend_schema_view(
    get=extend_schema(
        operation_id="public_summaries_list",
        summary="Public summaries",
        parameters=_SUMMARY_FILTERS,
    )
)
class SummaryList(PublicView, ListAPIView):
    """The summaries published for the public, newest first."""

    serializer_class = PublicSummarySerializer

    def get_queryset(self):
        publications = self.record().publications
        slug = self.request.query_params.get("country", "").strip()
        year = _year(self.request)
        if slug:
            publications = [p for p in publications if p.country_slug == slug]
        if year is not None:
            publications = [p for p in publications if p.year == year]
        return [_summary(p) for p in publications]


@extend_schema(tags=["public"])
@extend_schema_view(
    get=extend_schema(operation_id="public_summaries_retrieve", summary="One public summary")
)
class SummaryDetail(PublicView, RetrieveAPIView):
    """One public summary, with its frozen content."""

    serializer_class = PublicSummaryDetailSerializer

    def get_object(self):
        publication = self.record().by_id.get(self.kwargs["pk"])
        if publication is None:
            raise NotFound(gettext("No such summary has been published."))
        return _summary(publication)


# --- Recommendation statuses ------------------------------------------------------------------


class PublicStatusSerializer(serializers.Serializer):
    summary_id = serializers.IntegerField(help_text="The publication the row comes from.")
    country = serializers.CharField()
    year = serializers.IntegerField()
    reference = serializers.CharField()
    number = serializers.IntegerField()
    pillar = serializers.ChoiceField(choices=Recommendation.Pillar.choices)
    status_at_start = serializers.ChoiceField(choices=Recommendation.Status.choices)
    status = serializers.ChoiceField(choices=Recommendation.Status.choices)
    as_of = serializers.DateField()
    link_kind = serializers.CharField(help_text="repeated, reworded or new.")
    predecessor = serializers.CharField(allow_blank=True)
    rating = serializers.ChoiceField(choices=Assessment.Rating.choices, allow_blank=True)
    confidence = serializers.ChoiceField(choices=Assessment.Confidence.choices, allow_blank=True)
    text = serializers.CharField()
    url = serializers.URLField(help_text="Its page on the public site.")


def _statuses(record: PublicRecord, *, slug: str, year: int | None, reference: str):
    for country, entry, row in latest_rows(record):
        if slug and country.slug != slug:
            continue
        if year is not None and entry.year != year:
            continue
        if reference and row.reference != reference:
            continue
        a = row.assessment
        yield {
            "summary_id": entry.publication.id,
            "country": country.slug,
            "year": entry.year,
            "reference": row.reference,
            "number": row.number,
            "pillar": row.pillar,
            "status_at_start": row.status_at_start,
            "status": row.status,
            "as_of": entry.publication.as_of,
            "link_kind": row.link_kind,
            "predecessor": row.predecessor_reference,
            "rating": a.rating if a else "",
            "confidence": a.confidence if a else "",
            "text": row.text,
            "url": _site_url("public_recommendation", row.reference),
        }


@extend_schema(tags=["public"])
@extend_schema_view(
    get=extend_schema(
        operation_id="public_statuses_list",
        summary="Published recommendation statuses",
        parameters=[
            *_SUMMARY_FILTERS,
            OpenApiParameter("reference", str, description="One recommendation, e.g. PRK-2021-03."),
        ],
    )
)
class StatusList(PublicView, ListAPIView):
    """Each recommendation's status in each published year (the latest publication of it)."""

    serializer_class = PublicStatusSerializer

    def get_queryset(self):
        query = self.request.query_params
        return list(
            _statuses(
                self.record(),
                slug=query.get("country", "").strip(),
                year=_year(self.request),
                reference=query.get("reference", "").strip(),
            )
        )


@extend_schema(exclude=True)
class Root(PublicView):
    """Name the public endpoints."""

    def get(self, request):
        return Response(
            {
                "countries": _site_url("public_api:countries"),
                "summaries": _site_url("public_api:summaries"),
                "statuses": _site_url("public_api:statuses"),
                "schema": _site_url("public_api:schema"),
                "licence": {
                    "name": settings.OPEN_DATA_LICENCE_NAME,
                    "url": settings.OPEN_DATA_LICENCE_URL,
                },
            }
        )

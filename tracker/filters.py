"""The FilterSets behind the list pages: every filter is a GET parameter, so a view is a URL."""

import django_filters
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker import permissions, search
from tracker.forms import DateInput, FilterForm, not_in_the_future
from tracker.models import (
    Assessment,
    Country,
    Evidence,
    Recommendation,
    Report,
    SearchEntry,
    Tier,
)

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def search_filter() -> django_filters.CharFilter:
    """Return the `q` filter of a list: full-text words, capped in length and number."""
    return django_filters.CharFilter(
        method="search",
        label=_("Search"),
        max_length=search.MAX_QUERY_CHARS,
        validators=[search.validate_query],
    )


def _countries():
    return Country.objects.annotate(
        has_narrative=Exists(Report.objects.filter(country_id=OuterRef("pk")))
    ).order_by("name")


def country_choices(rows=None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the country menu: the countries with narratives first, the rest after them.

    Of some 190 countries only those with a narrative can match anything in most lists.
    `rows` are (slug, name, has_narrative) already read, in the order of their names.
    """
    if rows is None:
        rows = _countries().values_list("slug", "name", "has_narrative")
    groups = {True: [], False: []}
    for slug, name, has_narrative in rows:
        groups[bool(has_narrative)].append((slug, name))
    labels = {True: _("Countries with narratives"), False: _("All countries")}
    return [(labels[key], choices) for key, choices in groups.items() if choices]


def use_menus(filterset, *names: str) -> None:
    """Give `filterset`'s filters `names` (of year, country, owner) their menus from the
    database, read together in one query (a union) the first time a form needs one of them."""
    read: dict[str, list] = {}

    def menu(name):
        def choices():
            if not read:
                read.update(_read_menus(owners="owner" in names))
            return read[name]

        return choices

    for name in names:
        filterset.filters[name].extra["choices"] = menu(name)


# The menus' query is the same for every page, so building it with the ORM and compiling it to
# SQL, which took longer than running it, is done once per database and kind of menu.
_MENU_SQL: dict[tuple[str, str, bool], tuple[str, tuple]] = {}


def _menu_rows(*, owners: bool) -> list[tuple]:
    """Return the rows of the menus' query: (menu, key, label, flag), in no order."""
    alias = router.db_for_read(Report)
    connection = connections[alias]
    key = (alias, connection.vendor, owners)
    if key not in _MENU_SQL:
        query = _menus_query(owners=owners).query
        _MENU_SQL[key] = query.get_compiler(using=alias).as_sql()
    sql, params = _MENU_SQL[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _menus_query(*, owners: bool):
    text = CharField()
    years = (
        Report.objects.order_by()
        .annotate(menu=Value("year"), key=Cast("year", text), label=Value(""))
        .values_list("menu", "key", "label", Value(False))
        .distinct()
    )
    countries = (
        _countries()
        .order_by()
        .annotate(menu=Value("country"))
        .values_list("menu", "slug", "name", "has_narrative")
    )
    parts = [countries]
    if owners:
        # Who may own an item, and whoever owns one now (a role can change after assigning).
        users = get_user_model().objects
        parts.append(
            users.filter(
                # Exists, not a join: joining every owned recommendation before DISTINCT costs
                # a scan of the whole recommendation table. The rule's joins through groups
                # and permissions stay in a subquery, so each user is one row without DISTINCT
                # (a join of four tables before it took PostgreSQL longer to plan than to run).
                Q(Exists(Recommendation.objects.filter(owner_id=OuterRef("pk"))), is_active=True)
                | Q(pk__in=users.filter(permissions.may_own()).values("pk"))
            )
            .order_by()
            .annotate(menu=Value("owner"), label=Value(""))
            .values_list("menu", "username", "label", Value(False))
        )
    return years.union(*parts, all=True)


def _read_menus(*, owners: bool) -> dict[str, list]:
    rows = _menu_rows(owners=owners)
    year_keys = sorted({int(key) for menu, key, _, _ in rows if menu == "year"}, reverse=True)
    names = sorted({key for menu, key, _, _ in rows if menu == "owner"})
    country_rows = sorted(
        ((key, label, bool(flag)) for menu, key, label, flag in rows if menu == "country"),
        key=lambda row: row[1],
    )
    return {
        "year": [(year, str(year)) for year in year_keys],
        "country": country_choices(country_rows),
        "owner": [("me", _("Me")), ("none", _("Nobody")), *((name, name) for name in names)],
    }


def search_refused(filterset) -> bool:
    """Return whether the list's search was refused: the page then lists nothing, with a 400."""
    return "q" in filterset.errors


PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


class UserFilterSet(django_filters.FilterSet):
    """A list's filters for one user: `user=` (the API's filter backend passes `request=`)."""

    def __init__(self, data=None, queryset=None, *, user=None, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.user = user if user is not None else getattr(request, "user", None)


class PagedFilterSet(UserFilterSet):
    """A list's filters plus the number of rows per page, chosen the same way, in the URL."""

    per_page = django_filters.ChoiceFilter(
        method="keep_all",
        choices=[(str(size), str(size)) for size in PAGE_SIZES],
        label=_("Rows per page"),
        empty_label=format_lazy(_("{size} (default)"), size=DEFAULT_PAGE_SIZE),
    )

    def keep_all(self, queryset, name, value):
        return queryset  # the view pages the list by it

    def page_size(self) -> int:
        """Return the rows per page asked for, or the default."""
        if "per_page" in self.errors:
            return DEFAULT_PAGE_SIZE
        return int(self.form.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE)


class RecommendationFilterSet(PagedFilterSet):
    """Filters of the recommendation list, as GET parameters."""

    q = search_filter()
    country = django_filters.ChoiceFilter(
        field_name="report__country__slug", label=_("Country"), empty_label=_("Any country")
    )
    year = django_filters.ChoiceFilter(
        field_name="report__year", label=_("Year"), empty_label=_("Any year")
    )
    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=Recommendation.Status.choices,
        label=_("Status"),
        empty_label=_("Any status"),
    )
    as_of = django_filters.DateFilter(
        method="filter_as_of",
        label=_("Statuses on"),
        widget=DateInput,
        validators=[not_in_the_future],
        help_text=_("Show and filter the status each item had on that day (default: today)."),
    )
    pillar = django_filters.ChoiceFilter(
        choices=Recommendation.Pillar.choices, label=_("Pillar"), empty_label=_("Any pillar")
    )
    tier = django_filters.ChoiceFilter(
        field_name="report__tier", choices=Tier.choices, label=_("Tier"), empty_label=_("Any tier")
    )
    owner = django_filters.ChoiceFilter(
        method="filter_owner", label=_("Owner"), empty_label=_("Anyone")
    )
    has_evidence = django_filters.ChoiceFilter(
        method="filter_flag", choices=YES_NO, label=_("Has evidence"), empty_label=_("Either")
    )
    has_approved_assessment = django_filters.ChoiceFilter(
        method="filter_flag",
        choices=YES_NO,
        label=_("Approved assessment"),
        empty_label=_("Either"),
    )
    needs_review = django_filters.ChoiceFilter(
        method="filter_flag", choices=YES_NO, label=_("Needs review"), empty_label=_("Either")
    )
    assessment = django_filters.ChoiceFilter(
        method="filter_assessment",
        choices=[*Assessment.State.choices, ("none", pgettext_lazy("no assessment", "None"))],
        label=_("Assessment"),
        empty_label=_("Any state"),
    )
    assessment_by = django_filters.ChoiceFilter(
        method="filter_assessment",
        choices=[("me", _("Me"))],
        label=_("Assessed by"),
        empty_label=_("Anyone"),
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Country, year, priority"),
        fields=(
            ("reference", "reference"),
            ("report__country__name", "country"),
            ("report__year", "year"),
            ("report__tier", "tier"),
            ("number", "number"),
            ("status", "status"),
            ("pillar", "pillar"),
            ("owner__username", "owner"),
        ),
        field_labels={
            "reference": _("Reference"),
            "report__country__name": _("Country"),
            "report__year": _("Year"),
            "report__tier": _("Tier"),
            "number": _("Priority"),
            "status": _("Status"),
            "pillar": _("Pillar"),
            "owner__username": _("Owner"),
        },
    )

    class Meta:
        model = Recommendation
        form = FilterForm
        fields = [
            "q",
            "country",
            "year",
            "status",
            "as_of",
            "pillar",
            "tier",
            "owner",
            "has_evidence",
            "has_approved_assessment",
            "needs_review",
            "assessment",
            "assessment_by",
            "per_page",
        ]

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # The three menus that come from the database are read together, in one query, the
        # first time a form needs one of them.
        use_menus(self, "year", "country", "owner")

    def search(self, queryset, name, value):
        # Every word in the recommendation's text or reference, or in its country's names.
        # One IN over the union of both, not an OR of two: PostgreSQL cannot join an OR of
        # subqueries and tests both against every recommendation, for the count and the page.
        by_country = (
            Recommendation.objects.order_by()
            .filter(report__country_id__in=search.matching(value, SearchEntry.Kind.COUNTRY))
            .values("pk")
        )
        matched = search.matching(value, SearchEntry.Kind.RECOMMENDATION).union(
            by_country, all=True
        )
        return queryset.filter(pk__in=matched)

    def statuses_on(self):
        """Return the day asked for with `as_of` (None: today, the cached status)."""
        if not self.is_bound or not self.form.is_valid():
            return None
        return self.form.cleaned_data.get("as_of")

    def filter_queryset(self, queryset):
        day = self.statuses_on()
        if day is not None:
            queryset = queryset.with_status_on(day)
        return super().filter_queryset(queryset)

    def filter_as_of(self, queryset, name, value):
        # The annotation is made in filter_queryset, before the filters that read it.
        return queryset

    def filter_status(self, queryset, name, value):
        # `status` caches the status today (`models.status_on`); another day is computed.
        field = "status" if self.statuses_on() is None else "status_on"
        return queryset.filter(**{field: value})

    def filter_owner(self, queryset, name, value):
        if value == "me":
            return queryset.filter(owner=self.user)
        if value == "none":
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner__username=value)

    def filter_flag(self, queryset, name, value):
        # `needs_review` is a field; the list view annotates the other two flags before filtering.
        return queryset.filter(**{name: value == "yes"})

    def filter_assessment(self, queryset, name, value):
        # One EXISTS for both filters, so "my drafts" means one assessment that is both.
        data = self.form.cleaned_data
        state, mine = data.get("assessment"), data.get("assessment_by") == "me"
        if name == "assessment_by" and state:
            return queryset  # applied with the state
        assessments = Assessment.objects.filter(recommendation_id=OuterRef("pk"))
        if mine:
            assessments = assessments.filter(author=self.user)
        if state == "none":
            return queryset.filter(~Exists(assessments))
        if state:
            assessments = assessments.filter(state=state)
        return queryset.filter(Exists(assessments))


class ReportFilterSet(UserFilterSet):
    """Filters of the narrative list, as GET parameters."""

    q = search_filter()
    country = django_filters.ChoiceFilter(
        field_name="country__slug", label=_("Country"), empty_label=_("Any country")
    )
    year = django_filters.ChoiceFilter(label=_("Year"), empty_label=_("Any year"))
    tier = django_filters.ChoiceFilter(
        choices=Tier.choices, label=_("Tier"), empty_label=_("Any tier")
    )

    class Meta:
        model = Report
        form = FilterForm
        fields = ["q", "country", "year", "tier"]

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        use_menus(self, "year", "country")

    def search(self, queryset, name, value):
        # Every word in the narrative's title, introduction or sections, or in the country's names.
        return queryset.filter(
            Q(pk__in=search.matching(value, SearchEntry.Kind.REPORT))
            | Q(country__in=search.matching(value, SearchEntry.Kind.COUNTRY))
        )


class EvidenceFilterSet(PagedFilterSet):
    """Filters of the evidence list, as GET parameters.

    Country and year look through the recommendations an item bears on, and together they
    mean one recommendation of that country in that year.
    """

    q = search_filter()
    source_type = django_filters.ChoiceFilter(
        choices=Evidence.SourceType.choices, label=_("Source type"), empty_label=_("Any source")
    )
    direction = django_filters.ChoiceFilter(
        choices=Evidence.Direction.choices, label=_("Direction"), empty_label=_("Any direction")
    )
    sensitivity = django_filters.ChoiceFilter(
        choices=Evidence.Sensitivity.choices,
        label=_("Sensitivity"),
        empty_label=_("Any sensitivity"),
    )
    country = django_filters.ChoiceFilter(
        method="filter_recommendations", label=_("Country"), empty_label=_("Any country")
    )
    year = django_filters.ChoiceFilter(
        method="filter_recommendations", label=_("Report year"), empty_label=_("Any year")
    )
    logged_by = django_filters.CharFilter(
        field_name="logged_by__username", lookup_expr="iexact", label=_("Logged by")
    )

    class Meta:
        model = Evidence
        form = FilterForm
        fields = [
            "q",
            "source_type",
            "direction",
            "sensitivity",
            "country",
            "year",
            "logged_by",
            "per_page",
        ]

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        use_menus(self, "year", "country")

    def search(self, queryset, name, value):
        # Every word in the title, summary, quote or source name.
        return queryset.filter(pk__in=search.matching(value, SearchEntry.Kind.EVIDENCE))

    def filter_recommendations(self, queryset, name, value):
        # One EXISTS for both filters, so they must hold for the same recommendation and the
        # list needs no DISTINCT over the many-to-many join.
        data = self.form.cleaned_data
        country, year = data.get("country"), data.get("year")
        if name == "year" and country:
            return queryset  # applied with the country
        links = Evidence.recommendations.through.objects.filter(evidence_id=OuterRef("pk"))
        if country:
            links = links.filter(recommendation__report__country__slug=country)
        if year:
            links = links.filter(recommendation__report__year=year)
        return queryset.filter(Exists(links))

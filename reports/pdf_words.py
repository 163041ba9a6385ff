"""The fixed words of the summary PDF's templates, in the active language.

The Typst templates print no English of their own: every heading, label and sentence comes from
here (translated with Django's catalogues) in `sys.inputs.data`. A sentence with a value holds
a `{name}` the template replaces with the value, so a translator can put it where their
language needs it.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def words() -> dict[str, str]:
    """Return the templates' fixed words in the active language, by key."""
    return {
        "heading": _(
            "Annual progress summary · prioritized recommendations of the Trafficking in "
            "Persons Report"
        ),
        "footer": _("TIP Tracker · annual progress summary · {title}"),
        "page_of": _("Page {page} of {pages}"),
        "report_year": _("Report year {year}"),
        "scope": _("Scope"),
        "follows_up": _("(the {year} recommendations, followed up until the next report)"),
        "as_of": _("As of"),
        "audience": _("Audience"),
        "do_not_share": _("Do not share outside the team."),
        "published": _("Published"),
        "published_by": _("{at} by {by}; SHA-256 {sha256}"),
        "generated": _("Generated"),
        "charts": _("Charts"),
        "totals": _("Totals"),
        "total": _("Total"),
        "withdrawn": _("{n} withdrawn by {day} and not counted"),
        "by_status": _("Recommendations by status"),
        "status": _("Status"),
        "at_start": _("At the start ({day})"),
        "on_day": _("On {day}"),
        "by_pillar": _("By pillar"),
        "pillar": _("Pillar"),
        "recommendations": _("Recommendations"),
        "by_rating": _("By rating of the approved assessment"),
        "rating": _("Rating"),
        "no_approved": _("No approved assessment"),
        "lineage": _("Lineage"),
        "compared": _("Compared with the previous narrative"),
        "evidence_in_period": _("Evidence in the period ({words})"),
        "source_type": _("Source type"),
        "items": _("Items"),
        "by_direction": _("Evidence by direction"),
        "direction": _("Direction"),
        "changes_and_gaps": _("Changes and gaps"),
        "count": _("Count"),
        "status_changes": _("Status changes in the period"),
        "status_differs": _("Status differs from the start of the period"),
        "no_evidence": _("No evidence in the period"),
        "no_recommendations": _("This narrative has no prioritized recommendations."),
        "reference_pillar": _("Reference and pillar"),
        "status_on_and_start": _("Status on {day} and at the start"),
        "recommendation": _("Recommendation"),
        "approved_assessment": _("Approved assessment"),
        "evidence_links": _("Evidence links"),
        "changed": _("changed"),
        "at_the_start": _("at the start: {status}"),
        "from": _("from {reference}"),
        "confidence": _("{confidence} confidence"),
        "revision": _("revision {n}"),
        "none": _("None"),
        "tier_year": _("Tier {year}"),
        "implemented": _("Implemented"),
        "in_progress": _("In progress"),
        "changed_in_period": _("Changed in the period"),
        "evidence_items": _("Evidence items in the period"),
        "recommendations_of": _("Prioritized recommendations of {year}"),
        "assessments_evidence": _("Assessments and evidence"),
        "narrative_not_public": _("The narrative is not public."),
        "no_assessment_for": _("No approved assessment for {year}."),
        "no_evidence_until": _("No evidence dated in the follow-up period up to {day}."),
        "restricted": _("Restricted"),
        "what_changed": _("What changed during the year"),
        "on_predecessor": _("(recorded on its predecessor {reference})"),
        "entered": _("(entered {day})"),
        "reason_not_public": _("The reason is not public."),
        "gaps": _("Gaps"),
        "every_has_evidence": _("Every recommendation has evidence."),
        "every_has_assessment": _("Every recommendation has an approved assessment."),
        "dropped_since": _("Dropped since {year}"),
        "dropped": _("Dropped"),
        "dropped_note": _(
            "Recommendations of the {previous} narrative (the previous one imported) that no "
            "{year} recommendation continues."
        ),
        "reference": _("Reference"),
        "status_on": _("Status on {day}"),
        "none_dropped": _("No recommendation of the {year} narrative was dropped."),
        "no_earlier": _("No earlier narrative of {country} is imported."),
        "all_countries_scope": _("All countries with a {year} narrative ({n})"),
        "countries": _("Countries"),
        "country": _("Country"),
        "tier": _("Tier"),
        "cannot_assess": _("Cannot assess"),
        "changed_short": _("Changed"),
        "evidence_items_short": _("Evidence items"),
        "no_evidence_short": _("No evidence"),
        "no_assessment_short": _("No assessment"),
        "tier_in": _("{tier} in {year}"),
        "by_country": _("Recommendations by country"),
        "changed_n": _("{n} changed in the period"),
        "translation": _("Translation ({language})"),
    }


def counted(noun: str, n: int) -> str:
    """Return "1 item", "3 items" (and the like) for `noun` in the active language."""
    if noun == "item":
        return ngettext("%(n)s item", "%(n)s items", n) % {"n": n}
    if noun == "recommendation":
        return ngettext("%(n)s recommendation", "%(n)s recommendations", n) % {"n": n}
    return ngettext("%(n)s evidence item", "%(n)s evidence items", n) % {"n": n}


def count_table(content: dict) -> dict[str, dict[str, str]]:
    """Return the counted phrases the templates print, by noun and number (as text)."""
    numbers = {"item": set(), "recommendation": set(), "evidence item": set()}
    for country in content["countries"]:
        numbers["recommendation"].add(country["totals"]["recommendations"])
        numbers["evidence item"].add(country["totals"]["evidence_items"])
        for row in country["recommendations"]:
            numbers["item"].add(len(row["evidence"]))
    return {noun: {str(n): counted(noun, n) for n in sorted(ns)} for noun, ns in numbers.items()}

"""Who read restricted evidence in a summary: the reads of a restricted-audience summary.

A summary built for the `restricted` audience shows each restricted item of evidence of the
period (title, source, link). Every page, download and API answer that holds one records it
in the evidence access log, as reading its page does (`services.evidence_record_reads`: one
row per item, one statement per request). Summaries for other audiences hold no restricted
evidence and record nothing.
"""

from django.db.models import Q

from tracker import services
from tracker.models import Audience, Evidence


def record_summary_read(summary, *, by) -> int:
    """Record that `by` was shown the restricted evidence `summary` holds; return how many.

    A summary names its evidence by public identifier (by id, if published before evidence had
    one): one query finds their ids, one statement records them.
    """
    if summary.audience != Audience.RESTRICTED or getattr(by, "pk", None) is None:
        return 0
    shown = {
        item.id
        for country in summary.countries
        for _, item in country.evidence
        if item.sensitivity == Evidence.Sensitivity.RESTRICTED
    }
    if not shown:
        return 0
    public_ids = [value for value in shown if isinstance(value, str)]
    ids = [value for value in shown if isinstance(value, int)]
    found = Evidence.objects.filter(Q(public_id__in=public_ids) | Q(pk__in=ids))
    return services.evidence_record_reads(
        restricted_ids=found.values_list("pk", flat=True), by=by, action="summary"
    )

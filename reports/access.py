"""Who read restricted evidence in a summary: the reads of a restricted-audience summary.

A summary built for the `restricted` audience shows each restricted item of evidence of the
period (title, source, link). Every page, download and API answer that holds one records it
in the evidence access log, as reading its page does (`services.evidence_record_reads`: one
row per item, one statement per request). Summaries for other audiences hold no restricted
evidence and record nothing.
"""

from tracker import services
from tracker.models import Audience


def record_summary_read(summary, *, by) -> int:
    """Record that `by` was shown the restricted evidence `summary` holds; return how many."""
    if summary.audience != Audience.RESTRICTED:
        return 0
    items = [item for country in summary.countries for _, item in country.evidence]
    return services.evidence_record_reads(items=items, by=by, action="summary")

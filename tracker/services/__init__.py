"""Every write to the tracker's state: one keyword-only function per action, one transaction each.

Views, admin actions, management commands and tests all call these functions, so the rules (a
reason for every status change, no lost updates, append-only history) hold whatever the entry
point. One module per subdomain; every public name is re-exported here, so callers write
`from tracker import services` and `services.recommendation_set_status(...)`.
"""

from tracker.services.accounts import (  # noqa: F401
    RECOVERY_CODES,
    enrolment_code_find,
    enrolment_code_issue,
    language_choose,
    notification_mark_read,
    notification_set_email,
    recovery_code_use,
    recovery_codes_issue,
    saved_filter_delete,
    saved_filter_save,
    totp_device_confirm,
    totp_device_start,
    two_factor_reset,
)
from tracker.services.assessments import (  # noqa: F401
    assessment_approve,
    assessment_correct,
    assessment_draft,
    assessment_return,
    assessment_submit,
    assessment_update,
)
from tracker.services.base import (  # noqa: F401
    StaleVersion,
)
from tracker.services.evidence import (  # noqa: F401
    EVIDENCE_EDITABLE_FIELDS,
    evidence_edit,
    evidence_log,
    evidence_record_access,
    evidence_record_reads,
    evidence_set_sensitivity,
    evidence_withdraw,
    file_sha256,
)
from tracker.services.jobs import (  # noqa: F401
    export_job_request,
    export_jobs_sweep,
    import_job_confirm,
    import_job_recheck,
    import_job_start,
)
from tracker.services.recommendations import (  # noqa: F401
    BULK_LIMIT,
    EffectiveDateBounds,
    effective_date_bounds,
    recommendation_correct_text,
    recommendation_set_owner,
    recommendation_set_pillar,
    recommendation_set_predecessor,
    recommendation_set_status,
    recommendations_bulk_check,
    recommendations_bulk_update,
    status_change_void,
    status_on_date,
)
from tracker.services.texts import (  # noqa: F401
    assessment_set_narrative_sensitivity,
    status_change_set_reason_sensitivity,
)
from tracker.services.translations import (  # noqa: F401
    TRANSLATION_MAX_LENGTH,
    recommendation_translate,
    recommendation_translation_remove,
)

"""The TIP domain: countries, narratives, recommendations and everything recorded about them.

State changes are written only by `tracker.services`; history rows are append-only. Each
subdomain has its module; every name is re-exported here (`from tracker.models import ...`).
"""

from tracker.models.accounts import (  # noqa: F401
    EnrolmentCode,
    LanguagePreference,
    Notification,
    NotificationPreference,
    RecoveryCode,
    SavedFilter,
)
from tracker.models.assessments import (  # noqa: F401
    Assessment,
    AssessmentEvent,
    AssessmentQuerySet,
)
from tracker.models.base import (  # noqa: F401
    AppendOnlyModel,
    AppendOnlyQuerySet,
    FieldEdit,
    HistoryIsAppendOnly,
)
from tracker.models.evidence import (  # noqa: F401
    Evidence,
    EvidenceAccess,
    EvidenceEdit,
    EvidenceQuerySet,
    counted_links,
    evidence_counting,
    evidence_date_errors,
    evidence_upload_to,
    evidence_visibility,
)
from tracker.models.history import (  # noqa: F401
    RecommendationEdit,
    StatusChange,
    StatusChangeQuerySet,
    StatusChangeVoid,
    TextSensitivityChange,
    chain_last_effective,
    status_on,
)
from tracker.models.jobs import (  # noqa: F401
    ExportJob,
    ImportJob,
)
from tracker.models.narratives import (  # noqa: F401
    Country,
    Finding,
    Report,
    TierPlacement,
)
from tracker.models.periods import (  # noqa: F401
    FIRST_REPORT_YEAR,
    LAST_REPORT_YEAR,
    default_as_of,
    follow_up_period,
    is_report_year,
    reporting_period,
)
from tracker.models.recommendations import (  # noqa: F401
    LATER_CHANGES_LIMIT,
    LineageAncestor,
    Recommendation,
    RecommendationQuerySet,
    list_order_of,
)
from tracker.models.searchindex import (  # noqa: F401
    SearchDocumentField,
    SearchEntry,
)
from tracker.models.translations import (  # noqa: F401
    RecommendationTranslation,
    translation_languages,
)
from tracker.models.visibility import (  # noqa: F401
    SENSITIVITY_ORDER,
    SERVER_OPERATOR,
    ServerOperator,
    Visibility,
    most_sensitive,
    sensitivity_rank,
    text_sensitivity,
    visibility,
)
from tracker.models.vocabularies import (  # noqa: F401
    AssessmentConfidence,
    AssessmentRating,
    AssessmentState,
    Audience,
    EvidenceDirection,
    EvidenceSensitivity,
    EvidenceSourceType,
    NotificationKind,
    RecommendationLinkKind,
    RecommendationPillar,
    RecommendationStatus,
    Tier,
)

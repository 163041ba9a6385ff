"""What the move from SQLite to PostgreSQL test runs inside each database's own process.

`fill()` builds a tracker with a row in every table, through the real fixtures and services;
`dump()` prints every backed-up row in a form that compares across databases: every value as
Python reads it (times to the microsecond, in UTC), many-to-many rows by their two ends, and
permissions by natural key since their ids differ between databases.
"""

import datetime
import decimal
import hashlib
import json
import uuid

from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tracker import backup, roles, services
from tracker.models import Assessment, Evidence, ImportJob, Recommendation

PDF_BYTES = b"%PDF-1.4\n% moved evidence \x00\x01\x02\xff\n" + bytes(range(256)) * 64
TEXT_BYTES = "Témoignage recueilli à la frontière.\n".encode() * 50

# Tables a backup leaves out on purpose (README, Backups): `migrate` recreates the first two,
# and the rest are sessions and logs with no place in a restored tracker.
NOT_BACKED_UP = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "admin.logentry",
    "axes.accessattempt",
    "axes.accessattemptexpiration",
    "axes.accessfailurelog",
    "axes.accesslog",
    # Two-factor secrets stay out of backups (tracker/backup.py): users set them up again.
    "otp_totp.totpdevice",
    "tracker.recoverycode",
    # Enrolment codes are one-time credentials too: an administrator gives new ones.
    "tracker.enrolmentcode",
    # The full-text index is not a table of the tracker's own (see tracker.models.SearchEntry).
    "tracker.searchentry",
    # API tokens are credentials, like the two-factor secrets: users create new ones.
    "api.apitoken",
    "api.apitokenuse",
    # Background task results are the worker's working state, not the tracker's record.
    "django_tasks_database.dbtaskresult",
    # Built files: exports last a day; published renderings are made again from the content.
    "tracker.exportjob",
    "reports.publishedrendering",
}


def _user(username: str, role: str | None = None, **extra) -> User:
    user = User.objects.create_user(username=username, password=f"{username}-move-pass", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def fill() -> None:
    """Migrate and fill every table: real narratives and tiers, then each kind of write."""
    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", "--no-accounts", verbosity=0)
    analyst = _user("analyst", roles.ANALYST, first_name="Ana", email="ana@example.org")
    reviewer = _user("reviewer", roles.REVIEWER)
    other = _user("reviewer2", roles.REVIEWER)
    admin = _user("admin", is_staff=True, is_superuser=True)
    admin.user_permissions.add(Permission.objects.get(codename="publish_summary"))
    Group.objects.get(name=roles.VIEWER).permissions.add(
        Permission.objects.get(codename="add_evidence")
    )
    first, second, third = Recommendation.objects.filter(
        report__year=2022, report__country__code="PRK"
    ).order_by("number")[:3]
    rapporteur = services.evidence_log(
        by=analyst,
        title="Special Rapporteur report",
        source_type=Evidence.SourceType.UN,
        direction=Evidence.Direction.NO_CHANGE,
        recommendations=[first, second],
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        published_on=datetime.date(2023, 1, 15),
        quote="No prosecutions were reported.",
        file=SimpleUploadedFile("rapporteur.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    testimony = services.evidence_log(
        by=reviewer,
        title="Testimony",
        source_type=Evidence.SourceType.TESTIMONY,
        direction=Evidence.Direction.REGRESSION,
        recommendations=[third],
        file=SimpleUploadedFile("notes.txt", TEXT_BYTES, content_type="text/plain"),
    )
    services.recommendation_set_status(
        recommendation=first,
        status=Recommendation.Status.CANNOT_ASSESS,
        reason="No reliable information from inside the country.",
        by=analyst,
        evidence=[rapporteur],
        effective_date=datetime.date(2022, 6, 1),
    )
    step = services.recommendation_set_status(
        recommendation=first,
        status=Recommendation.Status.IN_PROGRESS,
        reason="A first step is reported.",
        reason_sensitivity="public",
        by=analyst,
        effective_date=datetime.date(2023, 2, 1),
    )
    services.status_change_set_reason_sensitivity(
        change=step, sensitivity="internal", reason="Not yet confirmed.", by=reviewer
    )
    mistaken = services.recommendation_set_status(
        recommendation=second,
        status=Recommendation.Status.IMPLEMENTED,
        reason="Entered on the wrong item.",
        by=analyst,
        effective_date=datetime.date(2022, 7, 1),
    )
    services.status_change_void(change=mistaken, reason="Meant for another item.", by=reviewer)
    services.evidence_withdraw(evidence=testimony, reason="The source retracted it.", by=reviewer)
    services.recommendation_set_owner(recommendation=second, owner=analyst, by=reviewer)
    # Access to restricted evidence is recorded; then the item is cleared for the team.
    services.evidence_record_access(evidence=rapporteur, by=reviewer, action="download")
    services.evidence_set_sensitivity(
        evidence=rapporteur, sensitivity="internal", reason="Cleared for the team.", by=admin
    )
    services.notification_set_email(by=analyst, email="daily")
    services.language_choose(by=analyst, language="ko")
    # A whole-report upload waiting for its worker: a job with its bytes.
    report_text = b"2021 Trafficking in Persons Report\n" * 20
    ImportJob.objects.create(
        name="2021-tip-report.txt",
        data=report_text,
        sha256=hashlib.sha256(report_text).hexdigest(),
        year=2021,
        created_by=reviewer,
    )
    services.saved_filter_save(
        by=analyst, list_name="recommendations", name="Mine", query="owner=me&status=no_action"
    )
    services.recommendation_set_pillar(
        recommendation=third, pillar=Recommendation.Pillar.PROTECTION, by=reviewer
    )
    services.recommendation_translate(
        recommendation=first, language="ko", text="인신매매 피해자를 식별한다.", by=analyst
    )
    assessment = services.assessment_draft(
        recommendation=first,
        year=2022,
        by=analyst,
        rating=Assessment.Rating.LIMITED,
        confidence=Assessment.Confidence.LOW,
        narrative="One verifiable step.",
        evidence=[rapporteur],
        findings=list(first.report.findings.all()[:2]),
    )
    services.assessment_submit(assessment=assessment, by=analyst)
    assessment = services.assessment_return(assessment=assessment, by=reviewer, note="Cite more.")
    services.assessment_submit(assessment=assessment, by=analyst)
    assessment = services.assessment_approve(assessment=assessment, by=other, note="Agreed.")
    services.assessment_correct(assessment=assessment, by=analyst)

    from reports.services import summary_publish

    summary_publish(year=2022, country=first.report.country, by=reviewer)
    summary_publish(year=2022, by=reviewer)


def _plain(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _rows(model, fields) -> list[list]:
    return [
        [_plain(v) for v in row] for row in model._base_manager.order_by("pk").values_list(*fields)
    ]


def dump() -> None:
    """Print every backed-up row, and every table the database holds, as JSON."""
    tables: dict[str, list] = {}
    for model in backup.backed_up_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        tables[model._meta.label_lower] = {"fields": fields, "rows": _rows(model, fields)}
        for m2m in model._meta.many_to_many:
            through = m2m.remote_field.through
            source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
            if m2m.related_model is Permission:
                target_values = [
                    f"{target}__codename",
                    f"{target}__content_type__app_label",
                    f"{target}__content_type__model",
                ]
            else:
                target_values = [f"{target}_id"]
            rows = through.objects.values_list(f"{source}_id", *target_values)
            tables[through._meta.label_lower] = {"rows": sorted([list(r) for r in rows])}
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "tables": tables,
                "backed_up": [m._meta.label_lower for m in backup.backed_up_models()],
                "models": sorted(m._meta.label_lower for m in apps.get_models()),
            }
        )
    )

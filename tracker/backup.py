"""Back up the whole tracker to one archive file, and restore it into an empty database.

The archive is a zip file holding:

- `manifest.json`: format and version, when and by which app version it was made, the newest
  migration of each app (the schema its rows fit), the row count of every table, and the size
  and SHA-256 of every other member;
- `data/<app>.<model>.jsonl`: the rows of each model, one serialized object per line, in the
  order they must be loaded (groups, users, then the tracker's models);
- `files/<storage name>`: the bytes of every uploaded evidence file, under its storage name.

Users and groups are included; permissions are referred to by natural key (codename, app, model),
so they resolve in any database that has run the migrations. Sessions, sign-in throttling
records, content types, permissions and the admin's change log are not included.

Restore checks the whole archive (readable, every member listed and present, every checksum
right) before writing anything, then loads everything in one transaction. It refuses a database
that already holds users or tracker data: a restore replaces nothing and merges nothing.
"""

import contextlib
import datetime
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Prefetch
from django.utils import timezone

FORMAT = "tiptracker-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_DIR = "data/"
FILES_DIR = "files/"
_CHUNK = 2000
# What a restore reads at most at once: the manifest, and one row (one line of a data member).
# Rows hold a narrative's source text at most, far below this; files are capped by the upload
# limit. A crafted archive cannot make a restore hold more than these in memory.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_ROW_BYTES = 16 * 1024 * 1024
# Models whose rows refer to permissions and groups by name rather than by database id.
_NATURAL_KEY_MODELS = {"auth.group", "auth.user"}


class BackupError(Exception):
    """Raised with a message for the operator when a backup cannot be made or restored."""


@dataclass
class ArchiveInfo:
    """What a backup holds or a restore loaded."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    sha256: str = ""

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def backed_up_apps() -> list:
    """Return the app configs whose rows a backup holds: those that declare `backup_excludes`.

    Each app says what it keeps out (`backup_excludes`, model names) and which of its models
    older backups name otherwise (`backup_renamed`, old label → model name), so this module
    names no other app.
    """
    return [config for config in apps.get_app_configs() if hasattr(config, "backup_excludes")]


def _renamed() -> dict[str, str]:
    """Return the models that moved or were renamed since backups were first made, old → new."""
    return {
        old: f"{config.label}.{name}"
        for config in backed_up_apps()
        for old, name in getattr(config, "backup_renamed", {}).items()
    }


def backed_up_models() -> list[type[models.Model]]:
    """Return the models whose rows go into a backup, in an order that loads cleanly."""
    chosen = [apps.get_model("auth", "Group"), apps.get_model("auth", "User")]
    for config in backed_up_apps():
        chosen += [
            m
            for m in config.get_models()
            if m._meta.managed and m._meta.model_name not in config.backup_excludes
        ]
    return serializers.sort_dependencies([(None, chosen)], allow_cycles=True)


def _label(model) -> str:
    return model._meta.label_lower


def schema_state() -> dict[str, str]:
    """Return the newest applied migration of each app whose rows a backup holds."""
    applied = MigrationRecorder(connection).applied_migrations()
    return {
        app: max(name for label, name in applied if label == app)
        for app in ("auth", *(config.label for config in backed_up_apps()))
        if any(label == app for label, _ in applied)
    }


def app_version() -> str:
    try:
        return metadata.version("tip-tracker")
    except metadata.PackageNotFoundError:
        return "unknown"


class _Encoder(DjangoJSONEncoder):
    """Keep microseconds: the default encoder rounds times to milliseconds, losing history order."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _HashingWriter:
    """Pass bytes through to `stream` while counting them and computing their SHA-256."""

    def __init__(self, stream):
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.stream.write(data)


def _queryset(model):
    m2m = [f.name for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
    prefetches = [
        Prefetch(name, queryset=model._meta.get_field(name).related_model._base_manager.only("pk"))
        for name in m2m
    ]
    return model._base_manager.order_by("pk").prefetch_related(*prefetches)


def _member_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_model(archive: zipfile.ZipFile, model, manifest_members: dict) -> int:
    name = f"{DATA_DIR}{_label(model)}.jsonl"
    natural = _label(model) in _NATURAL_KEY_MODELS
    count = 0
    with archive.open(_member_info(name), "w", force_zip64=True) as member:
        writer = _HashingWriter(member)
        queryset = _queryset(model)
        batch = []
        for obj in queryset.iterator(chunk_size=_CHUNK):
            batch.append(obj)
            if len(batch) >= _CHUNK:
                count += _write_batch(writer, batch, natural)
                batch = []
        count += _write_batch(writer, batch, natural)
    manifest_members[name] = {"size": writer.size, "sha256": writer.digest.hexdigest()}
    return count


def _write_batch(writer: _HashingWriter, batch, natural: bool) -> int:
    if not batch:
        return 0
    data = serializers.serialize("python", batch, use_natural_foreign_keys=natural)
    lines = "".join(json.dumps(item, cls=_Encoder, ensure_ascii=False) + "\n" for item in data)
    writer.write(lines.encode("utf-8"))
    return len(data)


def _file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _stored_file_names(model_list) -> list[str]:
    names: set[str] = set()
    for model in model_list:
        for file_field in _file_fields(model):
            names.update(
                model._base_manager.exclude(**{file_field.name: ""})
                .exclude(**{f"{file_field.name}__isnull": True})
                .values_list(file_field.name, flat=True)
            )
    return sorted(names)


@contextlib.contextmanager
def _consistent_snapshot():
    """Read every table from one snapshot, without holding up writers where the database allows.

    SQLite in WAL mode gives a deferred transaction a snapshot and leaves writers free; the
    project's IMMEDIATE transaction mode would lock them out, so the transaction is opened by
    hand. PostgreSQL gets a read-only repeatable-read transaction.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def create_backup(path: Path) -> ArchiveInfo:
    """Write a backup of every row and uploaded file to `path`, replacing it only when complete."""
    path = Path(path)
    # The archive holds every password hash and restricted file: owner-only, like its folder
    # when it is made here (mkstemp already creates the file 0600).
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    summary = ArchiveInfo(path=path)
    members: dict[str, dict] = {}
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with _consistent_snapshot():
                model_list = backed_up_models()
                for model in model_list:
                    summary.rows[_label(model)] = _write_model(archive, model, members)
                file_names = _stored_file_names(model_list)
            for name in file_names:
                _write_file(archive, name, members)
            summary.files = len(file_names)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(),
                "app_version": app_version(),
                "schema": schema_state(),
                "database": connection.vendor,
                "load_order": [_label(m) for m in model_list],
                "rows": summary.rows,
                "files": file_names,
                "members": members,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        summary.sha256 = _sha256_of_path(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return summary


def _write_file(archive: zipfile.ZipFile, name: str, members: dict) -> None:
    member_name = FILES_DIR + name
    try:
        source = default_storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise BackupError(
            f"The uploaded file {name} is recorded in the database but missing from storage; "
            "restore it before backing up."
        ) from exc
    with source, archive.open(_member_info(member_name), "w", force_zip64=True) as member:
        writer = _HashingWriter(member)
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            writer.write(chunk)
    members[member_name] = {"size": writer.size, "sha256": writer.digest.hexdigest()}


def _sha256_of_path(path: Path) -> str:
    with path.open("rb") as handle:
        return _sha256_of_stream(handle)


# Restore


_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError)


def _safe_storage_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _open_archive(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file.")
    try:
        return zipfile.ZipFile(path)
    except _READ_ERRORS as exc:
        raise BackupError(
            f"{path}: not a readable backup archive ({exc}); it may be truncated or corrupted. "
            "Nothing was restored."
        ) from exc


def _read_manifest(path: Path, archive: zipfile.ZipFile) -> dict:
    try:
        if archive.getinfo(MANIFEST).file_size > MAX_MANIFEST_BYTES:
            raise BackupError(f"{path}: the manifest is too large to be a backup's.")
        with archive.open(MANIFEST) as member:
            manifest = json.loads(member.read(MAX_MANIFEST_BYTES + 1))
    except KeyError as exc:
        raise BackupError(f"{path}: the archive has no {MANIFEST}; it is not a backup.") from exc
    except (*_READ_ERRORS, json.JSONDecodeError) as exc:
        raise BackupError(f"{path}: the manifest cannot be read ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: the manifest does not describe a TIP Tracker backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path}: backup format version {manifest.get('format_version')!r} is not supported "
            f"by this version (which reads version {FORMAT_VERSION})."
        )
    return manifest


def verify(path: Path) -> dict:
    """Check the archive at `path` completely and return its manifest; raise BackupError if not.

    Every member the manifest lists must be present with the recorded size and SHA-256, nothing
    else may be present, and every table and uploaded file the manifest names must be there.
    """
    path = Path(path)
    with _open_archive(path) as archive:
        manifest = _read_manifest(path, archive)
        listed = manifest.get("members")
        if not isinstance(listed, dict):
            raise BackupError(f"{path}: the manifest lists no members.")
        present = {info.filename for info in archive.infolist()} - {MANIFEST}
        missing = sorted(set(listed) - present)
        if missing:
            raise BackupError(
                f"{path}: {len(missing)} member(s) listed in the manifest are missing, "
                f"starting with {missing[0]}. Nothing was restored."
            )
        unexpected = sorted(present - set(listed))
        if unexpected:
            raise BackupError(
                f"{path}: member {unexpected[0]} is not listed in the manifest. "
                "Nothing was restored."
            )
        for name in listed:
            if not (name.startswith(DATA_DIR) or name.startswith(FILES_DIR)):
                raise BackupError(f"{path}: unexpected member name {name!r}.")
            if name.startswith(FILES_DIR) and not _safe_storage_name(name[len(FILES_DIR) :]):
                raise BackupError(f"{path}: unsafe file name {name!r} in the archive.")
            _check_member_size(path, archive.getinfo(name), listed[name])
        for table in manifest.get("load_order", []):
            if f"{DATA_DIR}{table}.jsonl" not in listed:
                raise BackupError(f"{path}: the data of {table} is missing from the archive.")
        for name in manifest.get("files", []):
            if FILES_DIR + name not in listed:
                raise BackupError(f"{path}: the uploaded file {name} is missing from the archive.")
        for name, expected in sorted(listed.items()):
            _check_member(path, archive, name, expected)
    return manifest


def _check_member_size(path: Path, info: zipfile.ZipInfo, expected) -> None:
    """Refuse a member whose size is not the manifest's, or too large, before inflating it."""
    size = expected.get("size") if isinstance(expected, dict) else None
    if not isinstance(size, int) or info.file_size != size:
        raise BackupError(
            f"{path}: member {info.filename} does not have the size the manifest records; the "
            "archive is corrupted. Nothing was restored."
        )
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    if info.filename.startswith(FILES_DIR) and size > limit:
        raise BackupError(
            f"{path}: the uploaded file {info.filename} is {size} bytes, over the upload limit "
            f"of {limit} bytes (EVIDENCE_MAX_UPLOAD_BYTES; raise it to restore this archive). "
            "Nothing was restored."
        )


def _check_member(path: Path, archive: zipfile.ZipFile, name: str, expected: dict) -> None:
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(name) as member:
            for chunk in iter(lambda: member.read(1024 * 1024), b""):
                digest.update(chunk)
                size += len(chunk)
                if size > expected["size"]:
                    break
    except _READ_ERRORS as exc:
        raise BackupError(
            f"{path}: member {name} cannot be read ({exc}); the archive is damaged. "
            "Nothing was restored."
        ) from exc
    if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(
            f"{path}: checksum mismatch for {name}: the archive is corrupted. Nothing was restored."
        )


def database_is_empty() -> bool:
    """Return whether the database holds no users and no tracker rows (groups may exist)."""
    return not any(
        model._base_manager.exists() for model in backed_up_models() if model is not Group
    )


def restore_backup(path: Path) -> ArchiveInfo:
    """Load the backup at `path` into an empty database, with its uploaded files.

    Nothing is written unless the whole archive checks out and the database is empty; the rows
    are loaded in one transaction, and files written before a failure are removed again.
    """
    path = Path(path)
    manifest = verify(path)
    if not database_is_empty():
        raise BackupError(
            "The database already holds users or tracker data. Restore only into an empty "
            "database (create it and run `migrate`, nothing else). Nothing was restored."
        )
    known = {_label(m): m for m in backed_up_models()}
    known.update({old: known[new] for old, new in _renamed().items() if new in known})
    unknown = [label for label in manifest["load_order"] if label not in known]
    if unknown:
        raise BackupError(f"{path}: the backup holds tables this version does not know: {unknown}.")
    summary = ArchiveInfo(path=path, sha256=_sha256_of_path(path))
    ours = schema_state()
    written: list[str] = []
    try:
        with transaction.atomic(), zipfile.ZipFile(path) as archive:
            # Groups made by the roles migration are replaced by the backed-up ones, which carry
            # the same names plus any permission changes made since.
            Group.objects.all().delete()
            loaded_models = []
            try:
                with connection.constraint_checks_disabled():
                    for label in manifest["load_order"]:
                        model = known[label]
                        summary.rows[label] = _load_model(archive, label)
                        loaded_models.append(model)
                connection.check_constraints(table_names=[m._meta.db_table for m in loaded_models])
            except (DatabaseError, DeserializationError, FieldDoesNotExist) as exc:
                # Rows from another schema get the explanation; any other failure is itself.
                if manifest.get("schema") == ours:
                    raise
                raise BackupError(_schema_message(path, manifest.get("schema"), exc)) from exc
            if summary.rows != manifest["rows"]:
                raise BackupError(f"{path}: the row counts do not match the manifest.")
            _check_files_match_rows(path, manifest["files"], loaded_models)
            _reset_sequences(loaded_models)
            for name in manifest["files"]:
                _restore_file(archive, name, manifest["members"][FILES_DIR + name], written)
            summary.files = len(manifest["files"])
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return summary


def _schema_message(path: Path, theirs: dict | None, exc: Exception) -> str:
    """Say why rows from a backup made at another schema do not load into this one."""
    older = ", ".join(f"{app} {name}" for app, name in sorted((theirs or {}).items()))
    return (
        f"{path}: the rows do not fit this version's tables ({exc}). The backup was made with "
        f"the database at {older or 'an older version (not recorded)'}; restore it with that "
        "version of TIP Tracker, then upgrade and run `migrate`. Nothing was restored."
    )


def _check_files_match_rows(path: Path, listed: list[str], loaded_models) -> None:
    """Refuse files that no restored row refers to, and rows whose file the archive lacks."""
    referenced = set(_stored_file_names(loaded_models))
    stray = sorted(set(listed) - referenced)
    if stray:
        raise BackupError(
            f"{path}: the archive holds the file {stray[0]}, which no row refers to. "
            "Nothing was restored."
        )
    absent = sorted(referenced - set(listed))
    if absent:
        raise BackupError(
            f"{path}: a row refers to the file {absent[0]}, which the archive does not hold. "
            "Nothing was restored."
        )


def _rows(member, name: str):
    """Yield the rows of a data member one line at a time, refusing a line over the limit."""
    while True:
        line = member.readline(MAX_ROW_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_ROW_BYTES:
            raise BackupError(
                f"{name}: a row is longer than {MAX_ROW_BYTES} bytes; the archive is not a "
                "backup this version wrote. Nothing was restored."
            )
        try:
            yield json.loads(line)
        except ValueError as exc:
            raise BackupError(f"{name}: a row is not valid JSON ({exc}).") from exc


def _load_model(archive: zipfile.ZipFile, label: str) -> int:
    count = 0
    name = f"{DATA_DIR}{label}.jsonl"
    renamed = _renamed()
    with archive.open(name) as member:
        batch = []
        for row in _rows(member, name):
            # A row goes only into the table its member names: no user rows smuggled into
            # another table's member.
            if not isinstance(row, dict) or row.get("model") != label:
                model = row.get("model") if isinstance(row, dict) else None
                raise BackupError(
                    f"{name}: holds a row of {model!r}, not of {label}. Nothing was restored."
                )
            batch.append({**row, "model": renamed.get(label, label)})
            if len(batch) >= _CHUNK:
                count += _load_batch(batch)
                batch = []
        count += _load_batch(batch)
    return count


def _load_batch(batch: list[dict]) -> int:
    for item in serializers.deserialize("python", batch):
        item.save()
    return len(batch)


def _reset_sequences(model_list) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _sha256_of_stream(stream) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _restore_file(archive: zipfile.ZipFile, name: str, expected: dict, written: list) -> None:
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as existing:
            if _sha256_of_stream(existing) == expected["sha256"]:
                return
        raise BackupError(
            f"The file {name} already exists in storage with different contents; move it away "
            "and restore again. Nothing was restored."
        )
    # Streamed from the archive in chunks: a file is never held in memory whole.
    with archive.open(FILES_DIR + name) as member:
        saved = default_storage.save(name, File(member, name=name))
    written.append(saved)
    if saved != name:
        raise BackupError(f"Storage saved {name} as {saved}; restore into empty file storage.")

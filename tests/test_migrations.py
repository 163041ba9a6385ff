"""Migrations keep the SQL of their time: they name no project code, and replay from zero whole.

A migration that calls the app's code runs today's code when it is replayed (on a new database,
in the suite, after a restore), not what it ran when it was written. So a migration holds its
SQL itself, and imports only what Django writes into field definitions.
"""

import ast
import json
from pathlib import Path

import pytest
from django.apps import apps

from tests.conftest import ROOT
from tests.postgres import postgresql_database_url
from tests.test_deploy import manage, production_env

# The project's code that Django itself names in a migration: callables and field classes given
# to a model field (upload paths, storages, custom fields). Nothing else may be imported.
SERIALIZED = {
    "tracker.models.evidence_upload_to",
    "tracker.models.SearchDocumentField",
    "tiptracker.lib.storage.private_storage",
}


def _project_packages() -> set[str]:
    return {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if not path.parent.name.startswith(".")
    }


def _migration_modules() -> dict[str, Path]:
    """Return every migration module of the project's apps, by dotted name."""
    modules = {}
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        if ROOT not in folder.parents:
            continue  # Django's own apps and third-party ones
        for path in sorted(folder.glob("[0-9]*.py")):
            modules[f"{config.name}.migrations.{path.stem}"] = path
    return modules


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _project_code_named(path: Path, module: str, packages: set[str]) -> set[str]:
    """Return the project's names (outside migrations) that the migration at `path` uses."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module.rsplit(".", 1)[0]
    named, imported = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in packages:
                    continue
                if alias.asname:
                    # What is used behind the alias is not told apart: the module is named.
                    named.add(alias.name)
                else:
                    imported.add(alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{source}" if source else base
            if source.split(".")[0] in packages:
                named |= {f"{source}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call) and _dotted(node.func) in {
            "importlib.import_module",
            "import_module",
            "__import__",
        }:
            named.add(f"a module loaded by {_dotted(node.func)}()")
    # Each use of an imported package, as the longest dotted name written.
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name) and id(node) not in inner:
            name = _dotted(node)
            if name and name.split(".")[0] in imported:
                named.add(name)
    return {
        name for name in named if not any(name.startswith(f"{app}.migrations") for app in packages)
    }


def test_no_migration_imports_the_projects_code_but_what_django_writes_into_fields():
    packages = _project_packages()
    modules = _migration_modules()
    assert {"tracker.migrations.0007_search_index", "reports.migrations.0001_initial"} <= set(
        modules
    )
    used = {module: _project_code_named(path, module, packages) for module, path in modules.items()}
    refused = {module: sorted(names - SERIALIZED) for module, names in used.items()}
    assert {module: names for module, names in refused.items() if names} == {}
    # Every name allowed is one a migration does use: the list says what Django wrote.
    assert set().union(*used.values()) == SERIALIZED


def _replay(database_url: str, tmp_path: Path) -> dict:
    env = production_env(tmp_path, DATABASE_URL=database_url)
    result = manage(
        env, "shell", "-v", "0", "-c", "from tests import migrating; migrating.replay()"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def replayed_on_sqlite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replay-sqlite")
    return _replay(f"sqlite:///{folder / 'replayed.sqlite3'}", folder)


@pytest.fixture(scope="module")
def replayed_on_postgresql(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replay-postgresql")
    with postgresql_database_url(folder) as database_url:
        return _replay(database_url, folder)


@pytest.fixture
def replayed(request):
    """What `tests.migrating.replay` reports, once per database for the whole module."""
    report = request.getfixturevalue(f"replayed_on_{request.param}")
    assert report["vendor"] == request.param
    return report


# Each database is migrated from zero once, in its own process, for the tests that take it.
ON_BOTH = pytest.mark.parametrize(
    "replayed",
    [
        pytest.param("sqlite", marks=pytest.mark.slow),
        pytest.param("postgresql", marks=pytest.mark.slow),
    ],
    indirect=True,
)


@ON_BOTH
def test_a_database_migrated_from_zero_holds_the_index_tracker_search_builds(replayed):
    migrated, installed = replayed["migrated"], replayed["installed"]
    # Three triggers on each of the seven indexed tables (on SQLite one per write; on PostgreSQL
    # one for the rows an INSERT statement wrote, one for each row updated or deleted, one for
    # TRUNCATE): the comparison below is not between two empty lists.
    assert len(migrated["triggers"]) == 21
    assert migrated == installed


@ON_BOTH
def test_the_index_migrations_before_0016_build_the_index_of_their_time(replayed):
    # No pause table yet, and insert triggers that always index; today's code would have built
    # the pause table already.
    assert "tracker_search_pause" not in json.dumps(replayed["at_0015"])
    assert sorted({row[1] for row in replayed["at_0015"]["triggers"]}) == sorted(
        {row[1] for row in replayed["migrated"]["triggers"]}
    )
    if replayed["vendor"] == "postgresql":
        # Then a row trigger indexed inserts too; since 0037 a statement trigger does.
        assert not any(row[0].endswith("_insert") for row in replayed["at_0015"]["triggers"])
    # Unapplying 0016 and everything after it puts that index back.
    assert replayed["unapplied_0016"] == replayed["at_0015"]


@ON_BOTH
def test_search_finds_rows_written_before_between_and_after_the_index_migrations(replayed):
    # Before the index existed, while SQLite's remade tables had lost their triggers (0010 to
    # 0013), and after the last migration: each row is found under its own word.
    for when, rows in replayed["written"].items():
        for kind in ("country", "report", "recommendation", "evidence"):
            assert replayed["found"][when][kind] == [rows[kind]], (when, kind)


@ON_BOTH
def test_reviewed_assessments_without_a_reviewer_or_a_time_are_mended_first(replayed):
    assert replayed["reviews"] == {
        "approved, with its event": ["approved", "reviewer", "2022-05-02T09:30:00+00:00"],
        "returned, no time": ["returned", "reviewer", "2022-05-03T16:00:00+00:00"],
        "approved, nobody": ["submitted", None, None],
        "approved, whole": ["approved", "reviewer", "2022-05-02T09:30:00+00:00"],
    }

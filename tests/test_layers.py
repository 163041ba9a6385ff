"""The shape of the code (README, "Code layout"): views are imported only by URL tables."""

import grimp

PACKAGES = ("tiptracker", "tracker", "reports", "api", "public")


def _is_view_module(name: str) -> bool:
    parts = name.split(".")
    return "views" in parts or parts[-1].endswith("_views")


def _is_url_table(name: str) -> bool:
    parts = name.split(".")
    return parts[-1] == "urls" or parts[-1].endswith("_urls")


def test_no_module_outside_the_views_imports_a_view():
    graph = grimp.build_graph(*PACKAGES)
    offenders = sorted(
        (importer, imported)
        for imported in graph.modules
        if _is_view_module(imported)
        for importer in graph.find_modules_that_directly_import(imported)
        if not _is_view_module(importer) and not _is_url_table(importer)
    )
    assert offenders == []


def test_the_view_check_sees_a_view_imported_elsewhere():
    graph = grimp.build_graph(*PACKAGES)
    importers = graph.find_modules_that_directly_import("tracker.views.home")
    # Only the root URL table imports the home page (it routes `/` between the worklist and the
    # public front page); were a service to, the test above would say so.
    assert importers == {"tiptracker.urls"}

"""soyte installed as users install it: the wheel pip builds from a clone, in a new virtual environment
outside the checkout, its commands run from another folder (tests/installed.py makes both).

A module or a data file that the packaging leaves out passes every other test (they run from the
checkout); here it is missing.
"""
from __future__ import annotations

import json
import sqlite3
import zipfile

import pytest

from scraper.portals.registry import load_portals
from scraper.portals.sites import Site
from tests.helpers import ROOT
from tests.installed import (PACKAGES, failure, installed, package_modules, project_version,  # noqa: F401
                             wheel)

pytestmark = pytest.mark.e2e  # a wheel built and installed in new virtual environments


def demo_sites(project) -> dict[str, Site]:
    """The demo portals `soyte demo` crawls (active, with bundled pages), as the copy the wheel was built from has them."""
    portals = load_portals(project / "scraper" / "portals.toml").values()
    return {portal.key: Site(project / "scraper" / "demo_portals" / portal.demo) for portal in portals
            if portal.active and portal.demo}


def demo_records(project) -> list[dict]:
    """The expected records of the articles `soyte demo` stores: the served articles of every demo
    portal (scraper/demo_portals/*/expected/*.json; a snapshot-only record is an older capture, not served)."""
    return [record for site in demo_sites(project).values() for record in site.served_records()]


def installed_scraper_folder(venv) -> str:
    return venv.run("python", "-c", "import pathlib, scraper; print(pathlib.Path(scraper.__file__).parent)").stdout.strip()


def test_the_wheel_holds_every_file_of_the_packages(wheel):
    with zipfile.ZipFile(wheel.path) as archive:
        shipped = {name for name in archive.namelist() if not name.startswith("soyte-")}
    missing = sorted(wheel.files - shipped)
    assert not missing, f"{len(missing)} files of the packages are not in {wheel.path.name}: {missing[:20]}"
    assert not shipped - wheel.files, f"files in the wheel that a clone has not: {sorted(shipped - wheel.files)}"


def test_every_module_of_the_installed_packages_imports(installed, wheel):
    walk = f"""
import importlib, json, pkgutil, sys, traceback
modules, failed = [], {{}}
for top in {PACKAGES!r}:
    package = importlib.import_module(top)
    modules.append(top)
    for info in pkgutil.walk_packages(package.__path__, top + ".", onerror=lambda name: failed.setdefault(name, "walk")):
        modules.append(info.name)
        try:
            importlib.import_module(info.name)
        except BaseException:
            failed[info.name] = traceback.format_exc(limit=3)
files = {{top: importlib.import_module(top).__file__ for top in {PACKAGES!r}}}
print(json.dumps({{"modules": modules, "failed": failed, "files": files, "path": sys.path}}))
"""
    found = json.loads(installed.run("python", "-c", walk).stdout)
    assert not found["failed"], "modules that do not import from the wheel:\n" + "\n".join(
        f"{name}: {error}" for name, error in found["failed"].items())
    modules = package_modules(wheel.files)
    assert set(found["modules"]) == modules, (
        f"not installed: {sorted(modules - set(found['modules']))}; "
        f"installed but not in the clone: {sorted(set(found['modules']) - modules)}")
    site_packages = str(installed.path)
    assert all(file.startswith(site_packages) for file in found["files"].values()), found["files"]
    assert not [entry for entry in found["path"] if entry.startswith(str(ROOT))], found["path"]


def test_the_installed_command_answers_help(installed):
    result = installed.run("soyte", "--help")
    assert "usage: soyte" in result.stdout and "demo" in result.stdout, result.stdout


def test_the_installed_command_says_its_version(installed):
    result = installed.run("soyte", "--version", check=False)
    assert result.returncode == 0 and result.stdout.strip() == f"soyte {project_version()}", failure(result)


def test_the_demo_crawls_every_bundled_portal_into_the_archive(installed, wheel, tmp_path):
    db = tmp_path / "demo.db"
    result = installed.run("soyte", "demo", "--no-serve", "--db", db, cwd=tmp_path, timeout=300, check=False)
    assert result.returncode == 0, failure(result, tmp_path)
    expected = demo_records(wheel.project)
    conn = sqlite3.connect(db)
    try:
        stored = [url for (url,) in conn.execute("SELECT url FROM articles")]
    finally:
        conn.close()
    assert len(stored) == len(expected), failure(result, tmp_path)
    assert set(stored) == {record["url"] for record in expected}
    assert f"{len(expected)} articles stored in {db}" in result.stderr, failure(result, tmp_path)


def test_extract_reads_a_bundled_demo_page_with_the_generic_extractor(installed, wheel, tmp_path):
    site = demo_sites(wheel.project)["bacninh"]
    page = next(page for page in site.pages(("article",)) if page.expected)
    # The page as the wheel installed it (package data), not the checkout's copy.
    installed_page = f"{installed_scraper_folder(installed)}/demo_portals/{site.folder.name}/{page.file}"
    result = installed.run("soyte", "extract", "--generic", installed_page, "--url", page.url, cwd=tmp_path,
                           check=False)
    assert result.returncode == 0, failure(result, tmp_path)
    assert json.loads(result.stdout)["title"] == page.expected["title"]

"""Shared pytest fixtures and hooks; what the test modules import is in tests/helpers.py.

The `e2e` mark (pyproject.toml) sets apart the tests that start a crawl, a server (the replay server,
Datasette, scrapyd, Chromium), `soyte` in a subprocess, a virtual environment or a clone:
`python -m pytest -m "not e2e"` runs the rest, the unit tests, in under a minute. A module made of
such tests says so at its top (`pytestmark = pytest.mark.e2e`), a test among unit tests with its own
`@pytest.mark.e2e`, and `pytest_collection_modifyitems` below marks every test that uses, directly or
through another fixture, one of E2E_FIXTURES."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.store import Archive
from tests.helpers import article_cases, reference_server

# Fixtures that start a server or a crawl wherever they are defined: the replay server of every
# portal's reference pages (below) and a portal's two crawls (tests/portal_suite.py, and the crawled
# archives of tests/test_documents.py and tests/test_warc.py).
E2E_FIXTURES = frozenset({"replay_server", "crawled"})


@pytest.fixture
def replay_server():
    with reference_server() as server:
        yield server


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def archive(tmp_path: Path):
    """An empty archive (modules that need a crawled one define their own `archive`)."""
    store = Archive(tmp_path / "a.db")
    yield store
    store.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Fill a `case` argument with the reference pages of the test class's PORTAL."""
    if "case" in metafunc.fixturenames and metafunc.cls is not None and hasattr(metafunc.cls, "PORTAL"):
        cases = article_cases(metafunc.cls.PORTAL)
        metafunc.parametrize("case", cases, ids=[case.id for case in cases])


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `e2e` every test that uses one of E2E_FIXTURES, directly or through another fixture."""
    for item in items:
        if E2E_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)

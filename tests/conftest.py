"""Shared test fixtures: the bundled portals' pages and expected records, the replay server,
and `soyte` run as a real command (crawls need their own process: Scrapy's reactor starts once)."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from scraper.registry import DEMO_PORTALS
from scraper.replay import ReplayServer

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ArticleCase:
    """One reference page as the site served it, with the record expected from it."""

    portal: str
    kind: str  # article (served now) or snapshot (an older capture, not served)
    file: Path
    url: str
    content_type: str
    expected: dict

    @property
    def id(self) -> str:
        return self.file.stem


def article_cases(portal: str) -> list[ArticleCase]:
    """Every article and snapshot page of a bundled portal that has an expected record."""
    folder = DEMO_PORTALS / portal
    manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    cases = []
    for entry in manifest["pages"]:
        if entry["kind"] not in ("article", "snapshot"):
            continue
        page = folder / entry["file"]
        expected = folder / "expected" / (page.stem.removesuffix("-2017") + ".json")
        cases.append(ArticleCase(portal, entry["kind"], page, entry["url"], entry["content_type"],
                                 json.loads(expected.read_text(encoding="utf-8"))))
    return cases


def served_articles(portal: str) -> list[dict]:
    """Expected records of the articles the portal serves now (snapshots are not served)."""
    return [case.expected for case in article_cases(portal) if case.kind == "article"]


def soyte(*args: str, check: bool = True, timeout: float = 180, **kwargs) -> subprocess.CompletedProcess:
    """Run the real `soyte` command in a subprocess."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "scraper.cli", *args], capture_output=True, text=True,
                            timeout=timeout, env=env, cwd=kwargs.pop("cwd", ROOT), **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"soyte {' '.join(args)} exited {result.returncode}:\n{result.stderr[-4000:]}")
    return result


def query(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def execute(db: Path, sql: str, params: tuple = ()) -> None:
    """A write behind the archive's back, as a user with sqlite3 would make it."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


@pytest.fixture
def replay_server():
    with ReplayServer() as server:
        yield server


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Fill a `case` argument with the reference pages of the test class's PORTAL."""
    if "case" in metafunc.fixturenames and metafunc.cls is not None and hasattr(metafunc.cls, "PORTAL"):
        cases = article_cases(metafunc.cls.PORTAL)
        metafunc.parametrize("case", cases, ids=[case.id for case in cases])

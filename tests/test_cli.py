"""The `soyte` command as a user meets it: help, errors, and crawling every bundled portal at once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.cli.main import COMMANDS, build_parser, main
from scraper.portals.registry import load_portals
from tests.helpers import (active_bundled_portals, bundled_articles, demo_articles, demo_portal_keys, query,
                           served_articles, soyte, unserved_attachment_urls)


build_parser()  # registers the commands of every scraper.cli_* module


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_purpose_and_an_example(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert COMMANDS[name].purpose in " ".join(out.split())
    assert "Example: soyte " + name in out


@pytest.mark.e2e
def test_unknown_portal_is_one_clear_line_and_exit_2(tmp_path):
    result = soyte("crawl", "atlantis", "--db", str(tmp_path / "a.db"), check=False)
    assert result.returncode == 2
    known = sorted(key for key, portal in load_portals().items() if portal.layout)
    assert len(known) >= 8 and {"angiang", "bacninh", "hagiang", "hatinh"} <= set(known)
    assert result.stderr.strip().splitlines() == [
        f"soyte crawl: unknown portal 'atlantis'; known portals: {', '.join(known)}"]


@pytest.mark.e2e
def test_missing_archive_is_one_clear_line_and_exit_2(tmp_path):
    result = soyte("runs", "--db", str(tmp_path / "nothing.db"), check=False)
    assert result.returncode == 2
    assert "no archive at" in result.stderr and "Traceback" not in result.stderr


def test_crawl_without_portals_crawls_every_active_bundled_portal_in_one_run(archive_path, replay_server):
    result = soyte("crawl", "--db", str(archive_path), "--replay", replay_server.url)
    run = json.loads(result.stdout)
    portals = active_bundled_portals()
    # errors: an attachment no reference site serves answers 404, one error each (the demo portals serve all)
    assert (run["portals"], run["articles_new"], run["errors"], run["status"]) == (
        ",".join(portals), len(bundled_articles()), len(unserved_attachment_urls()), "completed")
    counts = query(archive_path, "SELECT portal, count(*) AS n FROM articles GROUP BY portal ORDER BY portal")
    assert counts == [{"portal": key, "n": len(served_articles(key))} for key in sorted(portals)]
    assert query(archive_path, "SELECT count(*) AS n FROM crawl_runs") == [{"n": 1}]


@pytest.mark.e2e
def test_demo_crawls_and_shows_every_active_bundled_portal(tmp_path):
    db = tmp_path / "demo.db"
    result = soyte("demo", "--db", str(db), "--no-serve")
    shown = {line.split()[0] for line in result.stderr.splitlines() if line.startswith("  ")}
    assert shown == set(demo_portal_keys())
    assert f"{len(demo_articles())} articles stored in" in result.stderr
    assert "Khám sàng lọc bệnh tim bẩm sinh cho trẻ em huyện Yên Minh" in result.stderr


def test_runs_lists_the_crawl_runs_newest_first(archive_path, replay_server):
    soyte("crawl", "hatinh", "--db", str(archive_path), "--replay", replay_server.url)
    soyte("crawl", "angiang", "--db", str(archive_path), "--replay", replay_server.url)
    runs = [json.loads(line) for line in soyte("runs", "--db", str(archive_path)).stdout.splitlines()]
    assert [(run["id"], run["portals"], run["articles_new"]) for run in runs] == [(2, "angiang", 4), (1, "hatinh", 4)]


def test_ci_runs_the_test_command_that_the_readme_gives():
    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1].split("```bash\n", 1)[1].split("\n```", 1)[0]
    assert "apt-get install" in section and "chromium" in section and "python -m pytest" in section
    assert section in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


@pytest.mark.e2e
def test_serve_portals_refuses_a_folder_that_is_not_a_site(tmp_path):
    result = soyte("serve-portals", "scraper/demo_portals/hatinh", str(tmp_path), "--port", "8999", check=False)
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        f"soyte serve-portals: no site.json in {tmp_path}: name folders in the site.json format (a fixture folder "
        "tests/fixtures/KEY, a captured portal)"])


# Small things a user trips on: --version, --limit's help, a search without a hit, a missing extra,
# the files a crawl leaves beside the archive.

def pyproject() -> dict:
    import tomllib

    from tests.helpers import ROOT

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.e2e
def test_version_prints_the_installed_version_and_exits_0():
    from importlib.metadata import version

    result = soyte("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, "soyte 0.1.0\n", "")
    assert result.stdout == f"soyte {version('soyte')}\n" == f"soyte {pyproject()['version']}\n"


@pytest.mark.parametrize("name, help_text", [
    ("search", "--limit N at most N articles, then at most N documents (default 20)"),
    ("runs", "--limit N the N newest runs (default 20)"),
])
def test_limit_says_what_it_limits(name, help_text, capsys):
    with pytest.raises(SystemExit):
        main([name, "--help"])
    assert help_text in " ".join(capsys.readouterr().out.split())


@pytest.mark.e2e
def test_a_search_without_a_hit_says_so_on_stderr_and_prints_nothing(tmp_path):
    from archive.store import Archive

    store = Archive(tmp_path / "a.db")
    with store.transaction():
        store.upsert_article({"url": "https://soyte.hatinh.gov.vn/tin/1.html", "portal": "hatinh",
                              "province": "Hà Tĩnh", "title": "Phòng chống sốt xuất huyết",
                              "published": "2024-05-02T08:00:00+07:00",
                              "text": "Sở Y tế tỉnh Hà Tĩnh phun hóa chất diệt muỗi.", "images": [],
                              "attachments": []}, layout="hatinh", extractor="hatinh/1", page_id=None)
    store.close()
    missed = soyte("search", "tay chan mieng", "--db", str(tmp_path / "a.db"))
    assert (missed.returncode, missed.stdout, missed.stderr) == (0, "", "no match for 'tay chan mieng'\n")
    found = soyte("search", "sot xuat huyet", "--db", str(tmp_path / "a.db"))
    assert [json.loads(line)["title"] for line in found.stdout.splitlines()] == ["Phòng chống sốt xuất huyết"]
    assert found.stderr == ""


@pytest.mark.e2e
def test_wacz_without_py_wacz_exits_5_naming_the_pip_install(tmp_path):
    """py-wacz hidden the way a missing package is: a `wacz` package first on the path that cannot be imported."""
    import os
    import subprocess
    import sys

    from archive.store import Archive
    from tests.helpers import ROOT

    Archive(tmp_path / "a.db").close()
    assert "wacz" in pyproject()["optional-dependencies"]  # the extra the message names
    stub = tmp_path / "stub" / "wacz"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'wacz'\", name='wacz')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(stub.parent), str(ROOT)])}
    hidden = subprocess.run([sys.executable, "-c", "import wacz.main"], env=env, capture_output=True, text=True)
    assert hidden.returncode == 1 and "ModuleNotFoundError: No module named 'wacz'" in hidden.stderr
    out = tmp_path / "soyte.wacz"
    result = subprocess.run([sys.executable, "-m", "scraper.cli", "export", "--format", "wacz", "-o", str(out),
                             "--db", str(tmp_path / "a.db")], env=env, capture_output=True, text=True, cwd=ROOT)
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (5, "", [
        "soyte export: --format wacz needs the optional package 'wacz', which is not installed: "
        "pip install 'soyte[wacz]' (in soyte's checkout: pip install -e '.[wacz]')"])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.db", "stub"]  # nothing written, no .part


def test_every_file_a_crawl_leaves_beside_the_archive_is_ignored_by_git(tmp_path, replay_server):
    from fnmatch import fnmatchcase

    from scraper.crawl.logs import LOG_BACKUPS
    from scraper.crawl.schedule import cron
    from tests.helpers import ROOT

    db = tmp_path / "crawls" / "archive.db"
    db.parent.mkdir()
    soyte("crawl", "hatinh", "--db", str(db), "--replay", replay_server.url)
    written = {path.name for path in db.parent.iterdir()}
    assert {"archive.db", "archive.db.lock", "archive.db.log"} <= written
    cron_log = cron(str(db)).split(">> ", 1)[1].split()[0]  # the log the printed cron line appends to
    beside = written | {f"archive.db.log.{n}" for n in range(1, LOG_BACKUPS + 1)} | {Path(cron_log).name} | {
        "archive.db-wal", "archive.db-shm", "archive.db-journal"}
    assert "archive.db.crawl.log" in beside
    patterns = [line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#") and "/" not in line]
    assert [name for name in sorted(beside) if not any(fnmatchcase(name, pattern) for pattern in patterns)] == []

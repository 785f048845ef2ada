"""The `soyte` command as a user meets it: help, errors, and crawling every bundled portal at once."""
from __future__ import annotations

import json

import pytest

from scraper.cli import COMMANDS, build_parser, main
from scraper.registry import load_portals
from tests.conftest import (active_bundled_portals, bundled_articles, bundled_attachment_urls, query, served_articles,
                            soyte)


build_parser()  # registers the commands of every scraper.cli_* module


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_purpose_and_an_example(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert COMMANDS[name].purpose in " ".join(out.split())
    assert "Example: soyte " + name in out


def test_unknown_portal_is_one_clear_line_and_exit_2(tmp_path):
    result = soyte("crawl", "atlantis", "--db", str(tmp_path / "a.db"), check=False)
    assert result.returncode == 2
    known = sorted(key for key, portal in load_portals().items() if portal.layout)
    assert len(known) >= 8 and {"angiang", "bacninh", "hagiang", "hatinh"} <= set(known)
    assert result.stderr.strip().splitlines() == [
        f"soyte crawl: unknown portal 'atlantis'; known portals: {', '.join(known)}"]


def test_missing_archive_is_one_clear_line_and_exit_2(tmp_path):
    result = soyte("runs", "--db", str(tmp_path / "nothing.db"), check=False)
    assert result.returncode == 2
    assert "no archive at" in result.stderr and "Traceback" not in result.stderr


def test_crawl_without_portals_crawls_every_active_bundled_portal_in_one_run(archive_path, replay_server):
    result = soyte("crawl", "--db", str(archive_path), "--replay", replay_server.url)
    run = json.loads(result.stdout)
    portals = active_bundled_portals()
    # errors: every attachment the articles link answers 404 here, one error each
    assert (run["portals"], run["articles_new"], run["errors"], run["status"]) == (
        ",".join(portals), len(bundled_articles()), len(bundled_attachment_urls()), "completed")
    counts = query(archive_path, "SELECT portal, count(*) AS n FROM articles GROUP BY portal ORDER BY portal")
    assert counts == [{"portal": key, "n": len(served_articles(key))} for key in sorted(portals)]
    assert query(archive_path, "SELECT count(*) AS n FROM crawl_runs") == [{"n": 1}]


def test_demo_crawls_and_shows_every_active_bundled_portal(tmp_path):
    db = tmp_path / "demo.db"
    result = soyte("demo", "--db", str(db), "--no-serve")
    shown = {line.split()[0] for line in result.stderr.splitlines() if line.startswith("  ")}
    assert shown == set(active_bundled_portals())
    assert f"{len(bundled_articles())} articles stored in" in result.stderr
    assert "Khám sàng lọc bệnh tim bẩm sinh cho trẻ em huyện Yên Minh" in result.stderr


def test_runs_lists_the_crawl_runs_newest_first(archive_path, replay_server):
    soyte("crawl", "hatinh", "--db", str(archive_path), "--replay", replay_server.url)
    soyte("crawl", "angiang", "--db", str(archive_path), "--replay", replay_server.url)
    runs = [json.loads(line) for line in soyte("runs", "--db", str(archive_path)).stdout.splitlines()]
    assert [(run["id"], run["portals"], run["articles_new"]) for run in runs] == [(2, "angiang", 4), (1, "hatinh", 4)]


def test_ci_runs_the_test_command_that_the_readme_gives():
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1].split("```bash\n", 1)[1].split("\n```", 1)[0]
    assert "apt-get install" in section and "chromium" in section and "python -m pytest" in section
    assert section in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_serve_portals_refuses_a_folder_that_is_not_a_site(tmp_path):
    result = soyte("serve-portals", "scraper/demo_portals/hatinh", str(tmp_path), "--port", "8999", check=False)
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        f"soyte serve-portals: no site.json in {tmp_path}: name folders in the site.json format (a fixture folder "
        "tests/fixtures/KEY, a captured portal)"])

"""The `soyte` command as a user meets it: help, errors, and crawling every bundled portal at once."""
from __future__ import annotations

import json

import pytest

from scraper.cli import COMMANDS, build_parser, main
from tests.conftest import query, soyte


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
    assert result.stderr.strip().splitlines() == [
        "soyte crawl: unknown portal 'atlantis'; known portals: angiang, bacninh, hagiang, hatinh"]


def test_missing_archive_is_one_clear_line_and_exit_2(tmp_path):
    result = soyte("runs", "--db", str(tmp_path / "nothing.db"), check=False)
    assert result.returncode == 2
    assert "no archive at" in result.stderr and "Traceback" not in result.stderr


def test_crawl_without_portals_crawls_all_four_in_one_run(archive_path, replay_server):
    result = soyte("crawl", "--db", str(archive_path), "--replay", replay_server.url)
    run = json.loads(result.stdout)
    assert (run["portals"], run["articles_new"], run["errors"], run["status"]) == (
        "bacninh,hagiang,angiang,hatinh", 17, 5, "completed")  # errors: the 5 attachments answer 404 here
    counts = query(archive_path, "SELECT portal, count(*) AS n FROM articles GROUP BY portal ORDER BY portal")
    assert counts == [{"portal": "angiang", "n": 4}, {"portal": "bacninh", "n": 5},
                      {"portal": "hagiang", "n": 4}, {"portal": "hatinh", "n": 4}]
    assert query(archive_path, "SELECT count(*) AS n FROM crawl_runs") == [{"n": 1}]


def test_demo_crawls_and_shows_all_four_portals(tmp_path):
    db = tmp_path / "demo.db"
    result = soyte("demo", "--db", str(db), "--no-serve")
    shown = {line.split()[0] for line in result.stderr.splitlines() if line.startswith("  ")}
    assert shown == {"angiang", "bacninh", "hagiang", "hatinh"}
    assert "17 articles stored in" in result.stderr
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

"""Run on scrapyd: a real scrapyd on 127.0.0.1, the project deployed as an egg, portals scheduled.

scrapyd runs from a new virtual environment installed as docs/OPERATIONS.md says, then without
soyte itself (tests/installed.py): the deployed egg, built by `scrapyd-deploy --build-egg` in a
copy of the project, is the only code the jobs have. The jobs fetch from the replay server through
SOYTE_REPLAY_URL, write the archive SOYTE_DB names, and must behave as `soyte crawl` does: a crawl
run with its counts, incremental on the second schedule, exit status.
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from scraper.portals.replay import ReplayServer
from tests.helpers import query, served_articles
from tests.installed import egg, scrapyd_venv, tail  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e  # scrapyd in a new virtual environment, crawls

PORTALS = ("hatinh", "angiang")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_egg_carries_every_module_the_registry_and_the_layout_files(egg):
    with zipfile.ZipFile(egg.path) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode("utf-8")
    layouts = {f"spiders/layouts/{path.name}" for path in (egg.project / "spiders" / "layouts").glob("*.toml")}
    assert layouts and layouts <= names, f"layout files not in the egg: {sorted(layouts - names)}"
    for name in ("scraper/extraction/generic/__init__.py", "scraper/commands/__init__.py", "scraper/portals.toml",
                 "archive/datasette/__init__.py", "spiders/loader.py"):
        assert name in names, f"{name} is not in the egg"
    missing = sorted(egg.files - names)
    assert not missing, f"{len(missing)} files of the packages are not in the egg: {missing[:20]}"
    assert "settings = scraper.settings" in entry_points, entry_points  # how scrapyd finds the settings


def test_scrapyd_runs_where_soyte_is_not_installed(scrapyd_venv):
    # Only the egg can provide the code: an installed soyte would come before it on sys.path.
    result = scrapyd_venv.run("python", "-c", "import scraper", check=False)
    assert result.returncode != 0 and "No module named 'scraper'" in result.stderr, result.stderr


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory, scrapyd_venv, egg):
    """(base URL, logs folder) of a scrapyd with the project deployed as version 1."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\nitems_dir =\nmax_proc = 2\npoll_interval = 0.5\n",
        encoding="utf-8")
    output = (home / "scrapyd.out").open("w")
    server = subprocess.Popen([str(scrapyd_venv.bin / "scrapyd")], cwd=home, stdout=output, stderr=subprocess.STDOUT,
                              env=scrapyd_venv.env)
    base = f"http://127.0.0.1:{port}"

    def said() -> str:
        return "--- last lines of scrapyd's output ---\n" + tail((home / "scrapyd.out").read_text(errors="replace"))

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/daemonstatus.json", timeout=2)
                break
            except httpx.HTTPError:
                assert server.poll() is None, f"scrapyd exited {server.returncode}\n{said()}"
                assert time.monotonic() < deadline, f"scrapyd did not answer on {base} within 60 s\n{said()}"
                time.sleep(0.3)
        with egg.path.open("rb") as handle:
            added = httpx.post(f"{base}/addversion.json", data={"project": "soyte", "version": "1"},
                               files={"egg": ("soyte.egg", handle)}, timeout=60).json()
        assert added["status"] == "ok", f"{added}\n{said()}"
        spiders = httpx.get(f"{base}/listspiders.json", params={"project": "soyte"}, timeout=60).json()
        assert set(PORTALS) <= set(spiders.get("spiders", [])), f"{spiders}\n{said()}"
        yield base, home / "logs"
    finally:
        server.terminate()
        server.wait(timeout=30)
        output.close()


def schedule(base: str, portal: str, db: Path, replay: ReplayServer, *extra: str) -> str:
    # Two jobs of one node write one archive in turn: each waits for the other's lock.
    settings = [f"SOYTE_DB={db}", f"SOYTE_REPLAY_URL={replay.url}", "AUTOTHROTTLE_ENABLED=False", "DOWNLOAD_DELAY=0",
                "SOYTE_RETRY_BACKOFF=0", "SOYTE_LOCK_WAIT=120", *extra]
    answer = httpx.post(f"{base}/schedule.json", data={"project": "soyte", "spider": portal,
                                                       "setting": settings}, timeout=30).json()
    assert answer["status"] == "ok", answer
    return answer["jobid"]


def wait_finished(base: str, jobs: list[str]) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        listed = httpx.get(f"{base}/listjobs.json", params={"project": "soyte"}, timeout=30).json()
        if set(jobs) <= {job["id"] for job in listed["finished"]}:
            return
        time.sleep(0.5)
    raise AssertionError(f"scrapyd jobs {jobs} did not finish: {listed}")


def job_logs(logs: Path, portals: tuple[str, ...], jobs: list[str]) -> str:
    """The last lines of each job's log (what a failed job said), for an assertion's message."""
    found = [(logs / "soyte" / portal / f"{job}.log") for portal, job in zip(portals, jobs)]
    return "\n".join(f"--- last lines of {path.name} ({path.parent.name}) ---\n"
                     + (tail(path.read_text(encoding="utf-8", errors="replace"), 15) if path.exists() else "(no log)")
                     for path in found)


def test_portals_scheduled_on_scrapyd_are_archived_as_crawl_runs(scrapyd, tmp_path):
    base, logs = scrapyd
    db = tmp_path / "archive.db"
    with ReplayServer() as replay:
        first = [schedule(base, portal, db, replay) for portal in PORTALS]
        wait_finished(base, first)
        articles_asked = replay.count(lambda host, path, status: status == 200 and path.endswith(".html")
                                      or "/wps/portal/Home/tin-hoat-dong/" in path)
        second = [schedule(base, portal, db, replay) for portal in PORTALS]
        wait_finished(base, second)
        asked_again = replay.count(lambda host, path, status: status == 200 and path.endswith(".html")
                                   or "/wps/portal/Home/tin-hoat-dong/" in path) - articles_asked
    expected = {record["url"] for portal in PORTALS for record in served_articles(portal)}
    assert db.exists(), job_logs(logs, PORTALS, first)
    assert {row["url"] for row in query(db, "SELECT url FROM articles")} == expected, job_logs(logs, PORTALS, first)
    runs = query(db, "SELECT portals, status, articles_new FROM crawl_runs ORDER BY id")
    assert sorted(run["portals"] for run in runs) == sorted(PORTALS * 2)
    assert {run["status"] for run in runs} == {"completed"}
    assert sum(run["articles_new"] for run in runs) == len(expected)
    assert asked_again == 0  # the second schedule of each portal fetched no article again
    for portal, job in zip(PORTALS, first):
        log = (logs / "soyte" / portal / f"{job}.log").read_text(encoding="utf-8")
        assert " completed: " in log and "(exit status 0)" in log


def test_a_job_refused_by_the_archive_lock_says_so_with_its_exit_status(scrapyd, tmp_path):
    from scraper.crawl.run import take_lock

    base, logs = scrapyd
    db = tmp_path / "archive.db"
    held = take_lock(str(db))  # another crawl of this archive, still running
    try:
        with ReplayServer() as replay:
            job = schedule(base, "hatinh", db, replay, "SOYTE_LOCK_WAIT=0")
            wait_finished(base, [job])
            assert replay.count() == 0  # it fetched nothing
    finally:
        held.close()
    log = (logs / "soyte" / "hatinh" / f"{job}.log").read_text(encoding="utf-8")
    assert f"another crawl (pid {os.getpid()}) is writing to {db}; wait for it to finish (exit status 3)" in log


def test_schedule_prints_a_scrapyd_call_per_active_portal_split_between_nodes(capsys):
    from scraper.cli.main import main
    from scraper.portals.registry import load_portals

    active = [portal.key for portal in load_portals().values() if portal.active]
    assert main(["schedule", "--print", "scrapyd", "--db", "/srv/soyte/archive.db",
                 "--node", "http://n1:6800", "--node", "http://n2:6800"]) == 0
    calls = [line for line in capsys.readouterr().out.splitlines() if line.startswith("curl")]
    assert [line.split("spider=")[1].split()[0] for line in calls] == active
    assert all(("http://n1:6800" in line) == ("archive-node1.db" in line) for line in calls)
    assert {line.split()[2] for line in calls} == {"http://n1:6800/schedule.json", "http://n2:6800/schedule.json"}

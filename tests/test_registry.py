"""The registry: the 34 provinces of 2025 and the portals they retired, and its checks on load."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.cli import main
from scraper.registry import RegistryError, load_portals, portal_for_url
from tests.conftest import ROOT, soyte

POST_MERGER = {
    # unchanged in 2025
    "hanoi", "hue", "laichau", "dienbien", "sonla", "langson", "quangninh", "thanhhoa", "nghean", "hatinh", "caobang",
    # formed by the merger (Resolution 202/2025/QH15)
    "tuyenquang", "laocai", "thainguyen", "phutho", "bacninh", "hungyen", "haiphong", "ninhbinh", "quangtri", "danang",
    "quangngai", "gialai", "khanhhoa", "lamdong", "daklak", "hochiminh", "dongnai", "tayninh", "cantho", "vinhlong",
    "dongthap", "camau", "angiang",
}
SUCCESSORS = {
    "hagiang": "tuyenquang", "yenbai": "laocai", "backan": "thainguyen", "vinhphuc": "phutho", "hoabinh": "phutho",
    "bacgiang": "bacninh", "thaibinh": "hungyen", "haiduong": "haiphong", "hanam": "ninhbinh", "namdinh": "ninhbinh",
    "quangbinh": "quangtri", "quangnam": "danang", "kontum": "quangngai", "binhdinh": "gialai",
    "ninhthuan": "khanhhoa", "daknong": "lamdong", "binhthuan": "lamdong", "phuyen": "daklak",
    "binhduong": "hochiminh", "bariavungtau": "hochiminh", "binhphuoc": "dongnai", "longan": "tayninh",
    "soctrang": "cantho", "haugiang": "cantho", "bentre": "vinhlong", "travinh": "vinhlong",
    "tiengiang": "dongthap", "baclieu": "camau", "kiengiang": "angiang",
}
BUNDLED = ["bacninh", "hagiang", "angiang", "hatinh"]
VALID = 'province = "Tỉnh A"\nhost = "soyte.a.gov.vn"\nspider = "hatinh"\nstart_urls = ["https://soyte.a.gov.vn/"]\n'


def test_the_34_provinces_of_2025_are_the_portals_without_a_successor():
    portals = load_portals()
    assert {key for key, p in portals.items() if p.status != "retired" and not p.successor} == POST_MERGER
    assert len(POST_MERGER) == 34


def test_every_pre_merger_province_names_its_successor():
    assert {key: p.successor for key, p in load_portals().items() if p.successor} == SUCCESSORS
    assert len(POST_MERGER) + len(SUCCESSORS) == 63


def test_merged_portals_retired_on_the_day_the_new_provinces_began():
    retired = {key: p.retired_on for key, p in load_portals().items() if p.status == "retired"}
    assert retired == {key: "2025-07-01" for key in SUCCESSORS if key != "hagiang"}


def test_only_the_four_bundled_portals_are_crawled_and_in_this_order():
    assert [key for key, p in load_portals().items() if p.active] == BUNDLED


def test_every_host_is_a_soyte_host_and_the_guessed_ones_say_so():
    portals = load_portals()
    assert all(p.host.startswith("soyte.") and p.host.endswith(".gov.vn") for p in portals.values())
    assert len({p.host for p in portals.values()}) == 63
    unverified = {key for key, p in portals.items() if "Host unverified" in p.notes}
    assert unverified == set(portals) - set(BUNDLED)


def test_urls_of_a_portal_without_a_spider_belong_to_no_portal():
    assert portal_for_url("https://soyte.kiengiang.gov.vn/tin-tuc/1") is None
    assert portal_for_url("https://soyte.angiang.gov.vn/wps/portal/Home/tin-hoat-dong").key == "angiang"


def test_portals_command_lists_the_planned_provinces(capsys):
    assert main(["portals", "--status", "planned"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 31
    assert next(row for row in rows if row["key"] == "tuyenquang") == {
        "key": "tuyenquang", "province": "Tuyên Quang", "host": "soyte.tuyenquang.gov.vn", "status": "planned",
        "spider": None, "successor": None, "retired_on": None,
        "notes": "Since 2025-07-01 includes the former Hà Giang. Host unverified (follows soyte.<province>.gov.vn)."}


def load_text(tmp_path: Path, text: str):
    path = tmp_path / "portals.toml"
    path.write_text(text, encoding="utf-8")
    return load_portals(path)


def test_a_valid_registry_with_planned_and_retired_portals_loads(tmp_path):
    portals = load_text(tmp_path, f'[a]\n{VALID}\n'
                                  '[b]\nprovince = "Tỉnh B"\nhost = "soyte.b.gov.vn"\nstatus = "planned"\n\n'
                                  '[c]\nprovince = "Tỉnh C"\nhost = "soyte.c.gov.vn"\nstatus = "retired"\n'
                                  'retired_on = "2025-07-01"\nsuccessor = "a"\n')
    assert [(p.key, p.status, p.spider, p.successor) for p in portals.values()] == [
        ("a", "active", "hatinh", None), ("b", "planned", "", None), ("c", "retired", "", "a")]


@pytest.mark.parametrize("text, problem", [
    (f'[a]\n{VALID}status = "live"\n', "[a] status 'live' is not one of active, planned, retired"),
    ('[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\nstatus = "retired"\n',
     '[a] a retired portal needs retired_on = "YYYY-MM-DD"; [a] a retired portal needs successor = "<portal key>"'),
    (f'[a]\n{VALID}\n[b]\nprovince = "B"\nhost = "soyte.a.gov.vn"\nstatus = "planned"\n',
     "[b] host soyte.a.gov.vn is already the host of [a]"),
    ('[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\nspider = "nosuch"\nstart_urls = ["https://soyte.a.gov.vn/"]\n',
     '[a] spider module spiders/nosuch.py is missing (scaffold it with soyte new-portal, or set status = "planned")'),
    ('[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\n', "[a] an active portal needs a spider; "
                                                       "[a] an active portal needs start_urls"),
    ('[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\nstatus = "retired"\nretired_on = "1/7/2025"\nsuccessor = "x"\n',
     "[a] retired_on '1/7/2025' is not a date YYYY-MM-DD; [a] successor 'x' is not a portal in the registry"),
    (f'[Ha-Giang]\n{VALID}', "[Ha-Giang] the key must be ASCII lower-case letters and digits (e.g. tuyenquang)"),
    ('[a]\nprovince = "A"\nhost = "https://soyte.a.gov.vn"\nstatus = "planned"\n',
     "[a] host 'https://soyte.a.gov.vn' is not a bare host name (e.g. soyte.hatinh.gov.vn)"),
])
def test_a_registry_mistake_is_one_error_naming_the_entry(tmp_path, text, problem):
    with pytest.raises(RegistryError) as error:
        load_text(tmp_path, text)
    assert str(error.value) == f"{tmp_path / 'portals.toml'}: {problem}"


def test_a_broken_registry_stops_a_crawl_with_one_line(tmp_path):
    registry = tmp_path / "portals.toml"
    registry.write_text(f'[a]\n{VALID}status = "live"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOYTE_REGISTRY": str(registry)}
    result = subprocess.run([sys.executable, "-m", "scraper.cli", "crawl", "--db", str(tmp_path / "a.db")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stderr.splitlines()) == (
        2, [f"soyte crawl: {registry}: [a] status 'live' is not one of active, planned, retired"])


def test_a_planned_portal_cannot_be_crawled(tmp_path):
    result = soyte("crawl", "tuyenquang", "--db", str(tmp_path / "a.db"), check=False)
    assert (result.returncode, result.stderr.splitlines()) == (
        2, ["soyte crawl: only active portals can be crawled: tuyenquang (planned)"])

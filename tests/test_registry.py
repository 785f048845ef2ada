"""The registry: the 34 provinces of 2025 and the portals they retired, and its checks on load."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scraper.cli.main import main
from scraper.portals.registry import REGISTRY_PATH, RegistryError, load_portals, portal_for_url
from tests.helpers import ROOT, soyte

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
# Hosts a department left before the merger, retired on the day it moved.
MOVED = {"hochiminhmedinet": "hochiminh"}
BUNDLED = ["bacninh", "hagiang", "angiang", "hatinh", "thanhhoa", "nghean", "quangninh", "cantho"]


def added_portals() -> dict:
    """Portals added after this registry was verified (docs/ADDING_A_PORTAL.md, `soyte new-portal`):
    the tests below pin the 64 verified entries and hold an added one to what the documented path
    gives it (a layout and a fixture folder), so that adding a portal keeps the suite green."""
    known = POST_MERGER | set(SUCCESSORS) | set(MOVED)
    return {key: p for key, p in load_portals().items() if key not in known}
VALID = 'province = "Tỉnh A"\nhost = "soyte.a.gov.vn"\nlayout = "hatinh"\nstart_urls = ["https://soyte.a.gov.vn/"]\n'
UNVERIFIED = 'host_verified = false\nhost_note = "a test entry: nothing looked for"\n'
VERIFIED = 'host_verified = true\nhost_source = "https://baochinhphu.vn/a.htm"\n'


def test_the_34_provinces_of_2025_are_the_portals_without_a_successor():
    portals = load_portals()
    assert {key for key, p in portals.items() if p.status != "retired" and not p.successor} - set(added_portals()) \
        == POST_MERGER
    assert len(POST_MERGER) == 34


def test_every_pre_merger_province_and_moved_host_names_its_successor():
    assert {key: p.successor for key, p in load_portals().items() if p.successor} == {**SUCCESSORS, **MOVED}
    assert len(POST_MERGER) + len(SUCCESSORS) == 63


def test_merged_portals_retired_on_the_day_the_new_provinces_began():
    retired = {key: p.retired_on for key, p in load_portals().items() if p.status == "retired"}
    assert retired == {**{key: "2025-07-01" for key in SUCCESSORS if key != "hagiang"}, "hochiminhmedinet": "2017-01-01"}


def test_only_the_bundled_portals_are_crawled_and_in_this_order():
    added = added_portals()
    assert [key for key, p in load_portals().items() if p.active and key not in added] == BUNDLED
    assert all((ROOT / "tests" / "fixtures" / key / "site.json").is_file() for key, p in added.items() if p.active)
    demo_portals = ROOT / "scraper" / "demo_portals"
    bundled = {folder.name for folder in demo_portals.iterdir() if (folder / "site.json").is_file()}
    assert bundled == set(BUNDLED)


def test_every_host_is_a_distinct_gov_vn_host():
    portals = load_portals()
    verified = {key: p for key, p in portals.items() if key not in added_portals()}
    assert all(p.host.endswith(".gov.vn") for p in verified.values())
    assert len({p.host for p in portals.values()}) == len(portals)
    assert len(verified) == 64


def test_every_entry_says_how_its_host_is_known():
    """Every entry, the bundled portals' too, is verified with a source or says what is left to check."""
    entries = tomllib.loads(REGISTRY_PATH.read_text(encoding="utf-8"))
    assert {key for key, entry in entries.items() if "host_verified" not in entry} == set()
    assert all(entry["host_verified"] or entry.get("host_note") for entry in entries.values())
    assert not any("Host unverified" in entry["notes"] for entry in entries.values())


def test_a_verified_host_is_named_by_a_page_on_it_or_by_the_cited_news_item():
    """The department's own pages prove their host; a third-party source must be a page that names it."""
    verified = {key: p for key, p in load_portals().items() if p.host_verified}
    off_host = {key for key, p in verified.items()
                if urlsplit(p.host_source).hostname not in (p.host, f"www.{p.host}")}
    assert off_host == {"hochiminh", "hochiminhmedinet"}
    assert all(p.host_source_date and p.host_note for p in verified.values())


def test_ho_chi_minh_city_publishes_at_medinet_since_2017():
    portals = load_portals()
    source = "http://infonet.vn/trien-khai-cong-thong-tin-dien-tu-nganh-y-te-tphcm-post216761.info"
    assert [(p.host, p.status, p.retired_on, p.successor, p.host_verified, p.host_source, p.host_source_date)
            for p in (portals["hochiminh"], portals["hochiminhmedinet"])] == [
        ("medinet.gov.vn", "planned", None, None, True, source, "2017-01-01"),
        ("medinet.hochiminhcity.gov.vn", "retired", "2017-01-01", "hochiminh", True, source, "2017-01-01")]


def test_urls_belong_to_their_portal_with_or_without_a_layout():
    """A page of a portal without a layout is still that portal's (extracted generically)."""
    assert (portal_for_url("https://soyte.kiengiang.gov.vn/tin-tuc/1").key, portal_for_url(
        "https://soyte.kiengiang.gov.vn/tin-tuc/1").layout) == ("kiengiang", "")
    assert portal_for_url("https://example.org/tin-tuc/1") is None
    assert portal_for_url("https://soyte.angiang.gov.vn/wps/portal/Home/tin-hoat-dong").key == "angiang"
    assert portal_for_url("https://example.com/tin-tuc/1") is None


def test_portals_command_lists_the_planned_provinces(capsys):
    assert main(["portals", "--status", "planned"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # The provinces of 2025 whose portal is not bundled yet.
    assert {row["key"] for row in rows} == POST_MERGER - set(BUNDLED)
    assert len(rows) == 34 - len(set(BUNDLED) & POST_MERGER)
    assert next(row for row in rows if row["key"] == "tuyenquang") == {
        "key": "tuyenquang", "province": "Tuyên Quang", "host": "soytetuyenquang.gov.vn", "status": "planned",
        "layout": None, "successor": None, "retired_on": None, "host_verified": True,
        "host_source": "http://soytetuyenquang.gov.vn/ke-hoach-y-te", "host_source_date": "2021-08",
        "host_note": "The department's own 'Kế hoạch y tế' page (quoting the province's plan 123/KH-UBND of "
                     "2021-08-04). The host has no dot: soytetuyenquang, not soyte.tuyenquang. Whether the merged "
                     "province (with Hà Giang) kept it after 2025-07-01 is not known.",
        "notes": "Since 2025-07-01 includes the former Hà Giang."}


def test_unverified_lists_exactly_the_entries_whose_host_is_not_verified(capsys):
    entries = tomllib.loads(REGISTRY_PATH.read_text(encoding="utf-8"))
    expected = [key for key, entry in entries.items() if entry.get("host_verified") is not True]
    assert main(["portals", "--unverified"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["key"] for row in rows] == expected
    assert {row["host_verified"] for row in rows} == {False}
    assert main(["portals", "--unverified", "--status", "retired"]) == 0
    retired = [json.loads(line)["key"] for line in capsys.readouterr().out.splitlines()]
    assert retired == [key for key in expected if entries[key]["status"] == "retired"]
    assert "kontum" not in retired and "yenbai" in retired


@pytest.mark.e2e
def test_unverified_is_one_line_of_json_per_entry_from_the_cli():
    result = soyte("portals", "--unverified", "--status", "planned")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    hanoi = next(row for row in rows if row["key"] == "hanoi")
    assert (hanoi["host"], hanoi["host_verified"], hanoi["host_source"]) == ("soyte.hanoi.gov.vn", False, None)
    assert "hochiminh" not in {row["key"] for row in rows}


def load_text(tmp_path: Path, text: str):
    path = tmp_path / "portals.toml"
    path.write_text(text, encoding="utf-8")
    return load_portals(path)


def test_a_valid_registry_with_planned_and_retired_portals_loads(tmp_path):
    portals = load_text(tmp_path, f'[a]\n{VALID}\n'
                                  f'[b]\nprovince = "Tỉnh B"\nhost = "soyte.b.gov.vn"\nstatus = "planned"\n{UNVERIFIED}\n'
                                  '[c]\nprovince = "Tỉnh C"\nhost = "soyte.c.gov.vn"\nstatus = "retired"\n'
                                  f'retired_on = "2025-07-01"\nsuccessor = "a"\n{VERIFIED}host_source_date = "2025-06"\n')
    assert [(p.key, p.status, p.layout, p.successor, p.host_verified, p.host_source_date)
            for p in portals.values()] == [("a", "active", "hatinh", None, None, ""),
                                           ("b", "planned", "", None, False, ""),
                                           ("c", "retired", "", "a", True, "2025-06")]


HOST_NOT_SAID = ("[a] host soyte.a.gov.vn is neither verified nor marked unverified: add host_verified = true with "
                 "host_source (the URL of a page naming it) and host_source_date, or host_verified = false with "
                 "host_note (what was looked for)")
PLANNED = '[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\nstatus = "planned"\n'


@pytest.mark.parametrize("text, problem", [
    (f'[a]\n{VALID}status = "live"\n', "[a] status 'live' is not one of active, planned, retired"),
    (f'[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\nstatus = "retired"\n{UNVERIFIED}',
     '[a] a retired portal needs retired_on = "YYYY-MM-DD"; [a] a retired portal needs successor = "<portal key>"'),
    (f'[a]\n{VALID}\n[b]\nprovince = "B"\nhost = "soyte.a.gov.vn"\nstatus = "planned"\n{UNVERIFIED}',
     "[b] host soyte.a.gov.vn is already the host of [a]"),
    ('[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\nlayout = "../../../nosuch"\nstart_urls = ["https://soyte.a.gov.vn/"]\n',
     "[a] layout '../../../nosuch' is not a layout name: ASCII lower-case letters and digits, words joined by "
     "dashes, at most 64 characters (e.g. liferay-bacninh)"),
    ('[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\n', '[a] an active portal needs a layout (layout = "<name>", a file '
                                                       'in spiders/layouts/); [a] an active portal needs start_urls'),
    (f'{VALID}spider = "hatinh"\n'.replace('province', '[a]\nprovince', 1),
     '[a] spider is gone: a portal names its layout (layout = "<name of a file in spiders/layouts/>"), and one '
     'spider serves every portal'),
    (f'[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\nstatus = "planned"\nlayout = "/etc/nosuch"\n{UNVERIFIED}',
     "[a] layout '/etc/nosuch' is not a layout name: ASCII lower-case letters and digits, words joined by "
     "dashes, at most 64 characters (e.g. liferay-bacninh)"),
    ('[a]\nprovince = "A"\nhost = "soyte.a.gov.vn"\nstatus = "retired"\nretired_on = "1/7/2025"\nsuccessor = "x"\n'
     f'{UNVERIFIED}',
     "[a] retired_on '1/7/2025' is not a date YYYY-MM-DD; [a] successor 'x' is not a portal in the registry"),
    (f'[Ha-Giang]\n{VALID}', "[Ha-Giang] the key must be ASCII lower-case letters and digits (e.g. tuyenquang)"),
    (f'[a]\nprovince = "A"\nhost = "https://soyte.a.gov.vn"\nstatus = "planned"\n{UNVERIFIED}',
     "[a] host 'https://soyte.a.gov.vn' is not a bare host name (e.g. soyte.hatinh.gov.vn)"),
    (PLANNED, HOST_NOT_SAID),
    (f'{PLANNED}host_verified = true\n',
     "[a] a verified host needs host_source, the http(s) URL of the page naming it (got ''); "
     "[a] host_source_date '' is not a quoted \"YYYY-MM-DD\", \"YYYY-MM\" or \"YYYY\" (the date the source gives)"),
    (f'{PLANNED}{VERIFIED}host_source_date = "1/2017"\n',
     "[a] host_source_date '1/2017' is not a quoted \"YYYY-MM-DD\", \"YYYY-MM\" or \"YYYY\" (the date the source gives)"),
    (f'{PLANNED}{VERIFIED}host_source_date = 2017-01-01\n',
     "[a] host_source_date '2017-01-01' is not a quoted \"YYYY-MM-DD\", \"YYYY-MM\" or \"YYYY\" (the date the source gives)"),
    (f'{PLANNED}{VERIFIED}host_source_date = "2025-13"\n', "[a] host_source_date '2025-13' is not a real date"),
    (f'{PLANNED}host_verified = true\nhost_source = "baochinhphu.vn/a.htm"\nhost_source_date = "2025"\n',
     "[a] a verified host needs host_source, the http(s) URL of the page naming it (got 'baochinhphu.vn/a.htm')"),
    (f'{PLANNED}host_verified = false\n',
     "[a] an unverified host needs host_note: what was looked for, and what was found or disagreed"),
    (f'{PLANNED}host_verified = "yes"\n', "[a] host_verified 'yes' must be true or false"),
    (f'{PLANNED}{UNVERIFIED}start_urls = ["https://hanoi.gov.vn/soyte"]\n',
     "[a] start URL 'https://hanoi.gov.vn/soyte' is not an http(s) URL on host soyte.a.gov.vn"),
])
def test_a_registry_mistake_is_one_error_naming_the_entry(tmp_path, text, problem):
    with pytest.raises(RegistryError) as error:
        load_text(tmp_path, text)
    assert str(error.value) == f"{tmp_path / 'portals.toml'}: {problem}"


@pytest.mark.e2e
def test_a_broken_registry_stops_a_crawl_with_one_line(tmp_path):
    registry = tmp_path / "portals.toml"
    registry.write_text(f'[a]\n{VALID}status = "live"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOYTE_REGISTRY": str(registry)}
    result = subprocess.run([sys.executable, "-m", "scraper.cli", "crawl", "--db", str(tmp_path / "a.db")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stderr.splitlines()) == (
        2, [f"soyte crawl: {registry}: [a] status 'live' is not one of active, planned, retired"])


@pytest.mark.e2e
def test_a_planned_portal_without_a_layout_cannot_be_crawled(tmp_path):
    result = soyte("crawl", "tuyenquang", "--db", str(tmp_path / "a.db"), check=False)
    assert (result.returncode, result.stderr.splitlines()) == (
        2, ["soyte crawl: cannot crawl tuyenquang (planned): no layout yet (start one with soyte new-portal "
            "tuyenquang)"])


@pytest.mark.e2e
def test_a_retired_portal_is_not_crawled(tmp_path):
    result = soyte("crawl", "bacninh", "kiengiang", "--db", str(tmp_path / "a.db"), check=False)
    assert (result.returncode, result.stderr.splitlines()) == (
        2, ["soyte crawl: retired portals are not crawled: kiengiang"])
    assert not (tmp_path / "a.db").exists()

"""`soyte export`: the stored records as JSON lines or CSV on stdout, filtered exactly, streamed."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from archive.export import export
from archive.store import Archive
from scraper.model import RECORD_KEYS
from tests.browsing import crawl_demo_portals
from tests.helpers import ROOT, demo_articles, demo_portal_keys, query, served_articles, soyte
from tests.test_storage_faults import fill, small_disk  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e  # a crawled archive, `soyte` in a subprocess

PORTALS = tuple(demo_portal_keys())


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return crawl_demo_portals(tmp_path_factory.mktemp("export") / "archive.db")


@pytest.fixture(scope="module")
def stored(archive) -> list[dict]:
    """The records as the archive gives them back (Archive.articles(): row_to_record, newest first)."""
    store = Archive(archive)
    records = list(store.articles())
    store.close()
    return records


def export_jsonl(archive: Path, *options: str) -> list[dict]:
    result = soyte("export", "--db", str(archive), *options)
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_jsonl_lines_are_the_stored_records_newest_first(archive, stored):
    exported = export_jsonl(archive, "--format", "jsonl")
    assert len(exported) == len(demo_articles())
    assert exported == stored


def test_jsonl_records_have_the_layouts_keys_in_order(archive):
    for record in export_jsonl(archive):
        assert list(record) == list(RECORD_KEYS)


def test_jsonl_records_are_what_the_portals_published(archive):
    expected = {record["url"]: record for portal in PORTALS for record in served_articles(portal)}
    assert {record["url"]: record for record in export_jsonl(archive)} == expected


def test_jsonl_images_and_attachments_are_json_arrays(archive):
    exported = {record["url"]: record for record in export_jsonl(archive)}
    bacninh = exported["https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
                       "bac-ninh-ra-quan-chien-dich-diet-bo-gay-phong-chong-sot-xuat-huyet-nam-2018"]
    assert bacninh["images"][1] == {
        "url": "https://soyte.bacninh.gov.vn/documents/20182/0/kiem-tra-o-bo-gay.jpg/48c4215e-81fa4c60?t=1528772700000",
        "caption": "Cán bộ y tế kiểm tra ổ bọ gậy tại hộ gia đình."}
    assert all(isinstance(r["images"], list) and isinstance(r["attachments"], list) for r in exported.values())
    assert sum(len(r["attachments"]) for r in exported.values()) > 0


def test_jsonl_is_utf8_not_escaped(archive):
    result = soyte("export", "--db", str(archive), "--portal", "bacninh")
    assert "Bắc Ninh" in result.stdout and "\\u" not in result.stdout
    assert result.stderr.strip() == f"exported 5 articles from {archive}"


def test_portal_keeps_exactly_that_portals_articles(archive, stored):
    exported = export_jsonl(archive, "--portal", "hatinh")
    assert exported == [record for record in stored if record["portal"] == "hatinh"]
    assert len(exported) == 4


def test_since_keeps_articles_published_on_or_after_that_day(archive, stored):
    exported = export_jsonl(archive, "--since", "2022-04-21")
    published = [record["published"] for record in exported]
    assert published == sorted((record["published"] for record in demo_articles()
                                if record["published"] >= "2022-04-21"), reverse=True)
    assert published[-2:] == ["2022-05-10T07:55:00+07:00", "2022-04-21T09:12:00+07:00"]  # that day included
    assert exported == [record for record in stored if record["published"] >= "2022-04-21"]


def test_portal_and_since_together(archive):
    exported = export_jsonl(archive, "--portal", "hatinh", "--since", "2022-01-01")
    assert [(record["portal"], record["published"]) for record in exported] == [
        ("hatinh", "2023-12-22T16:40:00+07:00"), ("hatinh", "2023-06-14T15:30:00+07:00"),
        ("hatinh", "2022-03-17T09:10:00+07:00")]


def test_csv_has_the_record_columns_and_the_same_records(archive, stored):
    result = soyte("export", "--db", str(archive), "--format", "csv")
    reader = csv.DictReader(io.StringIO(result.stdout, newline=""))
    rows = list(reader)
    assert reader.fieldnames == list(RECORD_KEYS)
    assert len(rows) == len(demo_articles())
    for row, record in zip(rows, stored):
        assert json.loads(row["images"]) == record["images"]
        assert json.loads(row["attachments"]) == record["attachments"]
        assert {k: row[k] for k in ("url", "title", "published", "text")} == {
            k: record[k] for k in ("url", "title", "published", "text")}
        assert row["views"] == ("" if record["views"] is None else str(record["views"]))
        assert row["sapo"] == (record["sapo"] or "")


def test_csv_filters_like_jsonl(archive):
    result = soyte("export", "--db", str(archive), "--format", "csv", "--portal", "angiang", "--since", "2020-01-01")
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert [(row["portal"], row["published"]) for row in rows] == [
        ("angiang", "2022-05-10T07:55:00+07:00"), ("angiang", "2020-03-13T02:12:00+07:00")]


@pytest.mark.parametrize("options, message", [
    (["--since", "2020-13-01"], "soyte export: --since wants a date such as 2020-01-31, not '2020-13-01'"),
    (["--portal", "atlantis"], "soyte export: no articles from portal 'atlantis' in {db}; "
                               f"portals in the archive: {', '.join(sorted(PORTALS))}"),
])
def test_a_wrong_option_is_one_line_and_exit_2(archive, options, message):
    result = soyte("export", "--db", str(archive), *options, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [message.format(db=archive)]


def test_export_of_a_missing_archive_is_one_line_and_exit_2(tmp_path):
    result = soyte("export", "--db", str(tmp_path / "nothing.db"), check=False)
    assert result.returncode == 2
    assert "no archive at" in result.stderr and "Traceback" not in result.stderr


class Discard:
    """A stdout that keeps nothing, so that only the exporter's own memory is measured."""

    def __init__(self):
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def test_a_big_archive_streams_in_little_memory(tmp_path):
    store = Archive(tmp_path / "big.db")
    paragraph = "Sở Y tế tỉnh tăng cường phòng chống dịch bệnh sốt xuất huyết trong mùa mưa. " * 10
    with store.transaction():
        for i in range(200):
            store.upsert_article({"url": f"https://soyte.example.gov.vn/{i}.html", "portal": "demo",
                                  "province": "Đắk Lắk", "title": f"Bài {i}", "published": f"2024-01-{i % 28 + 1:02d}",
                                  "text": "\n\n".join([paragraph] * 80), "images": [], "attachments": []},
                                 layout="demo", extractor="demo/1", page_id=None)
    sink = Discard()
    tracemalloc.start()
    try:
        count = export(store.conn, sink, "jsonl")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        store.close()
    assert count == 200
    assert sink.chars > 12_000_000  # what a fetchall() would hold at once
    assert peak < 2_000_000


# -o FILE, and the options of the documents export

@pytest.mark.parametrize("format", ["jsonl", "csv"])
def test_output_file_holds_exactly_what_stdout_would(archive, tmp_path, format):
    out = tmp_path / f"articles.{format}"
    piped = subprocess.run([sys.executable, "-m", "scraper.cli", "export", "--format", format, "--portal", "hatinh",
                            "--db", str(archive)], capture_output=True, check=True, cwd=ROOT).stdout
    result = soyte("export", "--format", format, "--portal", "hatinh", "-o", str(out), "--db", str(archive))
    assert (result.stdout, result.stderr) == (
        "", f"exported {len(served_articles('hatinh'))} articles from {archive} into {out}\n")
    assert out.read_bytes() == piped and len(piped) > 1000
    assert sorted(path.name for path in tmp_path.iterdir()) == [out.name]  # no FILE.part left


@pytest.mark.parametrize("options, refused", [
    (["--format", "jsonl"], "--format does"),
    (["--format", "warc"], "--format does"),
    (["-o", "{dir}/x.jsonl"], "-o does"),
    (["--since", "2020-01-01"], "--since does"),
    (["--format", "csv", "--since", "2020-01-01", "-o", "{dir}/x.csv"], "--format, -o and --since do"),
])
def test_an_option_that_does_not_apply_to_documents_is_refused(archive, tmp_path, options, refused):
    documents = tmp_path / "documents"
    result = soyte("export", "--documents", str(documents), *(o.format(dir=tmp_path) for o in options),
                   "--db", str(archive), check=False)
    them = "it" if refused.endswith("does") else "them"
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (2, "", [
        f"soyte export: {refused} not apply to --documents DIR, which writes every stored document into DIR "
        f"(only --portal selects): leave {them} out"])
    assert list(tmp_path.iterdir()) == []


def test_documents_go_only_into_a_new_or_empty_folder_or_an_earlier_documents_export(archive, tmp_path):
    project = tmp_path / "docs"  # `soyte export --documents docs/` in a checkout: the project's docs
    project.mkdir()
    (project / "OPERATIONS.md").write_text("# Operating the archiver\n", encoding="utf-8")
    result = soyte("export", "--documents", str(project), "--db", str(archive), check=False)
    assert (result.returncode, result.stderr.splitlines()) == (2, [
        f"soyte export: {project} is not empty and is not an earlier documents export (no manifest.jsonl there): "
        "pass a new or empty directory, e.g. --documents documents/"])
    assert [path.name for path in project.iterdir()] == ["OPERATIONS.md"]
    stored = query(archive, "SELECT count(*) AS n FROM documents")[0]["n"]
    empty = tmp_path / "empty"
    empty.mkdir()
    for directory in (empty, empty, tmp_path / "new"):  # the second time, an earlier export: brought up to date
        result = soyte("export", "--documents", str(directory), "--db", str(archive))
        assert result.stderr == (f"exported {stored} documents from {archive} into {directory} "
                                 "(manifest.jsonl lists them)\n")
        manifest = [json.loads(line)
                    for line in (directory / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
        assert len(manifest) == stored
        assert sorted(path.name for path in directory.iterdir()) == sorted(
            ["manifest.jsonl", *(entry[key] for entry in manifest for key in ("file", "text_file") if entry[key])])


def test_a_full_disk_leaves_no_half_written_output_and_the_earlier_file_as_it_was(archive, small_disk):
    out = small_disk / "articles.jsonl"
    out.write_text("the export of yesterday\n", encoding="utf-8")
    fill(small_disk, leave=16 * 1024)
    result = soyte("export", "-o", str(out), "--db", str(archive), check=False)
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (4, "", [
        f"soyte export: cannot write {out}: [Errno 28] No space left on device"])
    assert out.read_text(encoding="utf-8") == "the export of yesterday\n"
    assert sorted(path.name for path in small_disk.iterdir()) == ["articles.jsonl", "filler"]

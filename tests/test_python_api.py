"""Issue 34's Python door: `import soyte` over a real crawl of the bundled demo portals gives the
records `soyte export` writes, filtered by portal, province, dates and search; DataFrames; Parquet
and Excel-ready CSV from `soyte export`; and docs/PYTHON.md's examples run as written."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from datetime import date
from pathlib import Path

import pytest

import soyte
from tests.browsing import crawl_demo_portals
from tests.helpers import ROOT, demo_articles, soyte as run_soyte

pytestmark = pytest.mark.e2e  # a crawl; `soyte export` in a subprocess


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return crawl_demo_portals(tmp_path_factory.mktemp("python-api") / "archive.db")


@pytest.fixture(scope="module")
def exported(archive) -> list[dict]:
    return [json.loads(line) for line in run_soyte("export", "--db", str(archive)).stdout.splitlines()]


def test_records_are_the_records_soyte_export_writes(archive, exported):
    with soyte.open_archive(archive) as corpus:
        records = list(corpus.records())
    assert records == exported and len(records) == len(demo_articles())
    assert all(isinstance(r["images"], list) and isinstance(r["attachments"], list) for r in records)
    assert any(r["images"] and isinstance(r["images"][0], dict) for r in records)


def test_filters_by_portal_province_dates_and_search(archive, exported):
    with soyte.open_archive(archive) as corpus:
        assert corpus.portals() == sorted({r["portal"] for r in exported})
        assert list(corpus.records(portal="bacninh")) == [r for r in exported if r["portal"] == "bacninh"]
        assert list(corpus.records(province="Hà Tĩnh")) == [r for r in exported if r["province"] == "Hà Tĩnh"]
        between = [r for r in exported if r["published"] and "2020-01-01" <= r["published"][:10] <= "2021-12-31"]
        assert list(corpus.records(since="2020-01-01", until=date(2021, 12, 31))) == between and between
        dengue = {r["title"] for r in corpus.records(search="sot xuat huyet")}
        assert dengue == {r["title"] for r in exported if re.search(
            r"sốt xuất huyết", " ".join(r[k] or "" for k in ("title", "sapo", "text")), re.I)}
        phrase = [r["title"] for r in corpus.records(search='"người đứng đầu"')]
        assert phrase == [r["title"] for r in exported if "người đứng đầu" in (r["text"] or "")] and len(phrase) == 1
        assert list(corpus.records(search="tay chan mieng dengue")) == []


def test_a_missing_archive_and_a_bad_date_say_so(tmp_path, archive):
    with pytest.raises(FileNotFoundError, match="no archive at"):
        soyte.open_archive(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()  # not created
    with soyte.open_archive(archive) as corpus, pytest.raises(ValueError, match="since wants a date such as"):
        list(corpus.records(since="last year"))


def test_to_pandas_gives_one_row_an_article_with_times_at_plus_seven(archive, exported):
    with soyte.open_archive(archive) as corpus:
        frame = corpus.to_pandas(portal="cantho")
    rows = [r for r in exported if r["portal"] == "cantho"]
    assert list(frame["url"]) == [r["url"] for r in rows]
    assert str(frame["published"].dt.tz) == "UTC+07:00"
    assert frame["published"].iloc[0].isoformat() == rows[0]["published"]
    assert frame["images"].iloc[0] == rows[0]["images"]


def test_parquet_export_round_trips_to_the_jsonl_records(archive, exported, tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "articles.parquet"
    result = run_soyte("export", "--format", "parquet", "-o", str(out), "--db", str(archive))
    assert result.stderr == f"exported {len(exported)} articles from {archive} into {out}\n"
    table = pq.read_table(out)
    assert str(table.schema.field("views").type) == "int64"
    assert table.to_pylist() == exported
    portal = tmp_path / "bacninh.parquet"
    run_soyte("export", "--format", "parquet", "--portal", "bacninh", "-o", str(portal), "--db", str(archive))
    assert pq.read_table(portal).to_pylist() == [r for r in exported if r["portal"] == "bacninh"]


def test_parquet_needs_a_file_and_excel_needs_csv(archive):
    piped = run_soyte("export", "--format", "parquet", "--db", str(archive), check=False)
    assert (piped.returncode, piped.stdout) == (2, "")
    assert "--format parquet writes a file: add -o FILE.parquet" in piped.stderr
    excel = run_soyte("export", "--excel", "--db", str(archive), check=False)
    assert excel.returncode == 2 and "--excel applies to --format csv" in excel.stderr


def test_csv_for_excel_starts_with_a_byte_order_mark_and_holds_the_same_rows(archive, tmp_path):
    plain = run_soyte("export", "--format", "csv", "--db", str(archive)).stdout
    excel = tmp_path / "articles.csv"
    run_soyte("export", "--format", "csv", "--excel", "-o", str(excel), "--db", str(archive))
    data = excel.read_bytes()
    assert data[:3] == b"\xef\xbb\xbf"
    assert data.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    assert rows == list(csv.reader(io.StringIO(plain))) and rows[0][0] == "url" and len(rows) > 30


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_examples_of_docs_python_md_run_on_the_demo_archive(archive, exported, monkeypatch):
    monkeypatch.chdir(archive.parent)
    blocks = python_blocks((ROOT / "docs" / "PYTHON.md").read_text(encoding="utf-8"))
    assert len(blocks) == 3
    printed = []
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "docs/PYTHON.md", "exec"), {})
        printed.append(out.getvalue())
    assert printed[0].splitlines()[0] == repr(sorted({r["portal"] for r in exported}))
    assert len(printed[0].splitlines()) == 1 + sum(r["portal"] == "bacninh" for r in exported)
    assert printed[1].splitlines()[1] == repr(["Hội nghị triển khai Luật Khám bệnh, chữa bệnh năm 2023 và các văn bản hướng dẫn"])
    assert "Bắc Ninh" in printed[2] and "2024" in printed[2]
    assert os.path.exists("archive.db")

"""Articles out of the archive for corpus building: the record of LAYOUTS.md as JSON lines or CSV.

Rows are read from one cursor and written as they come, so an archive of any size streams in
constant memory. Newest first, like `Archive.articles()` and the Datasette table.
"""
from __future__ import annotations

import csv
import json
import sqlite3
import zlib
from datetime import date
from pathlib import Path
from typing import Iterator, TextIO

from archive.store import RECORD_KEYS, row_to_record

FORMATS = ("jsonl", "csv")


def records(conn: sqlite3.Connection, portal: str | None = None, since: date | None = None) -> Iterator[dict]:
    """Every article's record, newest first; `since` keeps those published on or after that day
    (the day as printed at +07:00; an article without a publication time is left out)."""
    where, params = [], []
    if portal:
        where.append("portal = ?")
        params.append(portal)
    if since:
        # ISO 8601 text compares as time does when every value has the same offset (+07:00).
        where.append("published >= ?")
        params.append(since.isoformat())
    sql = f"SELECT {', '.join(RECORD_KEYS)} FROM articles"
    if where:
        sql += " WHERE " + " AND ".join(where)
    cursor = conn.execute(sql + " ORDER BY published DESC, url", params)
    for row in cursor:
        yield row_to_record(dict(zip(RECORD_KEYS, row)))


def write_jsonl(rows: Iterator[dict], out: TextIO) -> int:
    count = 0
    for record in rows:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterator[dict], out: TextIO) -> int:
    """One row per article; images and attachments stay JSON arrays as text in their cells."""
    writer = csv.DictWriter(out, fieldnames=RECORD_KEYS)
    writer.writeheader()
    count = 0
    for record in rows:
        writer.writerow({**record, "images": json.dumps(record["images"], ensure_ascii=False),
                         "attachments": json.dumps(record["attachments"], ensure_ascii=False)})
        count += 1
    return count


def export(conn: sqlite3.Connection, out: TextIO, format: str = "jsonl", portal: str | None = None,
           since: date | None = None) -> int:
    """Write the selected articles to `out`; returns how many."""
    write = {"jsonl": write_jsonl, "csv": write_csv}[format]
    return write(records(conn, portal, since), out)


def portals(conn: sqlite3.Connection) -> list[str]:
    """Portals that have articles in the archive."""
    return [row[0] for row in conn.execute("SELECT DISTINCT portal FROM articles ORDER BY portal")]


EXTENSIONS = {"jpeg": "jpg", "unknown": "bin"}  # a document type's file extension, where they differ


def export_documents(conn: sqlite3.Connection, directory: Path, portal: str | None = None) -> int:
    """Each stored document as `<sha256>.<ext>` (its text beside it as `<sha256>.txt`) in `directory`,
    with `manifest.jsonl`: URL, SHA-256, article URLs, title, text length. Files already there are
    not written again (their name is their content), so an export can be brought up to date."""
    from archive.documents import dumps, manifest_rows

    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(directory / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for row in manifest_rows(conn, portal):
            name = f"{row['sha256']}.{EXTENSIONS.get(row['type'], row['type'])}"
            body, text = conn.execute("SELECT b.body, d.text FROM document_bodies b JOIN documents d "
                                      "ON d.sha256 = b.sha256 WHERE b.sha256 = ?", (row["sha256"],)).fetchone()
            if not (directory / name).exists():
                (directory / name).write_bytes(zlib.decompress(body))
            if text:
                (directory / f"{row['sha256']}.txt").write_text(text + "\n", encoding="utf-8")
            manifest.write(dumps({"file": name, "text_file": f"{row['sha256']}.txt" if text else None, **row}) + "\n")
            count += 1
    return count

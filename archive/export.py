"""Articles out of the archive for corpus building: the record of LAYOUTS.md as JSON lines or CSV.

Rows are read from one cursor and written as they come, so an archive of any size streams in
constant memory. Newest first, like `Archive.articles()` and the Datasette table.
"""
from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import stat
import zlib
from datetime import date
from pathlib import Path
from typing import Callable, Iterator, TextIO

from archive.store import row_to_record
from archive.stories import earliest_per_story, has_stories, other_urls
from scraper.model import RECORD_KEYS

FORMATS = ("jsonl", "csv")


def records(conn: sqlite3.Connection, portal: str | None = None, since: date | None = None,
            one_per_story: bool = False) -> Iterator[dict]:
    """Every article's record, newest first; `since` keeps those published on or after that day
    (the day as printed at +07:00; an article without a publication time is left out);
    `one_per_story` keeps the earliest selected copy of each story (archive.stories) with the
    other copies' URLs in `copies`."""
    where, params = [], []
    if portal:
        where.append("portal = ?")
        params.append(portal)
    if since:
        # ISO 8601 text compares as time does when every value has the same offset (+07:00).
        where.append("published >= ?")
        params.append(since.isoformat())
    sql = f"SELECT {', '.join(RECORD_KEYS)} FROM articles"
    one_per_story = one_per_story and has_stories(conn)
    if one_per_story:
        sql += f" WHERE url IN ({earliest_per_story(' AND '.join(where))})"
    elif where:
        sql += " WHERE " + " AND ".join(where)
    cursor = conn.execute(sql + " ORDER BY published DESC, url", params)
    for row in cursor:
        record = row_to_record(dict(zip(RECORD_KEYS, row)))
        if one_per_story:
            record["copies"] = other_urls(conn, record["url"])
        yield record


def write_jsonl(rows: Iterator[dict], out: TextIO) -> int:
    count = 0
    for record in rows:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterator[dict], out: TextIO, fields: tuple[str, ...] = RECORD_KEYS) -> int:
    """One row per article; images and attachments (and copies) stay JSON arrays as text in their cells."""
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    count = 0
    for record in rows:
        lists = {key: json.dumps(record[key], ensure_ascii=False) for key in ("images", "attachments", "copies")
                 if key in record}
        writer.writerow({**record, **lists})
        count += 1
    return count


def export(conn: sqlite3.Connection, out: TextIO, format: str = "jsonl", portal: str | None = None,
           since: date | None = None, one_per_story: bool = False) -> int:
    """Write the selected articles to `out` (one per story: see `records`); returns how many."""
    rows = records(conn, portal, since, one_per_story)
    if format == "csv":
        return write_csv(rows, out, (*RECORD_KEYS, "copies") if one_per_story else RECORD_KEYS)
    return write_jsonl(rows, out)


def portals(conn: sqlite3.Connection) -> list[str]:
    """Portals that have articles in the archive."""
    return [row[0] for row in conn.execute("SELECT DISTINCT portal FROM articles ORDER BY portal")]


EXTENSIONS = {"jpeg": "jpg", "unknown": "bin"}  # a document type's file extension, where they differ


class UnsafeEntry(ValueError):
    """A name the documents export would write is a symbolic link (or a folder) in DIR: refused."""


SAFE_NAME = re.compile(r"[0-9a-f]{64}\.[a-z0-9]{1,10}")  # <sha256>.<ext>: nothing that leaves DIR


def export_documents(conn: sqlite3.Connection, directory: Path, portal: str | None = None) -> int:
    """Each stored document as `<sha256>.<ext>` (its text beside it as `<sha256>.txt`) in `directory`,
    with `manifest.jsonl`: URL, SHA-256, article URLs, title, text length. Files already there are
    not written again (their name is their content), so an export can be brought up to date.

    Every file is written inside `directory` and nowhere else: never through a symbolic link
    planted there (`write_inside`), and the manifest is written whole, then renamed into place, so
    an export refused halfway leaves the earlier manifest as it was."""
    directory.mkdir(parents=True, exist_ok=True)
    if not check_entry(directory / "manifest.jsonl"):  # marks DIR as a documents export from the start
        os.close(open_inside(directory / "manifest.jsonl"))
    part = directory / ".manifest.jsonl.part"
    try:
        count = write_documents(conn, directory, portal, part)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    check_entry(directory / "manifest.jsonl")
    os.replace(part, directory / "manifest.jsonl")
    return count


def write_documents(conn: sqlite3.Connection, directory: Path, portal: str | None, part: Path) -> int:
    """The files of `export_documents`, and its manifest's lines into `part`; how many documents."""
    from archive.documents import dumps, manifest_rows

    count = 0
    with os.fdopen(open_inside(part), "w", encoding="utf-8") as manifest:
        for row in manifest_rows(conn, portal):
            name = f"{row['sha256']}.{EXTENSIONS.get(row['type'], row['type'])}"
            if not SAFE_NAME.fullmatch(name):
                raise UnsafeEntry(f"document {row['sha256']!r} of type {row['type']!r} has no safe file name")
            body, text = conn.execute("SELECT b.body, d.text FROM document_bodies b JOIN documents d "
                                      "ON d.sha256 = b.sha256 WHERE b.sha256 = ?", (row["sha256"],)).fetchone()
            write_inside(directory, name, lambda body=body: zlib.decompress(body), keep=True)
            if text:
                write_inside(directory, f"{row['sha256']}.txt", lambda text=text: (text + "\n").encode("utf-8"))
            manifest.write(dumps({"file": name, "text_file": f"{row['sha256']}.txt" if text else None, **row}) + "\n")
            count += 1
    return count


def check_entry(path: Path) -> bool:
    """Whether `path` exists, as a regular file; UnsafeEntry if it is anything else (a symbolic link
    to a file outside the folder, a folder): the export never writes through it nor over it."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        raise UnsafeEntry(f"{path} is {kind}: the documents export writes only regular files inside "
                          f"{path.parent}; remove it and export again")
    return True


def open_inside(path: Path) -> int:
    """A new file descriptor for writing `path`, which is never followed if it is a symbolic link."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)


def write_inside(directory: Path, name: str, data: Callable[[], bytes], keep: bool = False) -> None:
    """`directory/name` as a regular file with `data()`'s bytes (kept as it is when `keep` and present):
    written beside it first (O_NOFOLLOW), then renamed over it, which replaces a name, never a link's target."""
    target = directory / name
    if check_entry(target) and keep:
        return
    part = directory / f".{name}.part"
    try:
        with os.fdopen(open_inside(part), "wb") as out:
            out.write(data())
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise

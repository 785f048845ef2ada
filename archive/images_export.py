"""`soyte export --images DIR`: each stored image once, with a manifest, written as the documents
export writes its files (archive/export.py: never outside DIR, never through a symbolic link, the
manifest whole or not at all). Apart from archive/images.py, which the schema imports: the export's
helpers import the store, and the store the schema."""
from __future__ import annotations

import json
import os
import sqlite3
import zlib
from pathlib import Path

from archive.export import SAFE_NAME, UnsafeEntry, check_entry, open_inside, write_inside
from archive.images import export_name, manifest_rows


def export_images(conn: sqlite3.Connection, directory: Path, portal: str | None = None) -> int:
    """Each stored image as `<sha256>.<ext>` in `directory`, with `manifest.jsonl` (its URLs, the
    articles that show it and their captions), written as `soyte export --documents` writes files:
    never outside `directory`, never through a symbolic link, the manifest whole or not at all."""
    directory.mkdir(parents=True, exist_ok=True)
    if not check_entry(directory / "manifest.jsonl"):
        os.close(open_inside(directory / "manifest.jsonl"))
    part, count = directory / ".manifest.jsonl.part", 0
    try:
        with os.fdopen(open_inside(part), "w", encoding="utf-8") as manifest:
            for row in manifest_rows(conn, portal):
                name = export_name(row)
                if not SAFE_NAME.fullmatch(name):
                    raise UnsafeEntry(f"image {row['sha256']!r} of type {row['type']!r} has no safe file name")
                (body,) = conn.execute("SELECT body FROM document_bodies WHERE sha256 = ?", (row["sha256"],)).fetchone()
                write_inside(directory, name, lambda body=body: zlib.decompress(body), keep=True)
                manifest.write(json.dumps({"file": name, **row}, ensure_ascii=False) + "\n")
                count += 1
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    check_entry(directory / "manifest.jsonl")
    os.replace(part, directory / "manifest.jsonl")
    return count

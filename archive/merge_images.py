"""`soyte merge` of the articles' images (archive.images), as archive.merge_documents does for documents.

- images by SHA-256: a picture both archives hold is one image, its bytes stored once in
  document_bodies (checked against their SHA-256 before they are kept: merge_documents' `_keep_body`);
  the row describing it (URL, portal, caption, first_seen) is that of the earliest sighting;
- captures by (URL, SHA-256): the earliest fetch (its run, portal and headers) and the latest (its
  status and validators); `version` renumbered per URL in the order the captures were first fetched;
- links: document_links, kind `image`, which merge_documents merges with the attachments' links.
Everything happens in archive.merge's one transaction; merging a file again changes nothing. An
input made before images were kept reads as empty tables (archive.schema.read_as_current).
"""
from __future__ import annotations

from archive.images import TABLES
from archive.merge_documents import _keep_body

IMAGE_COLUMNS = tuple(TABLES["images"]["columns"])
CAPTURE_COLUMNS = tuple(c for c in TABLES["image_captures"]["columns"] if c != "id")
DESCRIBING = ("url", "portal", "caption", "first_seen")
EARLIEST = ("fetched_at", "portal", "headers", "run_id")
LATEST = ("last_fetched_at", "status", "content_type", "etag", "last_modified")
_NEVER = "\uffff"  # sorts after every time: a missing time is never the earliest


def merge_images(source, target, runs: dict[int, int]) -> None:
    """Bring the source archive's images, their bodies and captures into the target (both
    archive.store.Archive; `runs`: source run id -> target run id, from archive.merge)."""
    _merge_images(source, target)
    _merge_captures(source, target, runs)


def _merge_images(source, target) -> None:
    columns = ", ".join(IMAGE_COLUMNS)
    for values in source.conn.execute(f"SELECT {columns} FROM images ORDER BY first_seen, sha256").fetchall():
        row = dict(zip(IMAGE_COLUMNS, values))
        found = target.conn.execute(f"SELECT {columns} FROM images WHERE sha256 = ?", (row["sha256"],)).fetchone()
        if not target.conn.execute("SELECT 1 FROM document_bodies WHERE sha256 = ?", (row["sha256"],)).fetchone():
            _keep_body(source, target, row["sha256"])
        if found is None:
            target.conn.execute(f"INSERT INTO images ({columns}) VALUES ({', '.join('?' * len(values))})", values)
            continue
        mine = dict(zip(IMAGE_COLUMNS, found))
        if (row["first_seen"] or _NEVER) < (mine["first_seen"] or _NEVER):
            target.conn.execute(f"UPDATE images SET {', '.join(f'{key} = ?' for key in DESCRIBING)} WHERE sha256 = ?",
                                (*(row[key] for key in DESCRIBING), row["sha256"]))


def _merge_captures(source, target, runs: dict[int, int]) -> None:
    columns = ", ".join(CAPTURE_COLUMNS)
    added: set[str] = set()
    for values in source.conn.execute(f"SELECT {columns} FROM image_captures ORDER BY fetched_at, id").fetchall():
        row = dict(zip(CAPTURE_COLUMNS, values))
        row["run_id"] = runs.get(row["run_id"]) if row["run_id"] is not None else None
        found = target.conn.execute(f"SELECT id, {columns} FROM image_captures WHERE url = ? AND sha256 = ?",
                                    (row["url"], row["sha256"])).fetchone()
        if found is None:
            target.conn.execute(f"INSERT INTO image_captures ({columns}) VALUES ({', '.join('?' * len(values))})",
                                tuple(row[c] for c in CAPTURE_COLUMNS))
            added.add(row["url"])
            continue
        capture_id, mine = found[0], dict(zip(CAPTURE_COLUMNS, found[1:]))
        changes = {}
        if (row["fetched_at"] or _NEVER) < (mine["fetched_at"] or _NEVER):
            changes.update({key: row[key] for key in EARLIEST if row[key] is not None})
        if (row["last_fetched_at"] or "") > (mine["last_fetched_at"] or ""):
            changes.update({key: row[key] for key in LATEST})
        changes = {key: value for key, value in changes.items() if mine[key] != value}
        if changes:
            target.conn.execute(f"UPDATE image_captures SET {', '.join(f'{key} = ?' for key in changes)} WHERE id = ?",
                                (*changes.values(), capture_id))
    for url in sorted(added):
        rows = target.conn.execute("SELECT id FROM image_captures WHERE url = ? ORDER BY fetched_at, id", (url,))
        for version, (capture_id,) in enumerate(rows.fetchall(), start=1):
            target.conn.execute("UPDATE image_captures SET version = ? WHERE id = ? AND version IS NOT ?",
                                (version, capture_id, version))

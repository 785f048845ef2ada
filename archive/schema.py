"""The archive's tables. Created idempotently; every write goes through archive.store.

- articles:         one row per canonical article URL, the record of LAYOUTS.md (images and
                    attachments as JSON arrays) plus provenance and first/last seen times
- article_versions: the previous content of an article each time it changed
- pages:            every fetched response, raw and compressed, for offline re-extraction;
                    one row per distinct (url, body); `codec` zlib (or null: written before
                    dictionaries) or zstd with the host's `dictionary_id` (archive.compression)
- page_dictionaries: zstd dictionaries trained per portal host on its stored pages
- crawl_runs:       one row per crawl run with its counts and status (running, completed,
                    alarm: finished but a portal looks broken, interrupted: stopped by a
                    signal, aborted: killed, failed: stopped on an error or never started)
- portal_runs:      one row per portal per run: what its listings and articles gave, the
                    problem that raised the alarm, if any, and whether the portal was walked
                    completely (`complete`: no listing page failed, the run ran to its end),
                    and why a bound stopped its listing walk (`listing_stop`), if one did
- listing_resume:   per portal, the listing page where a bound stopped the walk: the next run
                    goes on from it (spiders/listing_walk.py); gone once a walk reaches the end
- failures:         every page that could not be fetched or extracted, with the reason
- articles_fts:     accent-insensitive full-text index over title, sapo, text (archive.search)
- article_counts:   articles per portal, province, month and category, kept by triggers (archive.summaries)
- documents, document_bodies, document_captures, document_links, documents_fts: attached
                    documents, content-addressed (archive.documents)
- images, image_captures: articles' images, their bytes in document_bodies (archive.images)
- stories, story_members, story_bands, story_passages: near-duplicate articles grouped into stories,
                    the locality-sensitive index that finds them and the sentences that tell boilerplate
                    (archive.stories)
"""
from __future__ import annotations

import logging
import sqlite3

import sqlite_utils

from archive.documents import FTS_COLUMNS as DOCUMENTS_FTS_COLUMNS
from archive.documents import FTS_TABLE as DOCUMENTS_FTS
from archive.documents import TABLES as DOCUMENT_TABLES
from archive.documents import ensure_document_schema
from archive.fts_merge import release_held
from archive.images import TABLES as IMAGE_TABLES
from archive.images import ensure_image_schema
from archive.paging import ensure_paging_indexes
from archive.row_counts import ensure_row_counts
from archive.search import INDEX_FORM, create_index, rebuild_index
from archive.summaries import ensure_summaries
from archive.summaries import read_as_current as read_summaries_as_current
from archive.stories import TABLES as STORY_TABLES
from archive.stories import ensure_story_schema

# 2: the full-text indexes written in archive.search's INDEX_FORM 2 (an archive of 1 is re-indexed
# when it is opened for writing; read-only, its older index still finds every match)
SCHEMA_VERSION = 2

logger = logging.getLogger(__name__)

TABLES: dict[str, dict] = {
    "articles": {
        "columns": {
            "url": str, "portal": str, "province": str, "title": str, "published": str,
            "category": str, "sapo": str, "text": str, "author": str, "source": str, "views": int,
            "images": str, "attachments": str, "layout": str, "extractor": str, "extraction": str,
            "extraction_note": str,
            "content_hash": str, "page_id": int, "first_seen": str, "last_seen": str, "updated_at": str,
        },
        "pk": "url",
        "not_null": {"portal", "title", "text"},
    },
    "article_versions": {
        "columns": {"id": int, "url": str, "content_hash": str, "record": str, "extractor": str,
                    "first_seen": str, "replaced_at": str},
        "pk": "id",
    },
    "pages": {
        "columns": {"id": int, "url": str, "kind": str, "status": int, "headers": str, "content_type": str,
                    "body": bytes, "body_size": int, "sha256": str, "fetched_at": str,
                    "last_fetched_at": str, "run_id": int, "last_run_id": int, "codec": str,
                    "dictionary_id": int},
        "pk": "id",
    },
    "page_dictionaries": {
        "columns": {"id": int, "host": str, "codec": str, "dictionary": bytes, "size": int, "samples": int,
                    "trained_at": str},
        "pk": "id",
    },
    "crawl_runs": {
        "columns": {"id": int, "started_at": str, "finished_at": str, "portals": str, "status": str,
                    "requests": int, "responses": int, "pages_stored": int, "articles_new": int,
                    "articles_updated": int, "articles_unchanged": int, "articles_generic": int,
                    "errors": int, "warnings": int, "pid": int, "node": str, "node_run_id": int, "node_name": str,
                    "message": str},
        "pk": "id",
    },
    "portal_runs": {
        "columns": {"run_id": int, "portal": str, "listing_pages": int, "listing_not_modified": int,
                    "article_links": int, "article_pages": int, "articles_new": int, "articles_updated": int,
                    "articles_unchanged": int, "extraction_failures": int, "fetch_failures": int,
                    "problem": str, "complete": int, "coverage": str, "listing_stop": str},
        "pk": ("run_id", "portal"),
    },
    "listing_resume": {
        "columns": {"portal": str, "url": str, "page": int, "reason": str, "run_id": int, "stopped_at": str},
        "pk": "portal",
    },
    "failures": {
        "columns": {"id": int, "run_id": int, "url": str, "portal": str, "kind": str, "status": int,
                    "reason": str, "page_id": int, "at": str},
        "pk": "id",
    },
}

INDEXES = [
    ("articles", ["portal", "published"]),
    ("articles", ["published"]),
    # Datasette's facets, and a province's or a category's newest articles (its feed, the table filtered)
    # without sorting all of them: 6.5 s and 22 s at 462,000 articles with the column alone (issue 32)
    ("articles", ["province", "published"]),
    ("articles", ["category", "published"]),
    ("articles", ["page_id"]),    # the frontier: is a URL an archived article's page (archive.frontier)
    ("articles", ["portal", "last_seen", "published", "first_seen", "url"]),  # revisits, read from the index alone
    ("article_versions", ["url"]),
    ("pages", ["url", "sha256"], True),
    ("pages", ["kind", "url"]),
    ("failures", ["run_id"]),
    ("failures", ["portal", "url"]),  # the frontier's retries: a portal's failures, not the archive's (archive.frontier)
    ("failures", ["url", "kind"]),  # the frontier: was a file skipped, how often did it fail (archive.frontier_files)
    ("page_dictionaries", ["host"]),
]


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create what is missing; never drops or rewrites existing data."""
    for name, spec in TABLES.items():
        table = db[name]
        if not table.exists():
            table.create(spec["columns"], pk=spec["pk"], not_null=spec.get("not_null"))
            continue
        for column, kind in spec["columns"].items():  # an archive made by an older version
            if column not in table.columns_dict:
                table.add_column(column, kind)
    for table, columns, *unique in INDEXES:
        db[table].create_index(columns, unique=bool(unique), if_not_exists=True)
    create_index(db.conn)
    release_held(db.conn)  # the index's merging a killed `soyte merge` left held (archive.fts_merge)
    ensure_document_schema(db)
    ensure_summaries(db.conn)  # article counts kept by triggers (archive.summaries)
    ensure_image_schema(db)
    ensure_story_schema(db)  # near-duplicate stories (archive.stories)
    ensure_paging_indexes(db)  # Datasette's next pages read one page (archive.paging)
    ensure_row_counts(db)  # the big tables' row counts Datasette shows (archive.row_counts)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version < SCHEMA_VERSION:  # no write on every open; a newer soyte's archive keeps its number
        if version < INDEX_FORM:  # its full-text indexes hold each field folded whole
            articles = rebuild_index(db.conn)
            documents = rebuild_index(db.conn, DOCUMENTS_FTS, "documents", DOCUMENTS_FTS_COLUMNS)
            if articles or documents:  # ~0.2 ms an article: a pause worth a line on a big archive
                logger.info("the full-text index was rebuilt in its new form (%d articles, %d documents), "
                            "once for this archive", articles, documents)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


# The tables every soyte archive has held since the first version: what makes a file one (a later
# table an older archive lacks reads as empty, through read_as_current).
FIRST_TABLES = ("articles", "article_versions", "pages", "crawl_runs", "failures")
# Tables an FTS index reads by rowid (archive.search joins `t.rowid = f.rowid`): their stand-in
# view carries the rowid, which a view otherwise gives as NULL.
ROWID_TABLES = ("articles", "documents")


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version the archive's writer left in it (PRAGMA user_version; 0: none)."""
    return conn.execute("PRAGMA main.user_version").fetchone()[0]


def read_as_current(conn: sqlite3.Connection) -> list[str]:
    """Let a connection that must not write read an archive of an older schema as this version's.

    An older soyte made some tables with fewer columns, or none at all (portal_runs, pages.codec,
    the document tables). A writer brings the file up to date (ensure_schema adds the columns,
    NULL); a reader on read-only storage, or `soyte merge` reading its inputs (which it never
    changes), gets the same picture without writing: a TEMP view in place of each such table
    (unqualified names find TEMP first) with the missing columns NULL. Returns the tables shown so;
    a file that is not a soyte archive (FIRST_TABLES) is left as it is, to fail as one.
    """
    tables = {row[0] for row in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    if not tables.issuperset(FIRST_TABLES):
        return []
    shown = []
    for name, spec in {**TABLES, **DOCUMENT_TABLES, **STORY_TABLES, **IMAGE_TABLES}.items():
        present = [row[1] for row in conn.execute(f"PRAGMA main.table_info([{name}])")]
        missing = [column for column in spec["columns"] if column not in present]
        if not missing:
            continue
        nulls = ", ".join(f"NULL AS [{column}]" for column in missing)
        rowid = "rowid AS rowid, " if name in ROWID_TABLES else ""
        rows = f"SELECT {rowid}*, {nulls} FROM main.[{name}]" if present else f"SELECT {nulls} WHERE 0"
        conn.execute(f"CREATE TEMP VIEW [{name}] AS {rows}")
        shown.append(name)
    if read_summaries_as_current(conn):  # counted from articles (archive.summaries)
        shown.append("article_counts")
    return shown

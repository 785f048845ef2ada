"""What Datasette tells a reader about the archive: titles, descriptions, facets, canned queries.

Datasette keys metadata by database name, which is the archive file's name without `.db`, so the
metadata is built for a name rather than kept as a fixed JSON file.
"""
from __future__ import annotations

from archive.datasette.feeds import FEED_QUERIES
from archive.datasette.language import translated
from archive.datasette.stories import QUERIES as STORY_QUERIES
from archive.datasette.stories import TABLES as STORY_TABLES
from scraper.model import FailureKind, fetch_failure

TITLE = "Sở Y tế news archive"
DESCRIPTION = (
    "News published by Vietnam's provincial Departments of Health (Sở Y tế), crawled by soyte and "
    "kept as published: title, time at +07:00, byline, category, text, image captions, attachments "
    "and the original URL. Search without accents: 'sot xuat huyet' finds 'sốt xuất huyết', "
    "'Dak Lak' finds 'Đắk Lắk'. Click an article's title to read it."
)

ARTICLE_COLUMNS = {
    "url": "Canonical URL of the article on its portal (the key)",
    "portal": "Portal key in soyte's registry, e.g. bacninh",
    "province": "Province as written in Vietnamese",
    "title": "Headline as published",
    "published": "Publication time, ISO 8601 at +07:00, as precise as the page gives it",
    "category": "Section the portal files the article under",
    "sapo": "Lead paragraph, where the layout sets one apart",
    "text": "Body text: paragraphs separated by a blank line, Unicode NFC, without captions or byline",
    "author": "Byline as printed",
    "source": "Credited source unit, without its label",
    "views": "View count printed on the page at the last fetch",
    "images": "JSON array of {url, caption}, in page order",
    "attachments": "JSON array of {url, title}",
    "layout": "Spider layout that extracted the article",
    "extractor": "Extractor version",
    "extraction": "layout: the layout's rules extracted it; generic: they failed and the generic extractor saved it",
    "extraction_note": "Why the layout's rules failed, for a generic extraction",
    "content_hash": "SHA-256 of the content fields; a new hash makes a new version",
    "page_id": "The raw page (pages.id) the record was extracted from",
    "first_seen": "When the archive first stored the article (UTC)",
    "last_seen": "When a crawl last saw the article (UTC)",
    "updated_at": "When the stored content last changed (UTC)",
}

TABLES: dict[str, dict] = {
    "articles": {
        "description": "One row per article (canonical URL). Newest first; open an article by its title.",
        "columns": ARTICLE_COLUMNS,
        # Unfiltered, these three are read from the counts triggers keep (archive.datasette.counted).
        "facets": [{"counted": "province"}, {"counted": "category"}, {"year": "published"}],
        "sort_desc": "published",
        "label_column": "title",
        "fts_table": "articles_fts",
        "fts_pk": "rowid",
    },
    "article_versions": {
        "description": "The previous content of an article each time it changed.",
        "columns": {
            "id": "Version number", "url": "The article (articles.url)",
            "content_hash": "Hash of this earlier content", "record": "The earlier record as JSON",
            "extractor": "Extractor that produced it", "first_seen": "When this content was first stored (UTC)",
            "replaced_at": "When newer content replaced it (UTC)",
        },
        "facets": ["extractor"],
        "sort_desc": "replaced_at",
    },
    "pages": {
        "description": "Every fetched response, raw and compressed (zlib, or zstd with its portal's dictionary), for offline re-extraction.",
        "columns": {
            "id": "Page id", "url": "URL fetched", "kind": "listing, article or other",
            "status": "HTTP status", "headers": "Response headers as JSON", "content_type": "Content-Type header",
            "body": "Raw body, compressed by `codec`", "body_size": "Raw body size in bytes",
            "codec": "zlib (or null: written before dictionaries) or zstd", "dictionary_id": "zstd dictionary (page_dictionaries.id)",
            "sha256": "SHA-256 of the raw body", "fetched_at": "First fetched (UTC)",
            "last_fetched_at": "Last fetched with this same body (UTC)", "run_id": "Crawl run (crawl_runs.id)",
            "last_run_id": "Crawl run that last fetched this same body",
        },
        # No facets by default: counting a million pages by status reads every page (~2 s at 462,000,
        # and again on each next page); `?_facet=kind` or `?_facet=status` asks for them (issue 32).
        "sort_desc": "id",
    },
    "page_dictionaries": {
        "description": "zstd dictionaries trained per portal host on its stored pages: what reads a compact page back.",
        "columns": {
            "id": "Dictionary id", "host": "Portal host", "codec": "zstd", "dictionary": "The dictionary's bytes",
            "size": "Dictionary size in bytes", "samples": "Pages it was trained on", "trained_at": "When (UTC)",
        },
    },
    "crawl_runs": {
        "description": "One row per crawl run with its counts and status.",
        "columns": {
            "id": "Run id", "started_at": "Start (UTC)", "finished_at": "End (UTC)",
            "portals": "Portals crawled, comma-separated",
            "node": "For a run merged from another archive (soyte merge): that archive's id; empty for this archive's own runs",
            "node_run_id": "The run's id in the archive it was merged from",
            "node_name": "The file name of the archive the run was merged from",
            "status": "running, completed, alarm (a portal looks broken), interrupted (stopped by a signal), aborted (killed) or failed",
            "requests": "Requests made", "responses": "Responses received", "pages_stored": "New raw pages kept",
            "articles_new": "Articles stored for the first time", "articles_updated": "Articles whose content changed",
            "articles_unchanged": "Articles seen again unchanged",
            "articles_generic": "Articles saved by the generic extractor because their layout's rules failed",
            "errors": "Pages that failed", "warnings": "Things a person should check, e.g. a date that did not parse",
            "pid": "Process id of the crawl", "message": "Why the run ended as it did",
        },
        "facets": ["status"],
        "sort_desc": "id",
    },
    "portal_runs": {
        "description": "What each portal gave in each crawl run, and the problem that raised an alarm.",
        "columns": {
            "run_id": "Crawl run (crawl_runs.id)", "portal": "Portal key",
            "listing_pages": "Listing pages fetched", "listing_not_modified": "Listing pages unchanged (304)",
            "article_links": "Article links found", "article_pages": "Article pages fetched",
            "articles_new": "New articles", "articles_updated": "Changed articles",
            "articles_unchanged": "Unchanged articles", "extraction_failures": "Article pages not extracted",
            "fetch_failures": "Pages that could not be fetched", "problem": "Why the portal raised an alarm",
            "coverage": "JSON: articles stored in this run and how many filled each field (drift detection)",
            "complete": "1 when the run walked all the portal's listing pages and ran to its end; 0: the next run walks them again",
            "listing_stop": "Why a bound of the registry (max_listing_pages, max_empty_listing_pages) stopped the "
                            "listing walk, at which page; the next run goes on from listing_resume. Empty: no bound stopped it",
        },
        "facets": ["portal"],
        "sort_desc": "run_id",
    },
    "listing_resume": {
        "description": "Per portal, the listing page where a bound stopped the walk: the next run asks for it after "
                       "its start pages and walks on. Gone once a run walks the portal to the end of its pagination.",
        "columns": {
            "portal": "Portal key", "url": "The listing page the next run goes on from",
            "page": "Its number along the walk (a start page is 1)", "reason": "Why the walk stopped (portal_runs.listing_stop)",
            "run_id": "The crawl run that stopped there (crawl_runs.id)", "stopped_at": "When (UTC)",
        },
    },
    "failures": {
        "description": "Every page that could not be fetched or extracted, with the reason.",
        "columns": {
            "id": "Failure id", "run_id": "Crawl run (crawl_runs.id); empty for `soyte reextract`",
            "url": "Page URL", "portal": "Portal key",
            "kind": f"Fetched but not extracted: {FailureKind.EXTRACTION}, {FailureKind.TRUNCATED}, "
                    f"{FailureKind.LISTING}, {FailureKind.NOT_HTML}; not fetched: {FailureKind.ARTICLE_FETCH}, "
                    f"{FailureKind.LISTING_FETCH}; a stored page `soyte reextract` could not read: "
                    f"{FailureKind.DAMAGED_PAGE}, {FailureKind.UNKNOWN_PORTAL}",
            "status": "HTTP status, when the server answered one", "reason": "What went wrong",
            "page_id": "The raw page kept (pages.id), if any", "at": "When (UTC)",
        },
        "facets": ["portal", "kind"],
        "sort_desc": "id",
    },
    "articles_fts": {
        "description": "Full-text index of articles: title, sapo and text as published and folded "
                       "(no accents, đ → d). Search it from the articles table.",
    },
}

TABLES.update({
    "documents": {
        "description": "One row per distinct attached file (PDF, DOC, DOCX, XLS, XLSX, ODT, RTF, ZIP; the articles' "
                       "images are in the images table), by SHA-256 of its bytes. Search its text without accents; open one by its "
                       "title for its text, the articles that link it and a download of the stored bytes.",
        "columns": {
            "sha256": "SHA-256 of the file's bytes (the key: one row per distinct content)",
            "url": "URL the content was first fetched at", "portal": "Portal key of that URL",
            "title": "The link's text in the first article linking it, else the file name",
            "type": "What the bytes are (read from them, not from the server): pdf, doc, docx, xls, xlsx, odt, "
                    "rtf, zip, html (a web page posing as a document), an image type, unknown",
            "content_type": "The content type the stored copy is served with",
            "size": "Size of the file in bytes", "stored_size": "Size of the compressed bytes kept in the archive",
            "text": "Text read from the file: Unicode NFC, one line per paragraph or row, a blank line between pages",
            "text_status": "ok; no-text-layer (a scanned PDF: no text, the file is kept); not-text (an image); "
                           "unsupported (Word 97-2003 .doc); failed (see text_note and failures); timeout or "
                           "too-large (over the reader's time, memory or text limits: a file bomb, or a text cut "
                           "at its first characters); interrupted (the crawl was stopped while it was read)",
            "text_note": "Why there is no text, in one line", "text_length": "Characters of text",
            "pages": "Pages of a PDF",
            "published": "Publication time of the first article linking it (the year facet)",
            "first_seen": "When the archive first stored this content (UTC)",
        },
        "facets": ["portal", "type", {"year": "published"}],
        "sort_desc": "first_seen",
        "label_column": "title",
        "fts_table": "documents_fts",
        "fts_pk": "rowid",
    },
    "document_bodies": {
        "description": "The bytes of each document, zlib-compressed; download them from the document's page.",
        "columns": {"sha256": "The document (documents.sha256)", "body": "The file's bytes, zlib-compressed"},
        "hidden": True,  # compressed blobs: the document page's download is the way to the file
    },
    "document_captures": {
        "description": "Each distinct file fetched at each URL: a changed file at the same URL is a new version.",
        "columns": {
            "id": "Capture id", "url": "URL fetched", "portal": "Portal key", "sha256": "The content (documents.sha256)",
            "version": "1 for the first content seen at this URL, 2 for the next …", "status": "HTTP status",
            "content_type": "Content-Type as the server sent it", "etag": "ETag, for conditional requests",
            "last_modified": "Last-Modified, for conditional requests", "fetched_at": "First fetched (UTC)",
            "last_fetched_at": "Last fetched or confirmed unchanged (UTC)", "run_id": "Crawl run (crawl_runs.id)",
        },
        "facets": ["portal", "version"],
        "sort_desc": "id",
    },
    "document_links": {
        "description": "Which article links which document URL, with the link's text.",
        "columns": {"article_url": "The article (articles.url)", "url": "The linked document's URL",
                    "title": "The link's text (an image's caption)", "kind": "attachment or image"},
        "facets": ["kind"],
    },
    "documents_fts": {
        "description": "Full-text index of documents: title and text as written and folded (no accents, "
                       "đ → d). Search it from the documents table.",
    },
})

# Counts kept by triggers (archive/summaries.py, archive/row_counts.py) and a merge's place (archive/merge_progress.py).
TABLES.update({
    "article_counts": {
        "description": "Articles per portal, province, month and category, kept up to date by SQLite triggers as "
                       "articles are stored: what the summaries and the articles table's facets read.",
        "columns": {"portal": "Portal key", "province": "Province ('' when the record has none)",
                    "month": "YYYY-MM of the publication time at +07:00 ('' when there is none)",
                    "category": "Section ('' when the record has none)", "articles": "Articles"},
        "facets": ["portal"],
        "sort_desc": "month",
    },
    "merge_progress": {
        "description": "Where a `soyte merge` stopped (killed) in each input: the same merge run again goes on from there.",
        "hidden": True,
    },
    "_counts": {
        "description": "How many rows each big table holds, kept up to date by sqlite-utils' counts triggers as rows "
                       "are stored (archive/row_counts.py): the count a table's page shows, without counting it.",
        "columns": {"table": "The table", "count": "Its rows"},
        "hidden": True,
    },
})

# The articles' images (archive/images.py); their bytes are in document_bodies.
TABLES.update({
    "images": {
        "description": "One row per distinct image the articles show, by SHA-256 of its bytes; the article page "
                       "shows each from the archive with its caption.",
        "columns": {
            "sha256": "SHA-256 of the image's bytes (the key: one row per distinct picture)",
            "url": "URL the picture was first fetched at", "portal": "Portal key of that URL",
            "caption": "The caption it was first shown with", "type": "What the bytes are (read from them, not "
            "from the server): jpeg, png, gif, webp, bmp, tiff, ico, svg",
            "content_type": "The content type the archived copy is served with",
            "width": "Width in pixels (none for an SVG)", "height": "Height in pixels (none for an SVG)",
            "size": "Size of the image in bytes", "stored_size": "Size of the compressed bytes kept in the archive",
            "first_seen": "When the archive first stored this picture (UTC)",
        },
        "facets": ["portal", "type"],
        "sort_desc": "first_seen",
        "label_column": "caption",
    },
    "image_captures": {
        "description": "Each distinct image fetched at each URL: a changed picture at the same URL is a new version.",
        "columns": {
            "id": "Capture id", "url": "URL fetched", "portal": "Portal key", "sha256": "The picture (images.sha256)",
            "version": "1 for the first picture seen at this URL, 2 for the next …", "status": "HTTP status",
            "content_type": "Content-Type as the server sent it",
            "headers": "The response headers as served (JSON), written back into the WARC export",
            "etag": "ETag, for conditional requests", "last_modified": "Last-Modified, for conditional requests",
            "fetched_at": "First fetched (UTC)", "last_fetched_at": "Last fetched or confirmed unchanged (UTC)",
            "run_id": "Crawl run (crawl_runs.id)",
        },
        "facets": ["portal", "version"],
        "sort_desc": "id",
    },
})

QUERIES: dict[str, dict] = {
    "latest_articles": {
        "title": "Latest articles",
        "description": "The 50 most recently published articles.",
        "sql": "select published, province, category, title, author, url from articles\n"
               "order by published desc limit 50",
    },
    "articles_per_province_per_month": {
        "title": "Articles per province per month",
        "description": "How many archived articles each province published each month, newest month first.",
        # From the counts triggers keep as articles are stored (archive.summaries), not every article.
        "sql": "select nullif(province, '') as province, month, sum(articles) as articles from article_counts\n"
               "where month != ''\n"
               "group by province, month order by month desc, province",
    },
    "search": {
        "title": "Search a term",
        "description": "Accent-insensitive: every word must occur in the title, sapo or text; \"quoted words\" "
                       "as that exact phrase; each match with a snippet of where it matched. "
                       "'sot xuat huyet' finds 'sốt xuất huyết', 'Dak Lak' finds 'Đắk Lắk'.",
        # Ordered as `soyte search --limit 100` orders (archive.search.best_matches): up to 6 words,
        # bm25 among the newest 2,000 matches, so a term found in most articles stays fast (ranking
        # every match: 228 ms); more words, or every word common (archive.search.ranked_words), the newest
        # 100 matches (bm25 costs ~3 ms a common word);
        # only the 100 shown are read from `articles`. A term past the bounds (16 words, 1,000
        # characters) gives one row saying so, not SQLite's "user-defined function raised exception".
        # A story (archive.stories) is shown once, at its best-ranked copy, the others' portal and URL in `copies`.
        "sql": "select published, province, title, snippet, url, copies from (\n"
               " select q.*, row_number() over (partition by coalesce(q.story, -q.article) order by q.rank, q.article) as nth,\n"
               "  (select group_concat(c.portal || ': ' || c.url, char(10)) from story_members o join articles c on c.url = o.url\n"
               "   where o.story_id = q.story and o.url != q.url) as copies\n"
               " from (select i.*, (select story_id from story_members where url = i.url) as story from (\n"
               "  select a.published, a.province, a.title,\n"
               "    (select snippet(articles_fts, -1, '«', '»', '…', 24) from articles_fts\n"
               "     where articles_fts match soyte_highlight_query(:term) and rowid = f.rowid) as snippet,\n"
               "    a.url, f.rank, f.rowid as article\n"
               "  from (select rowid, rank from (\n"
               "          select rowid, case when soyte_search_ranked(:term) then rank else -rowid end as rank\n"
               "          from articles_fts where articles_fts match\n"
               "            case when soyte_search_refusal(:term) is null then soyte_fts_query(:term) else '\"\"' end\n"
               "          order by rowid desc limit case when soyte_search_ranked(:term) then 2000 else 100 end)\n"
               "        order by rank, rowid limit 100) f\n"
               "  join articles a on a.rowid = f.rowid\n"
               "  union all\n"
               "  select null, null, soyte_search_refusal(:term), null, null, null, null\n"
               "  where soyte_search_refusal(:term) is not null\n"
               ") i) q\n"
               ") where nth = 1 order by rank, article",
    },
    "crawl_health": {
        "title": "Crawl health per run",
        "description": "Each crawl run, newest first: its status, counts, failures and the portals that raised an alarm.",
        "sql": "select r.id as run, r.started_at, r.finished_at, r.status, r.portals, r.requests,\n"
               "  r.articles_new, r.articles_updated, r.articles_unchanged, r.articles_generic, r.errors, r.warnings,\n"
               "  (select count(*) from failures f where f.run_id = r.id) as failures,\n"
               "  (select group_concat(p.portal || ': ' || p.problem, '; ') from portal_runs p\n"
               "   where p.run_id = r.id and p.problem is not null) as problems,\n"
               "  r.message\n"
               "from crawl_runs r order by r.id desc",
    },
    "extraction_failures": {
        "title": "Extraction failures",
        "description": "Pages that were fetched but gave no record (fetch errors are left out), newest first, "
                       "with the raw page kept for re-extraction.",
        "sql": "select id, at, run_id, portal, kind, status, reason, url, page_id from failures\n"
               f"where kind not like '{fetch_failure('%')}' order by id desc",  # any request's fetch failure
    },
}


# The stories of republished and syndicated copies (archive.datasette.stories).
TABLES.update(STORY_TABLES)
QUERIES.update(STORY_QUERIES)


def metadata(database: str, lang: str = "en") -> dict:
    """Datasette metadata for an archive served under the name `database`, in `lang` (archive.datasette.language)."""
    title, description, tables, queries = translated(TITLE, DESCRIPTION, reader_first(TABLES),
                                                     {**QUERIES, **FEED_QUERIES}, lang)
    return {
        "title": title,
        "description": description,
        "databases": {
            database: {
                "title": title,
                "description": description,
                "tables": tables,
                "queries": {name: {**query, "hide_sql": True} for name, query in queries.items()},
            },
        },
        "plugins": {"soyte": {"lang": lang}},
    }


# What a reader opens; every other table is for engineers: hidden from the archive's page (each still
# opens at its address, and "hidden tables" lists them), its SQL too (canned queries' "show").
READER_TABLES = ("articles", "documents")


def reader_first(tables: dict[str, dict]) -> dict[str, dict]:
    """The tables' metadata with every table but READER_TABLES hidden."""
    return {name: {**table, "hidden": True} if name not in READER_TABLES else table for name, table in tables.items()}

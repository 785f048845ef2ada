"""soyte's Datasette plugin for attached documents: the document page's data, the download of the
stored bytes, titles that open the document page, and the article page's links to stored copies.

Downloads are always `attachment` with `nosniff` and a sandboxing CSP: a stored "document" may be
an HTML page, and it must never run as a page of the archive's own site.
"""
from __future__ import annotations

import zlib
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils import tilde_encode, urlsafe_components
from datasette.utils.asgi import Response
from markupsafe import Markup

from archive.documents import file_name

DOWNLOAD = r"^/(?P<database>[^/]+)/documents/(?P<sha256>[0-9a-f]{64})/download$"


def download_path(database: str, sha256: str) -> str:
    return f"/{database}/documents/{sha256}/download"


def content_disposition(name: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name (Vietnamese file names are common)."""
    # A control character (CR, LF from a URL's %0d%0a, kept by archives made before such links were
    # refused) would split the header and break the download: the fallback names it "_".
    fallback = "".join(c if c.isprintable() else "_" for c in name)
    fallback = fallback.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


async def download(datasette, request) -> Response:
    database, digest = request.url_vars["database"], request.url_vars["sha256"]
    if database not in datasette.databases:
        return Response.text("no such database", status=404)
    result = await datasette.get_database(database).execute(
        "select d.url, d.content_type, b.body from documents d join document_bodies b on b.sha256 = d.sha256 "
        "where d.sha256 = ?", [digest])
    row = result.first()
    if row is None:
        return Response.text("no stored document with that SHA-256", status=404)
    return Response(zlib.decompress(row["body"]), content_type=row["content_type"], headers={
        "Content-Disposition": content_disposition(file_name(row["url"]) or digest),
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})


@hookimpl
def register_routes():
    return [(DOWNLOAD, download)]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """A document's title in the documents table opens its page."""
    if table != "documents" or column != "title" or not isinstance(value, str):
        return None
    try:
        digest = row["sha256"]
    except (IndexError, KeyError):
        return None
    return Markup('<a href="{}">{}</a>').format(datasette.urls.row(database, "documents", digest), value)


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """The document page's articles, captures and download link; the article page's stored copies."""
    if view_name != "row" or table not in ("documents", "articles") or request is None:
        return {}

    async def document_vars() -> dict:
        db = datasette.get_database(database)
        if "document_links" not in await db.table_names():
            return {}
        (key,) = urlsafe_components(request.url_vars["pks"])
        if table == "articles":
            found = await db.execute(
                "select l.url, (select c.sha256 from document_captures c where c.url = l.url and c.status = 200 "
                "order by c.id desc limit 1) as sha256 from document_links l where l.article_url = ?", [key])
            return {"stored_copies": {row["url"]: row["sha256"] for row in found.rows if row["sha256"]}}
        articles = await db.execute(
            "select distinct a.url, a.title, a.published from document_captures c join document_links l "
            "on l.url = c.url join articles a on a.url = l.article_url where c.sha256 = ? "
            "order by a.published desc, a.url", [key])
        captures = await db.execute("select url, version, status, fetched_at, last_fetched_at from "
                                    "document_captures where sha256 = ? order by id", [key])
        linking = [{**dict(r), "path": datasette.urls.row(database, "articles", tilde_encode(r["url"]))}
                   for r in articles.rows]
        return {"linking_articles": linking, "captures": [dict(r) for r in captures.rows],
                "download_url": download_path(database, key)}

    return document_vars

"""soyte's Datasette plugin for articles' images: the archived bytes served from the archive, and
the article page's figures (each archived image shown with its caption, the portal's link beside it).

An image is served inline (it is shown in the page), under its SHA-256, so its bytes never change:
cached for good. `nosniff` and a sandboxing CSP keep a stored SVG (or anything a portal served as an
image) from running as a page of the archive's own site when opened on its own.
"""
from __future__ import annotations

import zlib

from datasette import hookimpl
from datasette.utils import urlsafe_components
from datasette.utils.asgi import Response

from archive.datasette.plugin import json_list
from archive.images import article_images, has_image_tables

IMAGE = r"^/(?P<database>[^/]+)/images/(?P<sha256>[0-9a-f]{64})$"


def image_path(database: str, sha256: str) -> str:
    return f"/{database}/images/{sha256}"


async def serve_image(datasette, request) -> Response:
    database, digest = request.url_vars["database"], request.url_vars["sha256"]
    if database not in datasette.databases:
        return Response.text("no such database", status=404)
    db = datasette.get_database(database)
    if "images" not in await db.table_names():
        return Response.text("this archive holds no images", status=404)
    result = await db.execute("select i.content_type, b.body from images i join document_bodies b "
                              "on b.sha256 = i.sha256 where i.sha256 = ?", [digest])
    row = result.first()
    if row is None:
        return Response.text("no stored image with that SHA-256", status=404)
    return Response(zlib.decompress(row["body"]), content_type=row["content_type"], headers={
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
        "Cache-Control": "public, max-age=31536000, immutable"})


@hookimpl
def register_routes():
    return [(IMAGE, serve_image)]


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """The article page's archived images: image URL → {src, width, height} for those the archive holds."""
    if view_name != "row" or table != "articles" or request is None:
        return {}

    async def image_vars() -> dict:
        db = datasette.get_database(database)
        (url,) = urlsafe_components(request.url_vars["pks"])
        found = await db.execute("select images from articles where url = ?", [url])
        row = found.first()
        urls = [image.get("url") for image in json_list(row["images"] if row else None)
                if isinstance(image, dict) and isinstance(image.get("url"), str)]
        stored = await db.execute_fn(lambda conn: article_images(conn, urls) if has_image_tables(conn) else {})
        return {"archived_images": {image_url: {**facts, "src": image_path(database, facts["sha256"])}
                                    for image_url, facts in stored.items()}}

    return image_vars

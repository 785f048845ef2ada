"""What an image file is, from its bytes alone: its format and its size in pixels.

Pure bytes in, facts out (no Scrapy, no SQLite), so the image pipeline, the WARC import and the
tests read an image the same way. A portal's Content-Type is not believed: an upload folder that
answers a missing photo with its home page (200, text/html), or a CDN that serves every file as
`application/octet-stream`, is told apart by the bytes. Pillow reads the header only
(`Image.open` decodes no pixels), so a huge or hostile picture costs nothing here; SVG, which
Pillow does not read, is recognised by its root element.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

# Pillow's format names as the archive's `images.type` and the media type a browser is sent.
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
               "bmp": "image/bmp", "tiff": "image/tiff", "ico": "image/x-icon", "svg": "image/svg+xml"}
SVG_ROOT = re.compile(rb"<svg[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class ImageFile:
    """An image's format (`jpeg`, `png` … `svg`), its media type and its size in pixels (None for an SVG)."""

    kind: str
    media_type: str
    width: int | None = None
    height: int | None = None


def read_image(body: bytes) -> ImageFile | None:
    """The image these bytes are, or None when they are not one of MEDIA_TYPES' formats (a web
    page, a PDF, an empty or truncated body that Pillow cannot even read the header of)."""
    if not body:
        return None
    if _is_svg(body):
        return ImageFile("svg", MEDIA_TYPES["svg"])
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: nothing is decoded here
            with Image.open(io.BytesIO(body)) as image:
                kind = (image.format or "").lower()
                width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    if kind not in MEDIA_TYPES:
        return None
    return ImageFile(kind, MEDIA_TYPES[kind], width, height)


def _is_svg(body: bytes) -> bool:
    """An SVG document: XML (or a bare root) whose first element is <svg>, within its first 2 KB."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    first = re.sub(rb"<\?xml.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.DOTALL).lstrip()
    return bool(SVG_ROOT.match(first))

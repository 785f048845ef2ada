"""Reading a registered portal's pages: the layout the registry names for it, the article key its
URLs stand for, and the extraction of its pages with that layout.

Extraction (scraper.extraction.extract) knows no registry: it is handed a layout and the portal's
key and province. Here a registry `Portal` becomes those, for `soyte extract`, `reextract`,
`import-warc`, the expected records of a captured portal and the crawl pipeline's keys. (The
spider hands extraction the layout its class was made with: spiders/portal.py.)
"""
from __future__ import annotations

from functools import partial
from typing import Callable

from scraper.extraction.extract import Extraction, extract_page, refuse_truncated
from scraper.extraction.layouts import Layout, LayoutError, load_layout
from scraper.extraction.pages import ExtractionError
from scraper.extraction.urls import DROP_PARAMS, article_key
from scraper.model import FailureKind
from scraper.portals.registry import Portal, get_portal, portal_for_url


class UnreadableLayout(ExtractionError):
    """The portal's layout file does not load: its pages fail (recorded, kept for reextract), and the
    generic extractor is not asked, so that a broken file never replaces layout-made records."""

    kind = FailureKind.LAYOUT


def layout_of(portal: Portal) -> Layout:
    """The layout file the registry names for this portal; UnreadableLayout when it does not load."""
    try:
        return load_layout(portal.layout)
    except LayoutError as error:
        raise UnreadableLayout(f"{portal.key}: its layout does not load: {error}") from None


def _loadable_layout(portal: Portal | None) -> Layout | None:
    """The portal's layout when it names one whose file loads, else None: what keys its URLs and
    reads its pages generically (a page failing on its layout still needs a key)."""
    if portal is None or not portal.layout:
        return None
    try:
        return layout_of(portal)
    except ExtractionError:
        return None


def page_key(url: str, portal: Portal | None) -> str:
    """The article key a page fetched at `url` stands for: scraper.extraction.urls.article_key with the
    parameters the portal's layout drops (the default ones when it has no layout that loads)."""
    layout = _loadable_layout(portal)
    return article_key(url, layout.drop_params if layout else DROP_PARAMS)


def key_rule(portal: Portal | None) -> Callable[[str], str]:
    """page_key for one portal, as archive.keys.reclaim_key takes it."""
    return partial(page_key, portal=portal)


def resolve_portal(url: str, portal_key: str | None = None) -> Portal | None:
    """The portal named, or the registered portal (planned ones too) whose host serves `url`."""
    return get_portal(portal_key) if portal_key else portal_for_url(url)


def extract_portal_page(body: bytes, url: str, portal: Portal | None, content_type: str | None = None,
                        method: str = "auto") -> Extraction:
    """scraper.extraction.extract.extract_page for a page of a registered portal (None: no portal
    serves it), read with the layout the registry names.

    A truncated page raises TruncatedPage before the layout file is loaded; a layout file that does
    not load raises UnreadableLayout, unless `method="generic"` (then the page is keyed with the
    default parameters). A generic reading records the registry's name for the layout.
    """
    refuse_truncated(body, url)
    key, province = (portal.key, portal.province) if portal else (None, None)
    named = portal.layout if portal else None
    if method == "generic":
        layout = _loadable_layout(portal)
    else:
        layout = layout_of(portal) if portal and portal.layout else None
    return extract_page(body, url, layout, key, province, content_type, method=method, layout_name=named)

"""Scrapy's spider loader, read from the registry: one spider per portal that has a layout.

Every portal is walked by the same `PortalSpider`; Scrapy still sees one spider per portal
(`scrapy list` names each, `scrapy crawl bacninh` works) because this loader makes, for each active
or planned portal whose layout file loads, a subclass named by the portal key; under `scrapy
check` its callbacks carry the contracts of its reference pages (scraper.crawl.contracts.contract_docs).
Classes are made when asked for, so a crawl of one portal reads one layout and no reference page.
"""
from __future__ import annotations

import os
from typing import Any, Callable

from scrapy import Request

from spiders.contracts import contract_docs
from scraper.extraction.layouts import load_layout
from scraper.extraction.pages import page_classes
from scraper.portals.registry import crawlable, layout_problem, load_portals, spider_portals
from spiders.portal import PortalSpider


def _with_doc(callback: Callable[..., Any], doc: str) -> Callable[..., Any]:
    """The callback restated with its own docstring: Scrapy reads contracts from `__doc__`."""
    def restated(self: PortalSpider, response: Any, **kwargs: Any) -> Any:
        return callback(self, response, **kwargs)
    restated.__name__ = restated.__qualname__ = callback.__name__
    restated.__doc__ = doc
    return restated


class PortalSpiderLoader:
    """SPIDER_LOADER_CLASS (scraper/settings.py): spiders are portals, not modules."""

    def __init__(self) -> None:
        self._classes: dict[str, type[PortalSpider]] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> "PortalSpiderLoader":
        return cls()

    def list(self) -> list[str]:
        return [portal.key for portal in spider_portals()]

    def load(self, spider_name: str) -> type[PortalSpider]:
        if spider_name not in self._classes:
            portal = load_portals().get(spider_name)
            if portal is None or not crawlable(portal):
                problem = layout_problem(portal) if portal is not None and portal.status != "retired" else None
                raise KeyError(f"Spider not found: {spider_name}" + (f" ({problem})" if problem else ""))
            callbacks = {}
            if os.environ.get("SCRAPY_CHECK") == "true":  # set by `scrapy check` around its loads
                listing_page = page_classes(load_layout(portal.layout))[1]
                callbacks = {name: _with_doc(getattr(PortalSpider, name), doc)
                             for name, doc in contract_docs(portal, listing_page).items()}
            self._classes[spider_name] = PortalSpider.for_portal(portal, callbacks)
        return self._classes[spider_name]

    def find_by_request(self, request: Request) -> list[str]:
        return [name for name in self.list() if self.load(name).handles_request(request)]

"""One portal's listing walk in one crawl run, and the bounds that stop it.

Pagination that never ends (page N links page N+1) made 16,538 requests in two minutes, and empty
listing pages that still link a next page 7,435 in one; the next run started the walk again. So a
walk is bounded by the portal's registry entry (scraper.portals.registry.LISTING_BOUNDS): it asks for at
most `max_listing_pages` listing pages a run, and follows no next page after
`max_empty_listing_pages` pages in a row that added no article link not yet known. The first bound
reached stops that branch of the walk, and the deepest stop of the run is kept (`WalkStop`): the
archive stores where the next run goes on from (`listing_resume`), and that run asks for it after
its start pages, so a deep archive is walked across runs instead of from page 1 every time.

Pages are numbered along the walk: a start page is 1, a next page one more than the page linking
it, a page gone on from keeps the number it had when the walk stopped. Plain Python: the spider
(spiders/portal.py) asks, the archive pipeline records.
"""
from __future__ import annotations

from dataclasses import dataclass

from w3lib.url import canonicalize_url


@dataclass(frozen=True)
class WalkPoint:
    """A listing page a walk goes on from, with its number along the walk."""

    url: str
    page: int


@dataclass(frozen=True)
class WalkStop:
    """Where a bound stopped the walk: after page `page`, for `reason`; `next` is not asked this run."""

    page: int
    reason: str
    next: WalkPoint

    @property
    def line(self) -> str:
        """What portal_runs.listing_stop says, and the terminal after the portal's tally."""
        return f"listing walk stopped at page {self.page}: {self.reason}"


class ListingWalk:
    """The listing pages one portal's walk asked for in this run, and where a bound stopped it."""

    def __init__(self, max_pages: int, max_empty: int, carried: WalkPoint | None = None):
        self.max_pages = max_pages
        self.max_empty = max_empty
        self.asked: set[str] = set()          # listing URLs asked this run (canonical form), at most max_pages + 1
        self.stop: WalkStop | None = None      # the deepest stop of this run
        # Where an earlier run stopped, until this run has walked on from it: if its page cannot be
        # fetched now (a 503), a shallower stop of this run must not take its place.
        self.carried = carried
        self.carried_gone = False              # its page answered a final error: nothing to go on from

    def _ask(self, url: str) -> bool:
        key = canonicalize_url(url)
        if key in self.asked:
            return False
        self.asked.add(key)
        return True

    def start_pages(self, urls: list[str] | tuple[str, ...]) -> list[str]:
        """The start pages, always asked (once each): they hold the new articles."""
        return [url for url in urls if self._ask(url)]

    def walk_on(self) -> WalkPoint | None:
        """The page an earlier run stopped at, always asked too, after the start pages."""
        return self.carried if self.carried and self._ask(self.carried.url) else None

    def walked_on(self) -> None:
        """The carried page was fetched: from now on this run's own stops say where the next goes on."""
        self.carried = None

    def carried_lost(self) -> None:
        """The carried page answered a final error (a 404): the walk cannot go on from there."""
        self.carried, self.carried_gone = None, True

    def next_pages(self, page: int, empty_before: int, adds_new: bool, urls: list[str]) -> tuple[list[str], int]:
        """The next pages of listing page number `page` to ask for, and how many pages in a row,
        this one included, added no new article (`empty_before`: the pages before it on its way).

        Pages asked already this run are left out (they are walked once). A bound refuses the rest
        and records the stop; the run keeps its deepest one.
        """
        empty = 0 if adds_new else empty_before + 1
        fresh = [url for url in dict.fromkeys(urls) if canonicalize_url(url) not in self.asked]
        if not fresh:
            return [], empty
        if empty >= self.max_empty:
            self._stopped(WalkStop(page, f"{empty} listing pages in a row without a new article",
                                   WalkPoint(fresh[0], page + 1)))
            return [], empty
        admitted = []
        for url in fresh:
            if len(self.asked) >= self.max_pages:
                self._stopped(WalkStop(page, f"reached max_listing_pages {self.max_pages}", WalkPoint(url, page + 1)))
                break
            self._ask(url)
            admitted.append(url)
        return admitted, empty

    def _stopped(self, stop: WalkStop) -> None:
        if self.stop is None or stop.page > self.stop.page:
            self.stop = stop

    def resume_point(self) -> WalkPoint | None:
        """Where the next run goes on from: this run's deepest stop, or the carried page when this
        run could not walk on from it and stopped no deeper; None when nothing is left to go on from."""
        points = [point for point in (self.stop.next if self.stop else None, self.carried) if point]
        return max(points, key=lambda point: point.page) if points else None

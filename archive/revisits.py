"""When an archived article is checked again: revisits spread evenly, old news checked rarely.

A crawl revisits an archived article with a conditional request (archive/frontier.py). Checking
every article older than SOYTE_REVISIT_DAYS at once made a rerun a month later re-send almost the
whole first crawl. Here each article has
- an interval that grows with its age: a quarter of the time since publication, at least the
  revisit age (SOYTE_REVISIT_DAYS), at most a year (recent news gets corrected; an article of
  three years ago rarely changes);
- a revisit clock that ticks once per interval since publication, shifted by a phase fixed by
  its URL: the article is due once its clock passed a whole number since its last visit.
So every article is checked at least once per interval, and the articles archived on one day fall
due on different days, spread evenly over their interval.
"""
from __future__ import annotations

import math
import zlib
from datetime import datetime, timedelta, timezone

MAX_REVISIT = timedelta(days=365)  # the longest an archived article goes unchecked


def parse_time(value: str | None) -> datetime | None:
    """An archive timestamp as an aware datetime (a date alone, or a naive time, taken as UTC)."""
    try:
        when = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return when.replace(tzinfo=timezone.utc) if when is not None and when.tzinfo is None else when


def revisit_interval(published: datetime | None, revisit_after: timedelta, now: datetime) -> timedelta:
    """A quarter of the article's age, at least `revisit_after`, at most a year (or `revisit_after`)."""
    age = now - published if published is not None else timedelta(0)
    return min(max(age / 4, revisit_after), max(MAX_REVISIT, revisit_after))


def phase(url: str) -> float:
    """A fraction in [0, 1) fixed for a URL (crc32: the same in every process, unlike hash())."""
    return zlib.crc32(url.encode("utf-8")) / 2**32


def revisit_clock(age: timedelta, revisit_after: timedelta) -> float:
    """How many revisit intervals have passed over an article's first `age`: the integral of
    1 / revisit_interval. It ticks once per interval however the interval grows with age, so an
    article is due whenever its clock (plus its phase) passes a whole number."""
    days, least = max(age / timedelta(days=1), 0.0), revisit_after / timedelta(days=1)
    young, old = 4 * least, 4 * max(MAX_REVISIT / timedelta(days=1), least)  # where age / 4 leaves the bounds
    if days <= young or young >= old:
        return days / least
    if days <= old:
        return young / least + 4 * math.log(days / young)
    return young / least + 4 * math.log(old / young) + (days - old) / (old / 4)


def is_due(url: str, last_seen: datetime | None, published: datetime | None, revisit_after: timedelta,
           now: datetime) -> bool:
    """Whether a crawl at `now` revisits this article, last seen at `last_seen` (revisit age 0: always).

    Due when the article's revisit clock, counted from its publication (else from `last_seen`) and
    shifted by its phase, passed a whole number since its last visit.
    """
    if last_seen is None or revisit_after <= timedelta(0):
        return True
    born, shift = published or last_seen, phase(url)
    return (math.floor(revisit_clock(now - born, revisit_after) + shift)
            > math.floor(revisit_clock(last_seen - born, revisit_after) + shift))

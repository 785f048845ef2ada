"""Vietnamese publication dates and times, parsed into ISO 8601 at +07:00.

Portals print day-first dates ('31/07/2017 15:55', '02:12 13/03/2020'); some put a
machine-readable time in the page head. An unparseable or impossible date is None plus a
warning, never a guess.
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta, timezone

logger = logging.getLogger("scraper.dates")  # the name its log lines have always shown

VIETNAM = timezone(timedelta(hours=7))

_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})(?!\d)")
_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*[:hH]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?!\d)")
# 12-hour clocks: SharePoint and ASP.NET portals print "8:05 SA" (sáng, morning) and "2:15 CH"
# (chiều, afternoon), others "02:57:13 PM".
_MERIDIEM = re.compile(r"\s*(SA|CH|AM|PM|A\.M\.|P\.M\.)(?![^\W\d_])", re.IGNORECASE)
_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def iso_from_head(value: str | None) -> str | None:
    """A head timestamp (article:published_time, <time datetime>) as ISO 8601 at +07:00.

    A naive timestamp is taken to be Vietnam time; one with another offset is converted.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=VIETNAM)
        return moment.astimezone(VIETNAM).isoformat(timespec="seconds")
    except (ValueError, OverflowError):  # OverflowError: year 9999 at -05:00 is past datetime's range
        logger.warning("unparseable head timestamp %r", value)
        return None


def twenty_four_hour(hour: int, meridiem: re.Match | None) -> int:
    """The hour on a 24-hour clock; 'CH'/'PM' after 1–11 adds 12, 'SA'/'AM' makes 12 midnight."""
    if meridiem is None:
        return hour
    afternoon = meridiem[1].upper().replace(".", "") in ("CH", "PM")
    if hour > 12:
        raise ValueError(f"{hour} is not a 12-hour clock's hour")
    return (hour % 12) + (12 if afternoon else 0)


def parse_vietnamese_datetime(text: str | None) -> str | None:
    """Day-first date with optional time, in either order, as precisely as the text allows.

    '31/07/2017 15:55' and '15:55 31/07/2017' give '2017-07-31T15:55:00+07:00'; a date alone
    gives '2017-07-31'; a year-month ('2023-12') gives '2023-12'. Two-digit years and impossible
    dates give None with a warning.
    """
    if not text:
        return None
    iso_date = _ISO_DATE.match(text)
    if iso_date:
        try:
            return date(int(iso_date[1]), int(iso_date[2]), int(iso_date[3])).isoformat()
        except ValueError:
            logger.warning("impossible date in %r", text)
            return None
    year_month = _YEAR_MONTH.match(text)
    if year_month:
        year, month = int(year_month[1]), int(year_month[2])
        if 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
        logger.warning("impossible month in %r", text)
        return None
    found = _DATE.search(text)
    if not found:
        logger.warning("no date in %r", text)
        return None
    day, month, year_text = int(found[1]), int(found[2]), found[3]
    if len(year_text) != 4:
        logger.warning("ambiguous year in %r: not guessing the century", text)
        return None
    try:
        day_value = date(int(year_text), month, day)
    except ValueError:
        logger.warning("impossible date in %r", text)
        return None
    rest = text[: found.start()] + " " + text[found.end():]
    clock = _TIME.search(rest)
    if not clock:
        return day_value.isoformat()
    try:
        moment = time(twenty_four_hour(int(clock[1]), _MERIDIEM.match(rest, clock.end())), int(clock[2]),
                      int(clock[3] or 0))
    except ValueError:
        logger.warning("impossible time in %r", text)
        return day_value.isoformat()
    return datetime.combine(day_value, moment, VIETNAM).isoformat(timespec="seconds")


# 12-hour clocks: Vietnamese SharePoint prints "8:05 SA" (sáng, a.m.) and "2:15 CH" (chiều, p.m.).
_TWELVE_HOUR = re.compile(r"(?<!\d)(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?\s*(SA|CH|AM|PM|A\.M\.|P\.M\.)(?!\w)",
                          re.IGNORECASE)
# Month words: "20 Tháng 6 2022", "ngày 12 tháng 3 năm 2024".
_MONTH_WORDS = re.compile(r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})\s*,?\s+(?:năm\s+)?(\d{4})(?!\d)", re.IGNORECASE)
_ANY_DATE = re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}(?!\d)|(?<!\d)\d{1,2}\s+tháng\s+\d{1,2}"
                       r"\s*,?\s+(?:năm\s+)?\d{4}(?!\d)|(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?", re.IGNORECASE)


def to_24_hour(text: str) -> str:
    """'8:05 SA' -> '08:05', '2:15 CH' -> '14:15', '02:57:13 PM' -> '14:57:13'; other text unchanged."""
    def convert(match: re.Match[str]) -> str:
        hour, minute, second, marker = int(match[1]), match[2], match[3], match[4].upper().replace(".", "")
        if hour > 12:
            return match[0]
        if marker in ("SA", "AM"):
            hour = 0 if hour == 12 else hour
        elif hour != 12:
            hour += 12
        return f"{hour:02d}:{minute}" + (f":{second}" if second else "")
    return _TWELVE_HOUR.sub(convert, text)


def has_date(text: str | None) -> bool:
    """True when the text holds a full day-first date, a 'ngày … tháng … năm' date or an ISO date."""
    return bool(text and _ANY_DATE.search(text))


def parse_date_words(text: str | None) -> str | None:
    """`parse_vietnamese_datetime`, also reading 12-hour times and month words.

    'Thứ hai, 20 Tháng 6 2022 09:14' gives '2022-06-20T09:14:00+07:00'; '03/07/2024 8:05 SA' gives
    '2024-07-03T08:05:00+07:00'; an ISO timestamp ('2024-01-19T10:42') is read as Vietnam time.
    """
    if not text:
        return None
    text = _MONTH_WORDS.sub(lambda m: f"{m[1]}/{m[2]}/{m[3]}", to_24_hour(text))
    iso = re.search(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)([+-]\d{2}:?\d{2}|Z)?)?", text)
    if iso and not _DATE.search(text):
        return iso_from_head(iso[0].replace(" ", "T")) if iso[2] else parse_vietnamese_datetime(iso[1])
    return parse_vietnamese_datetime(text)

"""The archive's pages in English or Vietnamese: what `soyte serve --lang` chooses, and the words.

The words are data, one JSON file a language in lang/: `ui` (the labels of soyte's own pages),
and for Vietnamese the metadata's title, description, table and column descriptions and canned
query titles, laid over the English of metadata.py (what vi.json does not name stays English:
the engineers' tables). Datasette's own controls (Apply, Next page, facets) have no translation
and stay English. Times are written for people in Vietnam, at +07:00: "12 June 2018, 10:05
(UTC+07:00)" in English, "10:05, 12/06/2018" in Vietnamese.
"""
from __future__ import annotations

import copy
import json
import os
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Mapping

from scraper.extraction.dates import VIETNAM

LANGUAGES = ("en", "vi")
FOLDER = Path(__file__).parent / "lang"


@cache
def words(lang: str) -> dict:
    """The words of `lang` (lang/<lang>.json), English where it has none."""
    english = json.loads((FOLDER / "en.json").read_text(encoding="utf-8"))
    if lang == "en":
        return english
    own = json.loads((FOLDER / f"{lang}.json").read_text(encoding="utf-8"))
    return {**english, **own, "ui": {**english["ui"], **own.get("ui", {})}}


def locale_language(environ: Mapping[str, str] = os.environ) -> str:
    """The language the user's locale asks for, as POSIX looks it up (LC_ALL, then LC_MESSAGES,
    then LANG): "vi" for vi_VN.UTF-8 and the like, else "en"."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def translated(title: str, description: str, tables: dict, queries: dict, lang: str) -> tuple[str, str, dict, dict]:
    """The metadata's title, description, tables and queries in `lang`: its words laid over the
    English ones, which stay where it has none."""
    own = words(lang)
    tables, queries = copy.deepcopy(tables), copy.deepcopy(queries)
    for name, table in own.get("tables", {}).items():
        if name in tables:
            tables[name]["description"] = table.get("description", tables[name].get("description"))
            tables[name].setdefault("columns", {}).update(table.get("columns", {}))
    for name, query in own.get("queries", {}).items():
        if name in queries:
            queries[name].update(query)
    return own.get("title", title), own.get("description", description), tables, queries


def readable_time(value: str | None, lang: str = "en") -> str:
    """An ISO 8601 time as a person reads it, at +07:00: '2018-06-12T10:05:00+07:00' is '12 June
    2018, 10:05 (UTC+07:00)' in English and '10:05, 12/06/2018' in Vietnamese; a time in UTC (when
    the archive stored something) is moved to +07:00 first; a date alone stays a date."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None and moment.utcoffset() != VIETNAM.utcoffset(None):
        moment = moment.astimezone(VIETNAM)
    if lang == "vi":
        day = f"{moment:%d/%m/%Y}"
        return f"{moment:%H:%M}, {day}" if "T" in value else day
    day = f"{moment.day} {words('en')['months'][moment.month - 1]} {moment.year}"
    if "T" not in value:
        return day
    offset = moment.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return f"{day}, {moment:%H:%M}{zone}"

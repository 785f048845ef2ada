"""Values in a page's JSON-LD, for a layout's `::json(key.path)` selectors.

A layout selector may end in `::json(datePublished)` (or a dotted path, `author.name`) after a
selector of `<script type="application/ld+json">` elements: its values are those the key path
leads to in each script's JSON, read from the top object, each item of a top-level list, and
each item of an `@graph` list (Yoast's and most CMS plugins' form), in document order. A script
that is not JSON gives nothing. Only strings and numbers are values (a time, a name, a count).
"""
from __future__ import annotations

import json
import re

# 'script[type="application/ld+json"]::json(datePublished)' → ('script[…]', 'datePublished')
JSON_SELECTOR = re.compile(r"^(?P<css>.+?)::json\((?P<path>[A-Za-z@][\w@]*(?:\.[A-Za-z@][\w@]*)*)\)$")
JSON_LD_SCRIPT = 'script[type="application/ld+json"]'


def split_json_selector(css: str) -> tuple[str, str] | None:
    """(element selector, key path) of a `::json()` selector, or None for any other selector."""
    if "::json(" not in css:
        return None
    match = JSON_SELECTOR.match(css.strip())
    return (match["css"], match["path"]) if match else None


def json_selector_problem(css: str) -> str | None:
    """Why a selector naming `::json(` is not one a layout can use, or None."""
    if "::json(" in css and split_json_selector(css) is None:
        return (f"{css!r}: ::json() takes a key path of names joined by dots, at the end of the selector "
                f"(e.g. {JSON_LD_SCRIPT}::json(datePublished))")
    return None


def ld_objects(data: object) -> list[dict]:
    """Every object of one script's parsed JSON-LD, breadth first: the top level (an object or a
    list, lists within lists too), then the members of each `@graph`. The one reading of JSON-LD's
    shape, for `::json()` selectors and the generic extractor (scraper/extraction/generic/meta.py)."""
    objects: list[dict] = []
    stack = data if isinstance(data, list) else [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            objects.append(item)
            stack.extend(item.get("@graph") or [])
        elif isinstance(item, list):
            stack.extend(item)
    return objects


def parsed(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def values_at(text: str, path: str) -> list[str]:
    """The strings (and numbers, as text) the key path leads to in one script's JSON."""
    found: list[str] = []
    for root in ld_objects(parsed(text)):
        value: object = root
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found.append(str(value))
    return found


def key_paths(text: str, depth: int = 2) -> list[tuple[str, str]]:
    """(key path, value) of every string value in one script's JSON, to `depth` nested objects:
    what `soyte learn` tries as `::json()` candidates."""
    out: list[tuple[str, str]] = []

    def walk(node: dict, prefix: str, level: int) -> None:
        for key, value in node.items():
            if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z@][\w@]*", key):
                continue
            path = f"{prefix}{key}"
            if isinstance(value, str):
                out.append((path, value))
            elif isinstance(value, dict) and level < depth:
                walk(value, path + ".", level + 1)
    for root in ld_objects(parsed(text)):
        walk(root, "", 0)
    return out

"""Layouts as data: one TOML file per CMS family or theme, in spiders/layouts/.

A layout file holds what a spider needs to read a portal: for article pages, the selectors of
each field of the record (CSS, most specific first), what to drop inside the body, and the
reading options data can say (where captions live, which last-line words credit a source); for
listing pages, the container, the article links and the next pages; and the URL parameters that
listings add to article links. `soyte learn` writes these files from annotated pages; people
can read and correct them. Code appears only where data cannot say it: a layout may name a
hooks module whose `fix_record(record, page)` runs after extraction.

A selector may end in `::attr(name)` (an attribute), `::text`, or `::json(key.path)`: after a
selector of JSON-LD scripts, the value the dotted key path leads to in their JSON
(scraper/extraction/jsonld.py), e.g. a time with seconds that only the JSON-LD gives:
`published_head = ['script[type="application/ld+json"]::json(datePublished)']`.

Where no class or id names an element (old table layouts), a selector is a structural path:
tags with the attributes the template gives them and positions among siblings
(`td[width="600"] > table > tr:nth-of-type(3) > td`). Where a field shares its cell with others
behind label words ("Ngày cập nhật: 25/09/2023 | Số lần đọc: 2954"), `[article.labels]` names,
per field (`published_text`, `category`, `author`, `source`, `views`), the label words its value
follows: `views = ["Số lần đọc"]` reads the text after "Số lần đọc:" in the cell the field's
selectors find, up to the next separator, label or the end of the cell (scraper/extraction/labels.py).

A category selector may end in `::last-crumb`: in the element it names, the text after the last
separator (», ›, >, → or an image) of a breadcrumb linking at least one crumb, its unlinked last
crumb (Mambo's `span.pathway::last-crumb`; scraper/extraction/crumbs.py).

`[article] images` names elements outside the body that hold the article's images (Drupal's
lead image, `div.field-name-field-image`, before `div.field-name-body`): each one's <img>, with
its caption (a figcaption or caption table, else the holder's own text when it holds one image),
joins the body's images in page order, each URL once (scraper/extraction/body.py, merged_images).

Loading a layout needs neither Scrapy nor SQLite: extraction stays a pure (html, url) → record.
"""
from __future__ import annotations

import importlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from scraper.extraction.jsonld import json_selector_problem
from scraper.extraction.packaged import read_bytes

LAYOUTS_DIR = Path(__file__).resolve().parents[2] / "spiders" / "layouts"
ARTICLE_FIELDS = ("canonical", "title", "published_head", "published_text", "category", "sapo", "body",
                  "author", "source", "views", "images", "attachments")
LISTING_FIELDS = ("container", "articles", "pagination")
# Fields whose value may follow a label word in a cell it shares ([article.labels]).
LABEL_FIELDS = ("category", "published_text", "author", "source", "views")
# A layout's name is its file's name in spiders/layouts/: ASCII lower-case letters and digits in
# dash-joined words (liferay-bacninh), so that no name from the registry, site.json or `--layout`
# reaches outside that folder ("../../x", "/etc/x") or differs from another only in case.
LAYOUT_NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
LAYOUT_NAME_MAX = 64
READING_OPTIONS = {
    "caption_attribute": str,    # an image attribute that holds its caption ("title": Joomla's caption.js)
    "source_prefixes": list,     # words that open a last line crediting the source ("Theo": Cần Thơ)
}


class LayoutError(ValueError):
    """A layout file that cannot be read or says something impossible; the message names the file."""


@dataclass(frozen=True)
class Layout:
    name: str
    description: str = ""
    article: dict[str, list[str]] = field(default_factory=dict)
    listing: dict[str, list[str]] = field(default_factory=dict)
    drop: tuple[str, ...] = ()           # selectors removed inside the body before it is read
    drop_params: tuple[str, ...] = ("redirect",)
    reading: dict[str, Any] = field(default_factory=dict)
    hooks: str | None = None
    labels: dict[str, list[str]] = field(default_factory=dict)  # [article.labels]: field -> label words
    version: str = "1"
    path: Path | None = None

    @property
    def extractor(self) -> str:
        """What the archive records as the extractor of an article: layout name and version."""
        return f"{self.name}/{self.version}"

    def hooks_module(self) -> ModuleType | None:
        return importlib.import_module(self.hooks) if self.hooks else None


def layout_name_problem(name: object) -> str | None:
    """Why `name` cannot name a layout file in spiders/layouts/, or None: the one rule for every
    name a layout is given (the registry, site.json, `soyte learn --layout`)."""
    if isinstance(name, str) and LAYOUT_NAME_PATTERN.match(name) and len(name) <= LAYOUT_NAME_MAX:
        return None
    return (f"{name!r} is not a layout name: ASCII lower-case letters and digits, words joined by dashes, "
            f"at most {LAYOUT_NAME_MAX} characters (e.g. liferay-bacninh)")


def layout_path(name: str, folder: Path = LAYOUTS_DIR) -> Path:
    """The file of layout `name`; LayoutError for a name that would lead outside `folder`."""
    problem = layout_name_problem(name)
    if problem:
        raise LayoutError(problem)
    return Path(folder) / f"{name}.toml"


def parse_layout(data: dict, name: str, path: Path | None = None) -> Layout:
    """A Layout from a layout file's data, checked field by field."""
    where = path or name
    article, listing = data.get("article", {}), data.get("listing", {})
    labels = _parse_labels(article.get("labels", {}), article, where)
    article = {key: value for key, value in article.items() if key != "labels"}
    for section, allowed in (("article", set(ARTICLE_FIELDS) | {"drop", "labels"}), ("listing", set(LISTING_FIELDS))):
        unknown = set(data.get(section, {})) - allowed
        if unknown:
            raise LayoutError(f"{where}: unknown [{section}] keys {sorted(unknown)}; known: {sorted(allowed)}")
    for section in (article, listing):
        for key, value in section.items():
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise LayoutError(f"{where}: {key} must be a list of CSS selectors")
            problem = next(filter(None, map(json_selector_problem, value)), None)
            if problem:
                raise LayoutError(f"{where}: {key}: {problem}")
    reading = data.get("reading", {})
    for key, value in reading.items():
        if key not in READING_OPTIONS or not isinstance(value, READING_OPTIONS[key]):
            raise LayoutError(f"{where}: [reading] {key} = {value!r} is not one of {sorted(READING_OPTIONS)}")
    if not article.get("title") or not article.get("body"):
        raise LayoutError(f"{where}: a layout needs [article] title and body selectors")
    return Layout(
        name=data.get("name", name), description=data.get("description", ""),
        article={k: v for k, v in article.items() if k != "drop"}, listing=dict(listing),
        drop=tuple(article.get("drop", [])), drop_params=tuple(data.get("drop_params", ["redirect"])),
        reading=dict(reading), hooks=data.get("hooks"), version=str(data.get("version", "1")), path=path,
        labels=labels,
    )


def _parse_labels(labels: object, article: dict, where: object) -> dict[str, list[str]]:
    """[article.labels], checked: per field of LABEL_FIELDS that has selectors, a list of label words."""
    if not isinstance(labels, dict):
        raise LayoutError(f"{where}: [article.labels] must be a table of field = [label words]")
    for key, value in labels.items():
        if key not in LABEL_FIELDS:
            raise LayoutError(f"{where}: [article.labels] {key}: not a field read after a label; known: {list(LABEL_FIELDS)}")
        if not (isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)):
            raise LayoutError(f"{where}: [article.labels] {key} must be a list of label words")
        if not article.get(key):
            raise LayoutError(f"{where}: [article.labels] {key} has no [article] {key} selectors to find its cell")
    return {key: list(value) for key, value in labels.items()}


@lru_cache(maxsize=None)
def load_layout(name: str, folder: Path = LAYOUTS_DIR) -> Layout:
    """The layout named `name` (its file spiders/layouts/<name>.toml)."""
    path = layout_path(name, folder)
    try:
        data = tomllib.loads(read_bytes(path, "spiders", "layouts", path.name).decode("utf-8"))
    except FileNotFoundError:
        raise LayoutError(f"no layout file {path}: write one with `soyte learn` or copy one with "
                          "`soyte new-portal KEY --like LAYOUT`") from None
    except tomllib.TOMLDecodeError as error:
        raise LayoutError(f"{path}: not valid TOML: {error}") from None
    return parse_layout(data, name, path)


def layout_names(folder: Path = LAYOUTS_DIR) -> list[str]:
    return sorted(path.stem for path in Path(folder).glob("*.toml"))


def _toml_string(value: str) -> str:
    """A TOML string; a literal '…' one for selectors with double quotes, so they read as written."""
    import json

    if '"' in value and "'" not in value and "\n" not in value:
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)


def _toml_list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(map(_toml_string, values)) + "]"


def dump_layout(layout: Layout) -> str:
    """A layout as TOML text, fields in a fixed order, so re-writing an unchanged layout is no diff."""
    lines = [f"# Layout {layout.name}: {layout.description}".rstrip(": "), ""]
    lines.append(f'name = "{layout.name}"')
    if layout.description:
        lines.append(f"description = {_toml_string(layout.description)}")
    lines.append(f'version = "{layout.version}"')
    lines.append(f"drop_params = {_toml_list(layout.drop_params)}")
    if layout.hooks:
        lines.append(f'hooks = "{layout.hooks}"')
    lines += ["", "[article]"]
    for key in ARTICLE_FIELDS:
        if layout.article.get(key):
            lines.append(f"{key} = {_toml_list(layout.article[key])}")
    if layout.drop:
        lines.append(f"drop = {_toml_list(layout.drop)}")
    if layout.labels:
        lines += ["", "[article.labels]"]
        lines += [f"{key} = {_toml_list(layout.labels[key])}" for key in LABEL_FIELDS if key in layout.labels]
    lines += ["", "[listing]"]
    for key in LISTING_FIELDS:
        if layout.listing.get(key):
            lines.append(f"{key} = {_toml_list(layout.listing[key])}")
    if layout.reading:
        lines += ["", "[reading]"]
        for key in sorted(layout.reading):
            value = layout.reading[key]
            lines.append(f"{key} = {_toml_list(value) if isinstance(value, list) else _toml_string(value)}")
    return "\n".join(lines) + "\n"

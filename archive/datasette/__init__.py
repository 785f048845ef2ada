"""The archive in Datasette: its metadata, the article page template and soyte's plugin.

`soyte serve` is `serve(path, host, port)`; tests build the same Datasette with `make_datasette`.
The archive is served mutable (a crawl may write while people browse) and never written by Datasette;
on read-only storage, where SQLite cannot open it so, immutable (nothing can change it there).
"""
from __future__ import annotations

import copy
from pathlib import Path

from datasette.app import Datasette
from datasette.plugins import pm

from archive.datasette import documents, images, plugin, reading, search_box, stories, table_counts, table_search, ties
from archive.datasette.metadata import metadata

TEMPLATES = Path(__file__).parent / "templates"
SETTINGS = {
    # Tables cut long article texts to 240 characters; the article page shows them whole.
    "truncate_cells_html": 240,
    "default_page_size": 50,
    # Province and category have no index: on a large archive their facets scan every article,
    # which Datasette's default 200 ms would cut off.
    "facet_time_limit_ms": 1000,
    # Datasette suggests facets by trying every column with every kind of facet, up to 50 ms each:
    # at 100,000 articles that was 1.6 s of each table page and 2.6 s of each search from the
    # table's search box (bench/archive.py). The metadata names the facets that matter.
    "suggest_facets": False,
}


def database_name(path: str | Path) -> str:
    """The name Datasette serves a file under: archive.db → archive."""
    return Path(path).stem


def make_datasette(path: str | Path, immutable: bool = False, lang: str = "en") -> Datasette:
    """The archive's Datasette; `immutable` for a file on read-only storage (archive.store.Archive.immutable);
    `lang` the language of its words (archive.datasette.language)."""
    if not pm.is_registered(plugin):
        pm.register(plugin, name="soyte")
    if not pm.is_registered(documents):
        pm.register(documents, name="soyte-documents")
    if not pm.is_registered(images):
        pm.register(images, name="soyte-images")  # the articles' archived images (archive/datasette/images.py)
    if not pm.is_registered(stories):
        pm.register(stories, name="soyte-stories")
    if not pm.is_registered(reading):
        pm.register(reading, name="soyte-reading")
    if not pm.is_registered(search_box):
        pm.register(search_box, name="soyte-search-box")  # the table's search box at scale (search_box.py)
    if not pm.is_registered(table_search):
        pm.register(table_search, name="soyte-table-search")  # ?_search= on the table's JSON and CSV (table_search.py)
    if not pm.is_registered(table_counts):
        pm.register(table_counts, name="soyte-table-counts")  # the database page's counts at scale (table_counts.py)
    if not pm.is_registered(ties):
        pm.register(ties, name="soyte-ties")  # a sorted first page's ties broken by the key (ties.py)
    files = {"immutables": [str(path)]} if immutable else {"files": [str(path)]}
    return Datasette(**files, metadata=copy.deepcopy(metadata(database_name(path), lang)),
                     template_dir=str(TEMPLATES), settings=SETTINGS)


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False,
          lang: str = "en") -> None:
    """Serve the archive until interrupted."""
    import uvicorn

    uvicorn.run(make_datasette(path, immutable, lang).app(), host=host, port=port, log_level="warning", lifespan="on")

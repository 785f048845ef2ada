"""soyte for researchers: an archive's articles as Python records, with no SQL and no JSON to parse.

    import soyte

    with soyte.open_archive("archive.db") as archive:
        for record in archive.records(portal="bacninh", since="2020-01-01", search='"sốt xuất huyết"'):
            print(record["published"], record["title"], len(record["images"]))
        frame = archive.to_pandas(province="Hà Tĩnh")   # needs pandas: pip install 'soyte[pandas]'

A record is the one `soyte export` writes (scraper/demo_portals/LAYOUTS.md): url, portal, province,
title, published (ISO 8601 at +07:00), category, sapo, text, author, source, views, and `images`
and `attachments` as lists of dicts. The archive is opened read-only: nothing here writes to it.
docs/PYTHON.md says more.
"""
from __future__ import annotations

from soyte.corpus import Corpus, open_archive

__all__ = ["Corpus", "open_archive"]

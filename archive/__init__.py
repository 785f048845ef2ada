"""The SQLite archive: schema, writes, search and exports. Knows nothing of Scrapy."""
from archive.store import Archive

__all__ = ["Archive"]

"""Raw pages stored compactly: zstd with a dictionary trained per portal host, kept in the archive.

Three quarters of a portal page is chrome repeated on every page (head, scripts, menus, side
portlets, footer). zlib compresses each page alone and cannot reference that chrome across pages
(it stores ~35 % of the raw size); zstd with a dictionary trained on the portal's own stored pages
carries the chrome in the dictionary and stores ~10-15 % at a fraction of zlib's time.

- A host's pages are zlib-compressed (codec `zlib`, as before this module existed) until the host
  has TRAIN_AFTER stored pages; then a dictionary is trained from its newest pages and stored in
  `page_dictionaries`; later pages are zstd with that dictionary (codec `zstd`, `dictionary_id`).
- Dictionaries live in the archive, so any page reads back without the crawl that wrote it.
- `compact` re-compresses older pages with their host's dictionary, a batch per transaction.
- A body that cannot be decompressed, or decompresses to other bytes than were stored, raises
  DamagedPage, whatever the codec: callers record it as a failure and go on.
"""
from __future__ import annotations

import hashlib
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

import zstandard

from scraper.model import FailureKind

CODEC_ZLIB, CODEC_ZSTD = "zlib", "zstd"
LEVEL = 3               # zstd level: level 6 stores ~1 point less at 3-4× the time (docs/BENCHMARKS.md)
TRAIN_AFTER = 20        # a host's stored pages before a dictionary is trained while crawling
MIN_SAMPLES = 5         # fewer pages than this cannot train a useful dictionary (`soyte compact`)
TRAIN_SAMPLES = 400     # newest pages of the host a dictionary is trained on
SMALL_DICTIONARY, LARGE_DICTIONARY = 32 * 1024, 64 * 1024   # bytes; large from 100 samples on


class DamagedPage(Exception):
    """A stored page body that cannot be read back as the bytes that were fetched."""

    kind = FailureKind.DAMAGED_PAGE


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def host_clause(host: str) -> tuple[str, list[str]]:
    """SQL (with parameters) selecting a host's pages by URL range, so the (url, sha256) index serves it.
    Exactly this host, as `host_of` groups pages (a subdomain's pages train their own dictionary): not
    scraper.extraction.urls.within_host, which tells which portal serves a URL."""
    ranges, params = [], []
    for scheme in ("http", "https"):
        for first, after in (("/", "0"), (":", ";")):  # path, or a port
            ranges.append("(url >= ? AND url < ?)")
            params += [f"{scheme}://{host}{first}", f"{scheme}://{host}{after}"]
    return "(" + " OR ".join(ranges) + ")", params


def train(samples: list[bytes]) -> bytes | None:
    """A zstd dictionary from sample pages (newest first), or None when there are too few.

    zstd's trainer needs dozens of samples; below TRAIN_AFTER, or when it gives up, the dictionary
    is the samples' own bytes (a raw-content dictionary, what zlib's preset dictionary is), which
    already holds the chrome every page repeats.
    """
    if len(samples) < MIN_SAMPLES:
        return None
    size = LARGE_DICTIONARY if len(samples) >= 100 else SMALL_DICTIONARY
    if len(samples) >= TRAIN_AFTER:
        try:
            return zstandard.train_dictionary(size, samples, level=LEVEL).as_bytes()
        except zstandard.ZstdError:  # samples too alike for zstd's trainer
            pass
    return b"".join(reversed(samples))[-size:]  # zstd refers back to the end of a raw dictionary most cheaply


@dataclass
class Packed:
    """A body as stored: the compressed bytes and how to read them back."""

    blob: bytes
    codec: str
    dictionary_id: int | None


class PageCodec:
    """Compresses and decompresses page bodies for one archive connection, caching dictionaries."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._compressors: dict[int, zstandard.ZstdCompressor] = {}
        self._decompressors: dict[int, zstandard.ZstdDecompressor] = {}
        self._host_dictionary: dict[str, int | None] = {}
        self._host_pages: dict[str, int] = {}

    def _dictionary(self, dictionary_id: int) -> zstandard.ZstdCompressionDict:
        row = self.conn.execute("SELECT dictionary FROM page_dictionaries WHERE id = ?", (dictionary_id,)).fetchone()
        if row is None:
            raise DamagedPage(f"compression dictionary {dictionary_id} is missing from the archive")
        return zstandard.ZstdCompressionDict(row[0])

    def _compressor(self, dictionary_id: int) -> zstandard.ZstdCompressor:
        if dictionary_id not in self._compressors:
            data = self._dictionary(dictionary_id)
            data.precompute_compress(level=LEVEL)  # loading the dictionary per call would double the time
            self._compressors[dictionary_id] = zstandard.ZstdCompressor(level=LEVEL, dict_data=data,
                                                                        write_checksum=True)
        return self._compressors[dictionary_id]

    def _decompressor(self, dictionary_id: int) -> zstandard.ZstdDecompressor:
        if dictionary_id not in self._decompressors:
            self._decompressors[dictionary_id] = zstandard.ZstdDecompressor(dict_data=self._dictionary(dictionary_id))
        return self._decompressors[dictionary_id]

    def current_dictionary(self, host: str) -> int | None:
        """The id of the host's newest dictionary, or None (looked up once per host per connection)."""
        if host not in self._host_dictionary:
            row = self.conn.execute("SELECT max(id) FROM page_dictionaries WHERE host = ?", (host,)).fetchone()
            self._host_dictionary[host] = row[0]
        return self._host_dictionary[host]

    def pack(self, url: str, body: bytes, dictionary_id: int | None = None) -> Packed:
        dictionary_id = dictionary_id or self.current_dictionary(host_of(url))
        if dictionary_id is None:
            return Packed(zlib.compress(body, 6), CODEC_ZLIB, None)
        return Packed(self._compressor(dictionary_id).compress(body), CODEC_ZSTD, dictionary_id)

    def unpack(self, blob: bytes | None, codec: str | None, dictionary_id: int | None, size: int | None,
               page_id: int | None = None) -> bytes:
        """The raw body; DamagedPage if the stored bytes do not give back a body of the stored size."""
        where = f"page {page_id}" if page_id is not None else "page"
        try:
            if codec in (None, CODEC_ZLIB):
                body = zlib.decompress(blob)
            elif codec == CODEC_ZSTD and dictionary_id is not None:
                body = self._decompressor(dictionary_id).decompress(blob)
            else:
                raise DamagedPage(f"{where}: unknown codec {codec!r}")
        except (zlib.error, zstandard.ZstdError, TypeError) as error:
            raise DamagedPage(f"{where}: stored body is damaged ({codec or CODEC_ZLIB}: {error})") from None
        if size is not None and len(body) != size:
            raise DamagedPage(f"{where}: stored body gives {len(body)} bytes, {size} were fetched")
        return body

    def count_new_page(self, url: str) -> str | None:
        """Note one more stored page of its host; returns the host when it is time to train its dictionary."""
        host = host_of(url)
        if not host or self.current_dictionary(host) is not None:
            return None
        if host not in self._host_pages:
            clause, params = host_clause(host)
            self._host_pages[host] = self.conn.execute(f"SELECT count(*) FROM pages WHERE {clause}",
                                                       params).fetchone()[0]
        else:
            self._host_pages[host] += 1
        return host if self._host_pages[host] >= TRAIN_AFTER else None

    def train_host(self, host: str) -> int | None:
        """Train and store a dictionary from the host's newest stored pages; its id, or None if too few."""
        clause, params = host_clause(host)
        rows = self.conn.execute(f"SELECT id, body, codec, dictionary_id, body_size FROM pages WHERE {clause} "
                                 f"ORDER BY id DESC LIMIT ?", (*params, TRAIN_SAMPLES)).fetchall()
        samples = []
        for page_id, blob, codec, dictionary_id, size in rows:
            try:
                samples.append(self.unpack(blob, codec, dictionary_id, size, page_id))
            except DamagedPage:
                continue
        data = train(samples)
        self._host_pages[host] = 0  # try again after TRAIN_AFTER more pages if this one failed
        if data is None:
            return None
        cursor = self.conn.execute(
            "INSERT INTO page_dictionaries (host, codec, dictionary, size, samples, trained_at) VALUES (?, ?, ?, ?, ?, ?)",
            (host, CODEC_ZSTD, data, len(data), len(samples), datetime.now(timezone.utc).isoformat(timespec="seconds")))
        self._host_dictionary[host] = cursor.lastrowid
        return cursor.lastrowid


def hosts(conn: sqlite3.Connection) -> list[str]:
    """Every host with stored pages."""
    return sorted({host_of(url) for (url,) in conn.execute("SELECT url FROM pages")} - {""})


@dataclass
class CompactResult:
    host: str
    dictionary_id: int | None
    recompressed: int = 0
    damaged: int = 0
    bytes_before: int = 0
    bytes_after: int = 0


def compact_host(conn: sqlite3.Connection, codec: PageCodec, host: str, transaction: Callable,
                 batch: int = 500, retrain: bool = False,
                 on_damaged: Callable[[int, str], None] = lambda page_id, reason: None) -> CompactResult:
    """Re-compress the host's pages not yet stored with its newest dictionary, one transaction a batch.

    Idempotent: a second run finds nothing to do. A damaged page is reported and left as it is.
    """
    with transaction():
        dictionary_id = codec.current_dictionary(host)
        if dictionary_id is None or retrain:
            dictionary_id = codec.train_host(host) or dictionary_id
    result = CompactResult(host, dictionary_id)
    if dictionary_id is None:
        return result
    clause, params = host_clause(host)
    last_id = 0
    while True:
        with transaction():
            rows = conn.execute(
                f"SELECT id, url, body, codec, dictionary_id, body_size, sha256 FROM pages WHERE {clause} AND id > ? "
                f"AND (codec IS NOT ? OR dictionary_id IS NOT ?) ORDER BY id LIMIT ?",
                (*params, last_id, CODEC_ZSTD, dictionary_id, batch)).fetchall()
            for row in rows:
                _recompress(conn, codec, dictionary_id, row, result, on_damaged)
        if len(rows) < batch:
            # Older dictionaries are kept: a crawl running meanwhile may still write pages with one.
            return result
        last_id = rows[-1][0]


def _recompress(conn: sqlite3.Connection, codec: PageCodec, dictionary_id: int, row: tuple,
                result: CompactResult, on_damaged: Callable[[int, str], None]) -> None:
    page_id, url, blob, old_codec, old_dictionary, size, sha = row
    try:
        body = codec.unpack(blob, old_codec, old_dictionary, size, page_id)
        if sha and hashlib.sha256(body).hexdigest() != sha:
            raise DamagedPage(f"page {page_id}: stored body does not match its sha256")
    except DamagedPage as error:
        result.damaged += 1
        on_damaged(page_id, str(error))
        return
    packed = codec.pack(url, body, dictionary_id)
    conn.execute("UPDATE pages SET body = ?, codec = ?, dictionary_id = ? WHERE id = ?",
                 (packed.blob, packed.codec, packed.dictionary_id, page_id))
    result.recompressed += 1
    result.bytes_before += len(blob)
    result.bytes_after += len(packed.blob)


"""`soyte export --format parquet`: the records of archive.export as one Parquet file, for corpus
builders (pandas, Polars, DuckDB, Spark read it as it is). Needs pyarrow (the `parquet` extra).

Every field keeps its type: `views` an integer, `images` a list of {url, caption} and `attachments`
a list of {url, title}, not JSON text as in CSV; reading the file back gives `soyte export`'s
JSON records. Rows are written in row groups of BATCH as they are read: constant memory.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from scraper.model import RECORD_KEYS

PARQUET = "parquet"
BATCH = 10_000


def schema():
    import pyarrow as pa

    lists = {"images": ("url", "caption"), "attachments": ("url", "title")}
    return pa.schema([(key, pa.list_(pa.struct([(f, pa.string()) for f in lists[key]]))) if key in lists
                      else (key, pa.int64() if key == "views" else pa.string()) for key in RECORD_KEYS])


def write_parquet(rows: Iterator[dict], path: Path) -> int:
    """Write the records to `path` (zstd-compressed Parquet); returns how many."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    count, batch = 0, []
    with pq.ParquetWriter(path, schema(), compression="zstd") as writer:
        for record in rows:
            batch.append(record)
            if len(batch) == BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema()))
                count, batch = count + len(batch), []
        if batch or not count:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema()))
            count += len(batch)
    return count

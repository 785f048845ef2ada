"""Work on what the archive already holds, with no network: re-extraction and WARC backfill."""

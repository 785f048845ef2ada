"""`soyte merge` keeps each transaction about one batch (issue 32): the articles' full-text index does
its merge work between batches in bounded steps (archive.fts_merge), its settings are put back when
the merge ends (or when a writer opens an archive a killed merge left), and a reader that keeps the
WAL from emptying is warned of. Small archives; what is asserted is the index's structure and
settings, its integrity and the merged answers, never a size or a timing (bench/million.py merge
measures those)."""
from __future__ import annotations

import logging
import sqlite3

import pytest

import archive.merge_progress as progress
from archive import fts_merge
from archive.merge import merge
from archive.merge_progress import Batches
from archive.search import FTS_TABLE
from archive.store import Archive

HOST = "soyte.bacninh.gov.vn"


def node_archive(path, first: int, last: int, text: str) -> None:
    """Articles first..last-1 with their pages, in one crawl run, each article its own transaction (as
    a crawl commits): many small segments in the index."""
    archive = Archive(path)
    run = archive.start_run(["bacninh"])
    for n in range(first, last):
        page_id = archive.save_page(f"https://{HOST}/tin/{n}", 200, {"Content-Type": "text/html"},
                                    f"<p>{n} {text}</p>".encode(), run, kind="article")
        archive.upsert_article({"url": f"https://{HOST}/tin/{n}", "portal": "bacninh", "province": "Bắc Ninh",
                                "title": f"Bài {n}", "published": "2025-03-15T08:00:00+07:00",
                                "text": f"{text} bài số {n}. Sở Y tế tỉnh Bắc Ninh phòng chống sốt xuất huyết."},
                               layout="liferay-bacninh", extractor="bacninh/1", page_id=page_id)
    archive.finish_run(run, "completed")
    archive.close()


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nodes")
    node_archive(folder / "a.db", 0, 40, "Nội dung")
    node_archive(folder / "b.db", 30, 90, "Khác")  # 30..39 changed: versions
    return folder / "a.db", folder / "b.db"


def found(path, words: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [url for (url,) in conn.execute(
            f"SELECT a.url FROM {FTS_TABLE} f JOIN articles a ON a.rowid = f.rowid WHERE {FTS_TABLE} MATCH ? "
            "ORDER BY a.url", (words,))]


def segments(levels: list[dict]) -> set[tuple[int, int]]:
    """The index's segments, each (id, leaf pages), on whatever level (FTS5 may move a whole segment
    to another level without writing it)."""
    return {segment for level in levels for segment in zip(level["ids"], level["pages"])}


def index_checked(path) -> None:
    """FTS5's own integrity check of the index against the articles it was built from (raises if not)."""
    with sqlite3.connect(path) as conn:
        conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")


def test_the_index_merges_between_batches_never_inside_one(two_nodes, tmp_path, monkeypatch):
    """Each batch's transaction only adds the index's level-0 segments (its merging is held); after
    each batch the steps leave no level of 4 segments and no merge under way; the merge ends with the
    index's settings as FTS5's defaults, the index whole and the answers those of one transaction."""
    seen = []  # (levels when the batch committed, levels after its steps, automerge) per batch
    merge_index = Batches.merge_index

    def watched(self):
        committed = fts_merge.levels(self.conn, FTS_TABLE)
        merge_index(self)
        seen.append((committed, fts_merge.levels(self.conn, FTS_TABLE),
                     fts_merge.setting(self.conn, FTS_TABLE, "automerge"), self.index_steps))

    monkeypatch.setattr(Batches, "merge_index", watched)
    merge(list(two_nodes), tmp_path / "batched.db", batch=4)
    monkeypatch.undo()
    merge(list(two_nodes), tmp_path / "one.db", batch=10_000)

    assert len(seen) > 20 and seen[-1][3] > 5  # 150 pages and 100 articles in batches of 4; steps taken
    for (committed, merged, automerge, _steps), (_committed, before, *_rest) in zip(seen[1:], seen):
        assert automerge == 0
        assert all(len(level["pages"]) < 4 and level["merging"] == 0 for level in merged)
        # the batch's own transaction only added segments (flushed terms): every segment there before it
        # is still whole, none merged into another, and no merge was begun
        assert segments(before) <= segments(committed)
        assert all(level["merging"] == 0 for level in committed)
    with sqlite3.connect(tmp_path / "batched.db") as conn:
        assert fts_merge.setting(conn, FTS_TABLE, "automerge") == fts_merge.DEFAULT_AUTOMERGE
    index_checked(tmp_path / "batched.db")
    assert found(tmp_path / "batched.db", "khac") == found(tmp_path / "one.db", "khac")
    assert len(found(tmp_path / "batched.db", "khac")) == 60
    assert len(found(tmp_path / "batched.db", "sot xuat huyet")) == 90


def test_a_killed_merge_leaves_the_merging_held_and_the_next_writer_puts_it_back(two_nodes, tmp_path):
    """A merge killed after its first batch leaves `automerge` 0 in the file: the next writer's open
    (a crawl, the merge run again) puts FTS5's default back; a reader's open writes nothing."""
    path = tmp_path / "killed.db"
    merge([two_nodes[0]], path)
    archive = Archive(path)
    with archive.transaction():  # what Batches.__enter__ committed with the first batch
        fts_merge.hold(archive.conn, FTS_TABLE)
    archive.close()
    reader = Archive(path, readonly=True)
    assert fts_merge.setting(reader.conn, FTS_TABLE, "automerge") == 0
    reader.close()
    writer = Archive(path)
    assert fts_merge.setting(writer.conn, FTS_TABLE, "automerge") == fts_merge.DEFAULT_AUTOMERGE
    writer.close()
    index_checked(path)


def test_a_reader_that_keeps_the_wal_from_emptying_is_warned_of_once_per_doubling(two_nodes, tmp_path, caplog,
                                                                                monkeypatch):
    """A reader holding an older snapshot: the checkpoint waits CHECKPOINT_WAIT once, then not, the
    merge goes on, and the warning names the WAL's size; once the reader ends, the WAL is emptied."""
    monkeypatch.setattr(progress, "CHECKPOINT_WAIT", 0.2)
    into = tmp_path / "read.db"
    merge([two_nodes[0]], into)
    reader = sqlite3.connect(into, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 40  # its snapshot, held
    with caplog.at_level(logging.WARNING, logger="archive.merge_progress"):
        merge([two_nodes[1]], into, batch=4)
    warnings = [r.getMessage() for r in caplog.records if "could not be emptied" in r.getMessage()]
    assert 1 <= len(warnings) < 8  # 60 articles, pages and steps: dozens of blocked checkpoints
    assert warnings[0].startswith(f"{into}: the WAL is ") and " MB and could not be emptied" in warnings[0]
    sizes = [float(w.split("the WAL is ")[1].split(" MB")[0]) for w in warnings]
    assert sizes == sorted(sizes) and all(b >= 2 * a - 0.1 for a, b in zip(sizes, sizes[1:]))  # MB to 0.1
    assert (tmp_path / "read.db-wal").stat().st_size > 0
    reader.execute("COMMIT")  # the reader ends its snapshot, its connection stays (the WAL file with it)
    merge([two_nodes[1]], into)  # nothing new to merge: its checkpoint, with no reader, empties the WAL
    assert (tmp_path / "read.db-wal").stat().st_size == 0
    reader.close()
    assert len(found(into, "khac")) == 60
    index_checked(into)


def test_past_its_limit_the_merge_waits_for_the_reader_rather_than_grow_the_wal(two_nodes, tmp_path, caplog,
                                                                              monkeypatch):
    """A reader's snapshot held while the WAL passes WAL_LIMIT: the merge waits (saying so) until the
    reader ends, then empties the WAL and goes on to the same archive as without the reader."""
    import threading

    monkeypatch.setattr(progress, "CHECKPOINT_WAIT", 0.1)
    monkeypatch.setattr(progress, "READER_WAIT", 0.3)
    monkeypatch.setattr(progress, "WAL_LIMIT", 1)  # any WAL at all is past it
    into = tmp_path / "waits.db"
    merge([two_nodes[0]], into)
    reader = sqlite3.connect(into, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM articles").fetchone()
    sizes = []
    truncate = Batches.truncate

    def watched(self, seconds):
        busy = truncate(self, seconds)
        sizes.append((busy, self.wal_bytes()))
        return busy

    monkeypatch.setattr(Batches, "truncate", watched)
    ended = threading.Timer(1.5, reader.execute, ("COMMIT",))
    ended.start()
    with caplog.at_level(logging.WARNING, logger="archive.merge_progress"):
        merge([two_nodes[1]], into, batch=4)
    ended.join()
    reader.close()
    waiting = [r.getMessage() for r in caplog.records if "waiting for the program" in r.getMessage()]
    assert len(waiting) >= 3 and "past the merge's limit of 0 MB" in waiting[0]
    # the first checkpoint and each wait but the last found the reader there; once it ended, each emptied the WAL
    assert all(busy for busy, _size in sizes[:len(waiting)]) and not any(busy for busy, _size in sizes[len(waiting):])
    assert all(size == 0 for busy, size in sizes if not busy)
    assert len(found(into, "khac")) == 60 and len(found(into, "sot xuat huyet")) == 90
    index_checked(into)


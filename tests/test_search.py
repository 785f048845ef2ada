"""What `search` returns and in which order: bm25 among the newest matches, long queries newest
first, repeated words once, the word cap; documents the same way."""
from __future__ import annotations

import pytest

from archive.documents import DocumentStore, search_documents
from archive.search import MAX_QUERY_WORDS, RANKED_CANDIDATES, RANKED_WORDS, QueryTooLong, query_words, search
from archive.store import READ_MMAP_BYTES, Archive, now
from scraper.extraction.document_text import DocumentText


def record(n: int, text: str) -> dict:
    return {"url": f"https://soyte.example.gov.vn/tin/{n}.html", "portal": "demo", "province": "Bắc Ninh",
            "title": f"Bản tin số {n}", "published": "2024-01-02T08:00:00+07:00", "category": "Tin tức",
            "sapo": None, "text": text, "author": None, "source": None, "views": 0, "images": [],
            "attachments": []}


def archive_records(archive: Archive, texts: list[str]) -> None:
    """Article n holds texts[n]; the later an article is archived, the newer it is."""
    with archive.transaction():
        for n, text in enumerate(texts):
            archive.upsert_article(record(n, text), layout="demo", extractor="demo/1", page_id=None)


def numbers(rows: list[dict]) -> list[int]:
    return [int(row["url"].rsplit("/", 1)[1].removesuffix(".html")) for row in rows]


def other_news(count: int) -> list[str]:
    """Articles on another subject, archived after the ones a test searches: they make its words
    less than half of the archive, as a real archive's are, so that they are ranked by bm25 (a
    query of words in half the rows or more is listed newest first, archive.search.ranked_words)."""
    return [f"Hội nghị tổng kết năm {n}." for n in range(count)]


@pytest.fixture
def vaccination_news(archive):
    """2,003 articles on vaccination: the two oldest say it three times (the best matches, but
    older than the newest 2,000), article 1500 twice, every other one once; then 2,004 on another
    subject."""
    texts = ["Tiêm chủng mở rộng cho trẻ."] * (RANKED_CANDIDATES + 3)
    texts[0] = texts[1] = "Tiêm chủng, tiêm chủng, tiêm chủng mở rộng cho trẻ."
    texts[1500] = "Tiêm chủng, tiêm chủng mở rộng cho trẻ."
    archive_records(archive, texts + other_news(RANKED_CANDIDATES + 4))
    return archive


def test_only_the_newest_2000_matches_are_ranked_ties_older_first(vaccination_news):
    assert numbers(search(vaccination_news.conn, "tiem chung", limit=3)) == [1500, 3, 4]


def test_asking_for_more_than_2000_ranks_every_match(vaccination_news):
    archive = vaccination_news
    found = numbers(search(archive.conn, "tiem chung", limit=RANKED_CANDIDATES + 10))
    assert len(found) == RANKED_CANDIDATES + 3 and found[:4] == [0, 1, 1500, 2]


def test_a_query_of_more_than_six_words_lists_the_newest_matches_first(archive):
    sentence = "Phòng chống dịch bệnh mùa mưa lũ tại xã."
    archive_records(archive, [f"{sentence} {sentence} {sentence}", sentence, "Mùa mưa lũ.", sentence,
                              *other_news(5)])
    seven = "phong chong dich benh mua mua lu tai"  # "mua mua" is one word twice: 7 distinct words
    assert len(query_words(seven)) == RANKED_WORDS + 1
    assert numbers(search(archive.conn, seven)) == [3, 1, 0]
    assert numbers(search(archive.conn, "phong chong dich benh mua lu")) == [0, 1, 3]  # 6 words: ranked


def test_a_repeated_word_is_searched_once(archive):
    archive_records(archive, ["Sở Y tế tỉnh Bắc Ninh.", "Y tế cơ sở, y tế dự phòng.", "Trạm y tế xã.",
                              *other_news(4)])
    assert query_words("Y tế, y TẾ và sở Y tế") == ["y", "te", "va", "so"]
    assert search(archive.conn, "y te y te y te") == search(archive.conn, "y te")
    assert numbers(search(archive.conn, "y te y te y te")) == [1, 2, 0]


def test_a_query_of_the_most_words_is_searched_and_one_more_is_refused(archive):
    sentence = "Sở Y tế tỉnh Bắc Ninh tổ chức hội nghị tổng kết công tác phòng chống dịch bệnh."
    archive_records(archive, [sentence, "Hội nghị tổng kết."])
    words = sentence.rstrip(".").split()
    assert len(words) == MAX_QUERY_WORDS + 2
    assert numbers(search(archive.conn, " ".join(words[:MAX_QUERY_WORDS]))) == [0]
    with pytest.raises(QueryTooLong, match=f"^the query has {MAX_QUERY_WORDS + 1} words; "
                                           f"at most {MAX_QUERY_WORDS} are searched$"):
        search(archive.conn, " ".join(words[:MAX_QUERY_WORDS + 1]))
    with pytest.raises(QueryTooLong, match=f"^the query has {MAX_QUERY_WORDS + 2} words"):
        search(archive.conn, "y te " * ((MAX_QUERY_WORDS + 2) // 2))  # repeated words count as typed


def test_a_mapped_reader_finds_what_a_writer_commits_after_it_opened(tmp_path):
    """`soyte search` maps the file (PRAGMA mmap_size) while a crawl may write: the articles a
    writer commits later, and copies into the file at a checkpoint that makes it grow, are found."""
    writer = Archive(tmp_path / "archive.db")
    long_text = "Trạm y tế xã. " * 400
    texts = ["Tiêm chủng mở rộng cho trẻ."] + [f"Tiêm chủng đợt {n}. {long_text}" for n in range(1, 300)]
    archive_records(writer, texts[:1])
    writer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    reader = Archive(tmp_path / "archive.db", readonly=True)
    try:
        assert reader.conn.execute("PRAGMA mmap_size").fetchone()[0] == READ_MMAP_BYTES
        assert numbers(search(reader.conn, "tiem chung")) == [0]
        size = (tmp_path / "archive.db").stat().st_size
        archive_records(writer, texts)
        assert numbers(search(reader.conn, "tiem chung dot 299")) == [299]  # read from the WAL
        writer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert (tmp_path / "archive.db").stat().st_size > 10 * size
        assert numbers(search(reader.conn, "tiem chung dot 150")) == [150]  # read from the grown file
        assert len(search(reader.conn, "tiem chung", limit=1000)) == 300
    finally:
        reader.close()
        writer.close()


def store_documents(archive: Archive, texts: list[str]) -> None:
    """Document n holds texts[n], stored in that order (the later, the newer)."""
    store = DocumentStore(archive)
    for n, text in enumerate(texts):
        store.store(f"https://soyte.example.gov.vn/van-ban/{n}.pdf", "demo", f"%PDF {n} {text}".encode(),
                    status=200, served_type="application/pdf", headers={}, run_id=None, at=now(),
                    extracted=DocumentText("pdf", text, "ok", pages=1))


def test_documents_are_ordered_and_bounded_as_articles(archive):
    sentence = "Kế hoạch phòng chống dịch bệnh mùa mưa lũ năm nay."
    store_documents(archive, [f"{sentence} {sentence} {sentence}", sentence, "Kế hoạch năm nay.", sentence,
                              *other_news(5)])
    urls = lambda rows: [int(row["url"].rsplit("/", 1)[1].removesuffix(".pdf")) for row in rows]  # noqa: E731
    assert urls(search_documents(archive.conn, "ke hoach phong chong dich")) == [0, 1, 3]  # 5 words: ranked
    assert urls(search_documents(archive.conn, "ke hoach phong chong dich benh mua")) == [3, 1, 0]  # 7: newest
    with pytest.raises(QueryTooLong, match=f"at most {MAX_QUERY_WORDS} are searched"):
        search_documents(archive.conn, "ke hoach " * MAX_QUERY_WORDS)


def test_every_letter_and_mark_is_found_by_its_folded_query_as_when_fields_were_folded_whole():
    """The index folds only the words SQLite's tokenizer would not fold as `fold` does
    (archive.search._UNFOLDED). For every letter and combining mark of Unicode, a word holding it
    is found by its folded query exactly when it was found while the index held each field folded
    whole (INDEX_FORM 1): the ~700 words it is not found by (marks that Python's `\\w` splits a
    query word at and the tokenizer keeps in one token, such as NKo's) were not found before either."""
    import sqlite3
    import sys
    import unicodedata

    from archive.search import fold, index_value, match_expression

    def misses(indexed) -> list[int]:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61 remove_diacritics 2')")
        conn.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)",
                         ((cp, indexed(f"x {word} y")) for cp, word in words.items()))
        return [cp for cp, word in words.items()
                if not conn.execute("SELECT 1 FROM t WHERE t MATCH ? AND rowid = ?",
                                    (match_expression(word), cp)).fetchone()]

    words = {cp: f"a{chr(cp)}a" for cp in range(0x80, sys.maxunicode + 1)
             if unicodedata.category(chr(cp))[0] in "LM" and query_words(f"a{chr(cp)}a")}
    missed = misses(index_value)
    assert len(words) > 130_000 and len(missed) < 1_000
    assert missed == misses(lambda text: f"{text}\n{fold(text)}")
    assert 0x111 not in missed and 0x1EBF not in missed  # đ, ế


def test_only_the_words_the_tokenizer_does_not_fold_are_indexed_again_folded():
    from archive.search import index_value

    assert index_value("Sở Y tế tỉnh Gia Lai") == "Sở Y tế tỉnh Gia Lai"
    assert index_value("Đắk Lắk được (đề nghị) “Đồng” Ωmega") == (
        "Đắk Lắk được (đề nghị) “Đồng” Ωmega\ndak duoc (de “dong” ωmega")
    assert index_value("dòng 1\nđòng 2") == "dòng 1\nđòng 2\ndong"
    assert index_value(None) == "" and index_value("") == ""

"""Same story, many places (archive.stories), on real archive files: copies grouped when stored,
within and across portals; two weekly reports of one template kept apart; a changed copy stays in
its story; search shows a story once; the export gives one record per story; a merge of two archives
groups their copies; an archive written before stories is filed when opened for writing."""
from __future__ import annotations

import io
import json
import random
import sqlite3
import unicodedata


from archive.export import export
from archive.merge import merge
from archive.search import search
from archive.store import Archive
from archive import stories
from archive.stories import BANDS, MIN_SHINGLES, Text, same_story, search_stories

ORIGINAL = (
    "Sáng 21/8, Trung tâm Kiểm soát bệnh tật tỉnh phối hợp với UBND thành phố tổ chức lễ ra quân chiến dịch "
    "vệ sinh môi trường, diệt bọ gậy phòng chống dịch sốt xuất huyết. Tham dự có đại diện lãnh đạo Sở Y tế, "
    "UBND thành phố cùng hơn 500 cán bộ y tế, đoàn viên thanh niên và người dân địa phương.\n\n"
    "Theo báo cáo của Trung tâm Kiểm soát bệnh tật, từ đầu năm đến nay toàn tỉnh ghi nhận 1.245 trường hợp "
    "mắc sốt xuất huyết, tăng 3,2 lần so với cùng kỳ năm 2022; các ca bệnh tập trung chủ yếu tại thành phố "
    "và các huyện ven biển, nơi có mật độ dân cư cao.\n\n"
    "Trong thời gian diễn ra chiến dịch, các đội xung kích sẽ đến từng hộ gia đình hướng dẫn người dân đậy "
    "kín dụng cụ chứa nước, thả cá ăn bọ gậy, thu gom lốp xe, chai lọ, chậu cảnh bỏ đi; đồng thời tuyên "
    "truyền bằng loa lưu động tại các khu dân cư.\n\n"
    "Phát biểu tại lễ ra quân, lãnh đạo Sở Y tế đề nghị các địa phương không chủ quan, tăng cường giám sát "
    "chặt chẽ ca bệnh, xử lý triệt để ổ dịch ngay khi phát hiện, không để dịch lây lan ra cộng đồng.")
LEAD = ("(SKĐS) Trước tình hình dịch sốt xuất huyết diễn biến phức tạp, ngành y tế tỉnh đã huy động lực lượng "
        "ra quân diệt bọ gậy tại các địa bàn trọng điểm.")
CREDIT = "Theo Báo Sức khỏe & Đời sống"

ADVICE = (
    "Trung tâm Kiểm soát bệnh tật tỉnh khuyến cáo người dân chủ động phòng bệnh bằng cách đậy kín các dụng cụ "
    "chứa nước, thả cá ăn bọ gậy vào bể chứa nước lớn, thu gom và hủy bỏ các vật dụng phế thải có thể chứa "
    "nước đọng quanh nhà như chai lọ, lốp xe, chum vại bỏ đi.\n\n"
    "Khi có các dấu hiệu sốt cao đột ngột, đau đầu, đau cơ, xuất huyết dưới da, người dân cần đến ngay cơ sở "
    "y tế gần nhất để được khám, tư vấn và điều trị kịp thời; tuyệt đối không tự ý điều trị tại nhà, không "
    "truyền dịch tại các cơ sở không đủ điều kiện.\n\n"
    "Ngủ màn kể cả ban ngày, mặc quần áo dài tay, dùng bình xịt muỗi, hương muỗi, kem xua muỗi; phối hợp "
    "với chính quyền địa phương trong các đợt phun hóa chất diệt muỗi và chiến dịch diệt lăng quăng, bọ gậy.")


def weekly_report(week: int, start: str, end: str, cases: int, change: int, total: int, city: int, coast: int) -> str:
    """A province's weekly dengue report: the same template every week, new figures and dates."""
    return (f"Tuần {week} năm 2024 (từ ngày {start} đến ngày {end}), toàn tỉnh ghi nhận {cases} ca mắc sốt xuất "
            f"huyết, tăng {change} ca so với tuần trước; cộng dồn từ đầu năm {total} ca, không có ca tử vong. Các "
            f"ca bệnh tập trung tại thành phố ({city} ca) và các huyện ven biển ({coast} ca).\n\n{ADVICE}")


WEEK_23 = weekly_report(23, "03/6", "09/6", 45, 12, 312, 21, 9)
WEEK_24 = weekly_report(24, "10/6", "16/6", 52, 7, 364, 25, 11)


def record(url: str, text: str, portal: str = "thanhhoa", title: str = "Ra quân diệt bọ gậy",
           published: str | None = "2023-08-22T15:06:00+07:00", sapo: str | None = None) -> dict:
    return {"url": url, "portal": portal, "province": portal.title(), "title": title, "published": published,
            "category": "Tin tức", "sapo": sapo, "text": text, "author": None, "source": None, "views": 0,
            "images": [], "attachments": []}


def store(archive: Archive, *records: dict) -> list[str]:
    return [archive.upsert_article(r, layout="demo", extractor="demo/1", page_id=None) for r in records]


def story(archive: Archive, url: str) -> int:
    return archive.conn.execute("SELECT story_id FROM story_members WHERE url = ?", (url,)).fetchone()[0]


def members(archive: Archive, url: str) -> list[tuple[str, float]]:
    return archive.conn.execute(
        "SELECT m.url, m.similarity FROM story_members m JOIN articles a ON a.url = m.url "
        "WHERE m.story_id = ? ORDER BY a.published, a.url", (story(archive, url),)).fetchall()


def consistent(archive: Archive) -> None:
    """Every article in exactly one story, every story's row counting its members, no band or passage
    of a removed article left behind."""
    conn = archive.conn
    assert conn.execute("SELECT count(*) FROM articles WHERE url NOT IN (SELECT url FROM story_members)").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM story_members WHERE url NOT IN (SELECT url FROM articles)").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM stories s WHERE copies != (SELECT count(*) FROM story_members m "
                        "WHERE m.story_id = s.id) OR url NOT IN (SELECT url FROM story_members m WHERE "
                        "m.story_id = s.id)").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM story_bands WHERE article NOT IN (SELECT article FROM story_members)"
                        ).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM story_passages WHERE article NOT IN (SELECT article FROM story_members)"
                        ).fetchone()[0] == 0


A = "https://soyte.thanhhoa.gov.vn/tin/ra-quan"
B = "https://soyte.bacninh.gov.vn/tin/suc-khoe-doi-song-ra-quan"
C = "https://soyte.bacninh.gov.vn/tin/ra-quan-dang-lai"
COPY = record(B, f"{ORIGINAL.rsplit(chr(10) * 2, 1)[0]}\n\n{CREDIT}", portal="bacninh", sapo=LEAD,
              title="Thanh Hóa: hơn 500 người ra quân diệt bọ gậy", published="2023-08-23T09:00:00+07:00")


def test_a_syndicated_copy_with_new_title_lead_cut_ending_and_credit_joins_the_story(archive):
    assert store(archive, record(A, ORIGINAL), COPY) == ["new", "new"]
    assert story(archive, A) == story(archive, B)
    (first, one), (second, similarity) = members(archive, A)
    assert (first, one, second) == (A, 1.0, B) and 0.6 < similarity < 0.9  # Jaccard with the earliest copy
    row = archive.conn.execute("SELECT url, title, portal, copies, portals FROM stories WHERE id = ?",
                               (story(archive, A),)).fetchone()
    assert row == (A, "Ra quân diệt bọ gậy", "thanhhoa", 2, 2)


def test_a_notice_posted_twice_on_one_portal_is_one_story(archive):
    store(archive, record(A, ORIGINAL), record(C, ORIGINAL, title="Ra quân diệt bọ gậy (đăng lại)"))
    assert story(archive, A) == story(archive, C)
    assert [similarity for _url, similarity in members(archive, A)] == [1.0, 1.0]


def test_a_copy_in_another_encoding_is_the_same_story():
    """Decoded from windows-1258 a page keeps its tone marks apart (combining), and a copy may lose them."""
    decomposed = unicodedata.normalize("NFD", ORIGINAL)
    assert decomposed != ORIGINAL
    assert same_story(Text(None, ORIGINAL), Text(None, decomposed))
    assert same_story(Text(None, ORIGINAL), Text(None, _unaccented(ORIGINAL)))


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).replace("đ", "d")


def test_two_weekly_reports_of_one_template_stay_two_stories(archive):
    mine, theirs = Text(None, WEEK_23), Text(None, WEEK_24)
    from archive.stories import overlap

    _jaccard, containment = overlap(mine, theirs)
    assert containment > 0.7  # the template alone would group them: their figures keep them apart
    store(archive, record(A, WEEK_23, title="Tình hình sốt xuất huyết tuần 23"),
          record(C, WEEK_24, title="Tình hình sốt xuất huyết tuần 24", published="2024-06-17T08:00:00+07:00"))
    assert story(archive, A) != story(archive, C)


def test_a_short_text_stands_alone_even_when_identical(archive):
    """"Xem chi tiết tại file đính kèm." is the whole text of many different notices."""
    store(archive, record(A, "Xem chi tiết tại file đính kèm."), record(C, "Xem chi tiết tại file đính kèm."))
    assert story(archive, A) != story(archive, C)
    assert len(Text(None, "Xem chi tiết tại file đính kèm.").grams) < MIN_SHINGLES
    assert archive.conn.execute("SELECT count(*) FROM story_bands").fetchone()[0] == 0


def test_every_article_has_a_story_and_each_is_indexed_in_every_band(archive):
    store(archive, record(A, ORIGINAL), record(C, WEEK_23))
    assert archive.conn.execute("SELECT count(*) FROM stories").fetchone()[0] == 2
    assert archive.conn.execute("SELECT count(*) FROM story_bands").fetchone()[0] == 2 * BANDS


def test_a_new_article_is_compared_through_the_band_index_not_with_every_article(archive):
    plan = [row[-1] for row in archive.conn.execute(
        "EXPLAIN QUERY PLAN " + stories.candidates_sql(3), (1, 4, 100, 2, 4, 100, 3, 4, 100, 50))]
    assert plan.count("SEARCH story_bands USING PRIMARY KEY (key=?)") == 3
    # each candidate's story and sketch from the members' index alone, not its row in `articles`
    assert "SEARCH m USING COVERING INDEX idx_story_members_article_story_id_sketch (article=?)" in plan, plan
    assert not any("articles" in step for step in plan), plan
    # the only scans are of the (at most 3 × BAND_HOLDERS) holders read: no table is scanned
    scans = [step for step in plan if step.startswith("SCAN")]
    assert scans and all(step.startswith("SCAN (subquery-") or step == "SCAN b" for step in scans), plan
    passages = " ".join(row[-1] for row in archive.conn.execute(
        "EXPLAIN QUERY PLAN " + stories.PASSAGE_HOLDERS_SQL, (1, 2, 3, 32)))
    assert "SEARCH story_passages USING PRIMARY KEY (key=?)" in passages and "SCAN" not in passages


def test_a_busy_band_key_reads_only_its_newest_holders(archive, monkeypatch):
    """Issue 32: a band key held by every article of a template (here: four identical notices) costs a
    new article the key's BAND_HOLDERS newest holders, not one row per article of the archive."""
    monkeypatch.setattr(stories, "TEXTS_READ", 10)  # every candidate read: what is bounded here is the holders
    urls = [f"{A}-{n}" for n in range(4)]
    store(archive, *[record(url, ORIGINAL) for url in urls])
    rowids = [archive.conn.execute("SELECT rowid FROM articles WHERE url = ?", (url,)).fetchone()[0] for url in urls]
    keys = stories.unpack_keys(archive.conn.execute("SELECT bands FROM story_members WHERE url = ?",
                                                    (urls[0],)).fetchone()[0])
    assert len({row[1] for row in stories._candidates(archive.conn, keys, -1)}) == 4
    monkeypatch.setattr(stories, "BAND_HOLDERS", 2)
    assert sorted(row[1] for row in stories._candidates(archive.conn, keys, -1)) == rowids[2:]
    assert len({story(archive, url) for url in urls}) == 1


def test_an_unrelated_candidate_is_not_read_and_an_older_member_gains_its_sketch(archive):
    """Each member keeps a sketch of its MinHash values: two unrelated texts estimate under
    SKETCH_FLOOR (never read to be compared), a copy near 1; a member filed before sketches (NULL) is
    read, and its sketch written then."""
    store(archive, record(A, ORIGINAL), record(C, WEEK_23))
    sketch_a, sketch_c = (archive.conn.execute("SELECT sketch FROM story_members WHERE url = ?", (url,)).fetchone()[0]
                          for url in (A, C))
    assert len(sketch_a) == 2 * stories.NUM_PERM
    assert stories.sketch_similarity(sketch_a, sketch_c) < stories.SKETCH_FLOOR
    assert stories.sketch_similarity(sketch_a, sketch_a) == 1.0
    archive.conn.execute("UPDATE story_members SET sketch = NULL WHERE url = ?", (A,))
    store(archive, COPY)
    assert story(archive, A) == story(archive, B)
    assert archive.conn.execute("SELECT sketch FROM story_members WHERE url = ?", (A,)).fetchone()[0] == sketch_a
    consistent(archive)


def test_a_changed_copy_stays_in_its_story_and_an_earlier_copy_becomes_the_face(archive):
    store(archive, record(A, ORIGINAL), COPY)
    before = story(archive, A)
    edited = dict(COPY, text=COPY["text"].replace("hơn 500", "gần 600"))
    assert store(archive, edited) == ["updated"]
    assert story(archive, B) == before
    earlier = record("https://soyte.nghean.gov.vn/tin/ra-quan", ORIGINAL, portal="nghean",
                     published="2023-08-21T07:00:00+07:00")
    store(archive, earlier)
    assert archive.conn.execute("SELECT url, copies, portals FROM stories WHERE id = ?", (before,)).fetchone() == (
        earlier["url"], 3, 3)
    assert dict(members(archive, A))[A] == 1.0  # the same text as the new face
    consistent(archive)


def test_a_copy_rewritten_into_another_story_leaves_and_its_story_stays(archive):
    store(archive, record(A, ORIGINAL), COPY, record(C, ORIGINAL))
    group = story(archive, A)
    store(archive, dict(COPY, text=WEEK_23, sapo=None))
    assert story(archive, A) == story(archive, C) == group and story(archive, B) != group
    assert archive.conn.execute("SELECT copies FROM stories WHERE id = ?", (group,)).fetchone()[0] == 2
    consistent(archive)


def test_an_article_moved_to_another_key_keeps_its_story_and_one_removed_leaves_it(archive):
    from archive import stories

    store(archive, record(A, ORIGINAL), COPY, record(C, ORIGINAL))
    group = story(archive, A)
    with archive.transaction():  # as archive.keys moves and removes articles
        archive.conn.execute("UPDATE articles SET url = ? WHERE url = ?", (A + "-moved", A))
        stories.rename(archive.conn, A, A + "-moved")
        stories.forget(archive.conn, C)
        archive.conn.execute("DELETE FROM articles WHERE url = ?", (C,))
    assert story(archive, A + "-moved") == story(archive, B) == group
    consistent(archive)


def test_search_shows_a_story_once_with_its_copies(archive):
    store(archive, record(A, ORIGINAL), COPY, record(C, WEEK_23, title="Tuần 23"))
    assert len(search(archive.conn, "sot xuat huyet")) == 3  # archive.search finds every copy
    rows = search_stories(archive.conn, "sot xuat huyet")
    assert [row["url"] for row in rows].count(A) + [row["url"] for row in rows].count(B) == 1
    assert len(rows) == 2
    shown = next(row for row in rows if row["url"] in (A, B))
    assert [copy["url"] for copy in shown["copies"]] == [{A: B, B: A}[shown["url"]]]
    assert next(row for row in rows if row["url"] == C)["copies"] == []


def test_export_one_per_story_gives_the_earliest_with_the_others_urls(archive):
    store(archive, COPY, record(A, ORIGINAL), record(C, WEEK_23, title="Tuần 23", published="2024-06-10T08:00:00+07:00"))
    out = io.StringIO()
    assert export(archive.conn, out, "jsonl", one_per_story=True) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["url"], line["copies"]) for line in lines] == [(C, []), (A, [B])]
    out = io.StringIO()
    assert export(archive.conn, out, "csv", one_per_story=True) == 2
    assert out.getvalue().splitlines()[0].endswith(",copies") and f'"[""{B}""]"' in out.getvalue()
    out = io.StringIO()
    assert export(archive.conn, out, "jsonl", portal="bacninh", one_per_story=True) == 1  # its earliest selected copy
    assert json.loads(out.getvalue())["copies"] == [A]
    assert export(archive.conn, io.StringIO(), "jsonl") == 3


def test_a_merge_of_two_archives_groups_their_copies(tmp_path):
    for name, item in (("a.db", record(A, ORIGINAL)), ("b.db", COPY)):
        node = Archive(tmp_path / name)
        store(node, item)
        node.close()
    merge([tmp_path / "a.db", tmp_path / "b.db"], tmp_path / "merged.db")
    merged = Archive(tmp_path / "merged.db")
    try:
        assert story(merged, A) == story(merged, B)
        assert merged.conn.execute("SELECT url, copies FROM stories WHERE copies > 1").fetchall() == [(A, 2)]
        consistent(merged)
    finally:
        merged.close()


def test_an_archive_written_before_stories_is_filed_when_opened_for_writing(tmp_path):
    path = tmp_path / "old.db"
    old = Archive(path)
    store(old, record(A, ORIGINAL), COPY)
    old.close()
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE story_members; DROP TABLE stories; DROP TABLE story_bands; DROP TABLE story_passages;")
    conn.close()
    reader = Archive(path, readonly=True)  # read-only: nothing written, every article alone
    try:
        assert len(search_stories(reader.conn, "sot xuat huyet")) == 2
    finally:
        reader.close()
    writer = Archive(path)
    try:
        assert story(writer, A) == story(writer, B)
    finally:
        writer.close()


FOOTER = (
    "Mọi thắc mắc về thủ tục hành chính, tổ chức và công dân liên hệ Văn phòng Sở Y tế qua số điện thoại "
    "đường dây nóng hoặc gửi văn bản về Bộ phận tiếp nhận và trả kết quả của Trung tâm Phục vụ hành chính "
    "công tỉnh để được hướng dẫn, giải đáp kịp thời theo quy định. Thông tin đăng tải trên Cổng thông tin "
    "điện tử Sở Y tế chỉ có giá trị tham khảo, văn bản chính thức được gửi qua hệ thống quản lý văn bản và "
    "điều hành của tỉnh tới các cơ quan, đơn vị liên quan để triển khai thực hiện.")
VOCABULARY = [word for word in ORIGINAL.replace(".", " ").replace(",", " ").split() if not any(c.isdigit() for c in word)]


def short_notice(n: int) -> str:
    """A short notice of its own (40 words of ORIGINAL's vocabulary drawn with seed `n`, no figures to
    tell them apart), then the portal's footer, longer than the notice."""
    return f"{' '.join(random.Random(n).choices(VOCABULARY, k=40))}.\n\n{FOOTER}"


def test_thirty_short_notices_sharing_a_long_footer_stay_thirty_stories_and_a_copy_still_joins(archive):
    notices = [short_notice(n) for n in range(30)]
    mine, theirs = Text(None, notices[0]), Text(None, notices[1])
    assert same_story(mine, theirs)  # by their shingles alone the footer makes any two of them one story
    urls = [f"https://soyte.thanhhoa.gov.vn/thong-bao/{n}" for n in range(30)]
    store(archive, *[record(url, text, title=f"Thông báo số {n}") for n, (url, text) in enumerate(zip(urls, notices))])
    assert len({story(archive, url) for url in urls}) == 30
    assert archive.conn.execute("SELECT max(copies) FROM stories").fetchone()[0] == 1
    copy = record("https://soyte.bacninh.gov.vn/tin/thong-bao-7", f"{notices[7]}\n\n{CREDIT}", portal="bacninh",
                  title="Thanh Hóa: thông báo số 7", published="2023-08-23T09:00:00+07:00")
    store(archive, copy)
    assert story(archive, copy["url"]) == story(archive, urls[7])
    assert len({story(archive, url) for url in urls}) == 30
    assert archive.conn.execute("SELECT url, copies FROM stories WHERE copies > 1").fetchall() == [(urls[7], 2)]
    consistent(archive)


def test_a_footer_is_learnt_from_the_archive_and_the_first_notices_split_when_a_later_one_shows_it(archive):
    """The first notices alone cannot tell a shared footer from a copy (a passage is boilerplate when
    COMMON = 2 articles beside the two compared print it); the fourth shows it is, and the first three's
    story is checked again and split."""
    urls = [f"https://soyte.thanhhoa.gov.vn/thong-bao/{n}" for n in range(4)]
    store(archive, *[record(url, short_notice(n)) for n, url in enumerate(urls[:3])])
    assert len({story(archive, url) for url in urls[:3]}) == 1
    store(archive, record(urls[3], short_notice(3)))
    assert len({story(archive, url) for url in urls}) == 4
    assert archive.conn.execute("SELECT count(*) FROM story_passages GROUP BY key HAVING count(*) > 1").fetchall() == [
        (4,), (4,)]  # the footer's two sentences, printed by the four
    consistent(archive)


def test_an_archive_written_before_boilerplate_passages_opens_and_learns_them_from_then_on(tmp_path):
    """An archive whose stories were filed before `story_passages` (and story_members.passages) keeps
    its stories; the passages of the articles stored from then on are learnt."""
    path = tmp_path / "older.db"
    older = Archive(path)
    urls = [f"https://soyte.thanhhoa.gov.vn/thong-bao/{n}" for n in range(4)]
    store(older, record(A, ORIGINAL), COPY)
    older.close()
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE story_passages; ALTER TABLE story_members DROP COLUMN passages;")
    conn.close()
    writer = Archive(path)
    try:
        assert story(writer, A) == story(writer, B)
        assert writer.conn.execute("SELECT count(*) FROM story_passages").fetchone()[0] == 0
        store(writer, *[record(url, short_notice(n)) for n, url in enumerate(urls)])
        assert len({story(writer, url) for url in urls}) == 4
        store(writer, dict(COPY, text=COPY["text"] + " Cập nhật."))  # re-filed: it leaves with no passages stored
        assert story(writer, A) == story(writer, B)
        consistent(writer)
    finally:
        writer.close()

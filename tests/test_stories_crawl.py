"""Same story, many places, end to end: the bundled Bắc Ninh and Thanh Hóa portals and a portal made
here (Bắc Ninh's layout, pages served on 127.0.0.1 by the replay server, registered in a registry of
its own) that republishes their news: a syndicated copy with a new title, an added lead, a cut
ending and "Theo Báo Sức khỏe & Đời sống"; a copy served in windows-1258; a notice posted twice; and
two weekly dengue reports of one template. Crawled with the real `soyte crawl`, then read with
Datasette, `soyte search`, `soyte export --one-per-story`, `soyte merge` and `soyte reextract`."""
from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from pathlib import Path

import pytest

from archive.datasette import make_datasette
from scraper.portals.registry import DEMO_PORTALS, REGISTRY_PATH
from scraper.portals.replay import ReplayServer
from tests.helpers import execute, query, served_articles, soyte

pytestmark = pytest.mark.e2e  # crawls of a replay server, `soyte` in a subprocess, Datasette

KEY = "baydongtin"
HOST = f"soyte.{KEY}.gov.vn"
START = f"https://{HOST}/tin-tuc"
TEMPLATE = (DEMO_PORTALS / "bacninh" / "pages" / "bacninh-2.html").read_text(encoding="utf-8")


def bundled(portal: str, fragment: str) -> dict:
    return next(record for record in served_articles(portal) if fragment in record["url"])


DENGUE = bundled("thanhhoa", "articleId/3506/")       # Sốt xuất huyết gia tăng tại thành phố Thanh Hóa …
VACCINE = bundled("bacninh", "trien-khai-tiem-vac-xin")  # Triển khai tiêm vắc xin phòng COVID-19 …


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


ADVICE = [
    "Trung tâm Kiểm soát bệnh tật tỉnh khuyến cáo người dân chủ động phòng bệnh bằng cách đậy kín các dụng cụ "
    "chứa nước, thả cá ăn bọ gậy vào bể chứa nước lớn, thu gom và hủy bỏ các vật dụng phế thải có thể chứa "
    "nước đọng quanh nhà như chai lọ, lốp xe, chum vại bỏ đi.",
    "Khi có các dấu hiệu sốt cao đột ngột, đau đầu, đau cơ, xuất huyết dưới da, người dân cần đến ngay cơ sở "
    "y tế gần nhất để được khám, tư vấn và điều trị kịp thời; tuyệt đối không tự ý điều trị tại nhà.",
    "Ngủ màn kể cả ban ngày, mặc quần áo dài tay, dùng bình xịt muỗi, hương muỗi, kem xua muỗi; phối hợp "
    "với chính quyền địa phương trong các đợt phun hóa chất diệt muỗi và chiến dịch diệt lăng quăng, bọ gậy.",
]


def weekly(week: int, start: str, end: str, cases: int, change: int, total: int) -> list[str]:
    return [f"Tuần {week} năm 2024 (từ ngày {start} đến ngày {end}), toàn tỉnh ghi nhận {cases} ca mắc sốt xuất "
            f"huyết, tăng {change} ca so với tuần trước; cộng dồn từ đầu năm {total} ca, không có ca tử vong."] + ADVICE


NOTICE = [
    "Sở Y tế thông báo tuyển dụng viên chức làm việc tại các đơn vị sự nghiệp trực thuộc năm 2024 với tổng "
    "số 126 chỉ tiêu, gồm bác sĩ, dược sĩ, điều dưỡng, hộ sinh và kỹ thuật viên y.",
    "Hồ sơ dự tuyển nộp trực tiếp tại Phòng Tổ chức cán bộ, Sở Y tế, từ ngày 02/5 đến hết ngày 31/5/2024, "
    "trong giờ hành chính các ngày làm việc; người dự tuyển chỉ được đăng ký ở một vị trí việc làm.",
]


def url(slug: str) -> str:
    return f"https://{HOST}/tin-tuc/{slug}"


# (slug, title, published as the page prints it, paragraphs, charset)
PAGES = [
    ("thanh-hoa-ra-quan-diet-bo-gay", "Thanh Hóa: hàng trăm người ra quân diệt bọ gậy", "23/08/2023 09:00",
     ["(SKĐS) Trước tình hình dịch sốt xuất huyết diễn biến phức tạp, ngành y tế Thanh Hóa huy động lực lượng "
      "ra quân diệt bọ gậy tại các phường trọng điểm."] + paragraphs(DENGUE["text"])[:-1]
     + ["Theo Báo Sức khỏe & Đời sống"], "utf-8"),
    ("tiem-vac-xin-cho-cong-nhan", "Bắc Ninh tiêm vắc xin cho công nhân khu công nghiệp", "29/07/2021 08:15",
     paragraphs(VACCINE["text"]) + ["Nguồn: Sở Y tế Bắc Ninh"], "windows-1258"),
    ("thong-bao-tuyen-dung-2024", "Thông báo tuyển dụng viên chức năm 2024", "25/04/2024 14:00", NOTICE, "utf-8"),
    ("tuyen-dung/thong-bao-tuyen-dung-vien-chuc", "Thông báo tuyển dụng viên chức các đơn vị năm 2024",
     "26/04/2024 08:00", NOTICE, "utf-8"),
    ("sot-xuat-huyet-tuan-23", "Tình hình sốt xuất huyết tuần 23", "10/06/2024 08:00",
     weekly(23, "03/6", "09/6", 45, 12, 312), "utf-8"),
    ("sot-xuat-huyet-tuan-24", "Tình hình sốt xuất huyết tuần 24", "17/06/2024 08:00",
     weekly(24, "10/6", "16/6", 52, 7, 364), "utf-8"),
]
SYNDICATED, WINDOWS, NOTICE_1, NOTICE_2, WEEK_23, WEEK_24 = (url(slug) for slug, *_ in PAGES)

TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """`text` as windows-1258 writes Vietnamese: a base letter (â, ê, ơ … precomposed) then its tone mark."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in TONES)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES)) + tones)
    return "".join(out).encode("cp1258")


def article_page(address: str, title: str, published: str, body: list[str], charset: str) -> bytes:
    page = TEMPLATE.replace(VACCINE["url"], address).replace(VACCINE["title"], title)
    page = page.replace("28/07/2021 16:20", published).replace("charset=UTF-8", f"charset={charset}")
    page = re.sub(r'(<div class="journal-content-article">\n).*?(\n</div>)',
                  lambda m: m[1] + "\n".join(f"<p>{p}</p>" for p in body) + m[2], page, count=1, flags=re.S)
    return windows_1258(page) if charset == "windows-1258" else page.encode("utf-8")


def listing_page(links: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<div class="asset-abstract"><h3 class="asset-title"><a href="{href}">{title}</a></h3></div>'
                    for href, title in links)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Tin tức</title></head><body>'
            f'<div class="portlet-asset-publisher">{items}</div></body></html>').encode()


def serve_republisher(server: ReplayServer) -> None:
    server.set_page(START, listing_page([(url(slug), title) for slug, title, *_ in PAGES]))
    for slug, title, published, body, charset in PAGES:
        server.set_page(url(slug), article_page(url(slug), title, published, body, charset),
                        content_type=f"text/html; charset={charset}")


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    """The registry with the republishing portal added (Bắc Ninh's layout), named by SOYTE_REGISTRY
    to every `soyte` this module runs."""
    path = tmp_path_factory.mktemp("registry") / "portals.toml"
    entry = (f'\n[{KEY}]\nprovince = "Hà Nam"\nhost = "{HOST}"\nlayout = "liferay-bacninh"\n'
             f'start_urls = ["{START}"]\nstatus = "active"\n')
    path.write_text(REGISTRY_PATH.read_text(encoding="utf-8") + entry, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOYTE_REGISTRY", str(path))
        yield path


@pytest.fixture(scope="module")
def server():
    with ReplayServer(folders=[DEMO_PORTALS / "bacninh", DEMO_PORTALS / "thanhhoa"]) as replay:
        serve_republisher(replay)
        yield replay


def crawl(db: Path, server: ReplayServer, registry: Path, *portals: str) -> Path:
    soyte("crawl", *portals, "--db", str(db), "--replay", server.url)
    return db


@pytest.fixture(scope="module")
def archive(tmp_path_factory, server, registry) -> Path:
    return crawl(tmp_path_factory.mktemp("stories") / "archive.db", server, registry, "bacninh", "thanhhoa", KEY)


def story_of(db: Path, address: str) -> int:
    return query(db, "SELECT story_id FROM story_members WHERE url = ?", (address,))[0]["story_id"]


def test_the_republishing_portal_was_crawled_whole(archive):
    stored = {row["url"]: row for row in query(archive, "SELECT url, title, text FROM articles WHERE portal = ?", (KEY,))}
    assert sorted(stored) == sorted(url(slug) for slug, *_ in PAGES)
    assert stored[WINDOWS]["title"] == "Bắc Ninh tiêm vắc xin cho công nhân khu công nghiệp"  # read from windows-1258
    assert unicodedata.is_normalized("NFC", stored[WINDOWS]["text"])


def test_copies_across_portals_are_one_story_each(archive):
    assert story_of(archive, DENGUE["url"]) == story_of(archive, SYNDICATED)
    assert story_of(archive, VACCINE["url"]) == story_of(archive, WINDOWS)
    assert story_of(archive, DENGUE["url"]) != story_of(archive, VACCINE["url"])
    rows = query(archive, "SELECT url, title, portal, copies, portals FROM stories WHERE id = ?",
                 (story_of(archive, DENGUE["url"]),))
    assert rows == [{"url": DENGUE["url"], "title": DENGUE["title"], "portal": "thanhhoa", "copies": 2, "portals": 2}]


def test_a_notice_posted_twice_on_one_portal_is_one_story(archive):
    assert story_of(archive, NOTICE_1) == story_of(archive, NOTICE_2)
    assert query(archive, "SELECT url, copies, portals FROM stories WHERE id = ?", (story_of(archive, NOTICE_1),)) == [
        {"url": NOTICE_1, "copies": 2, "portals": 1}]


def test_two_weekly_reports_of_one_template_are_two_stories(archive):
    assert story_of(archive, WEEK_23) != story_of(archive, WEEK_24)


def test_every_other_article_is_a_story_of_its_own(archive):
    articles = query(archive, "SELECT count(*) AS n FROM articles")[0]["n"]
    assert query(archive, "SELECT copies, count(*) AS stories FROM stories GROUP BY copies ORDER BY copies") == [
        {"copies": 1, "stories": articles - 6}, {"copies": 2, "stories": 3}]


class Client:
    def __init__(self, db: Path):
        self.datasette = make_datasette(db)
        self.loop = asyncio.new_event_loop()

    def get(self, path: str) -> str:
        response = self.loop.run_until_complete(self.datasette.client.get(path))
        assert response.status_code == 200, f"{path}: HTTP {response.status_code}\n{response.text[:2000]}"
        return response.text


@pytest.fixture(scope="module")
def client(archive):
    client = Client(archive)
    yield client
    client.loop.close()


def test_the_article_page_says_where_else_it_was_published(client, archive):
    from datasette.utils import tilde_encode

    page = client.get(f"/archive/articles/{tilde_encode(DENGUE['url'])}")
    block = page.split('class="soyte-also-published"', 1)[1].split("</section>", 1)[0]
    assert "Also published on (1)" in block
    assert "Thanh Hóa: hàng trăm người ra quân diệt bọ gậy" in block and "Hà Nam" in block
    assert f'href="/archive/story?story={story_of(archive, DENGUE["url"])}"' in block
    alone = client.get(f"/archive/articles/{tilde_encode(WEEK_23)}")
    assert "soyte-also-published" not in alone


def test_the_story_page_lists_its_copies_earliest_first(client, archive):
    rows = json.loads(client.get(f"/archive/story.json?story={story_of(archive, DENGUE['url'])}&_shape=array"))
    assert [(row["url"], row["portal"], row["published"]) for row in rows] == [
        (DENGUE["url"], "thanhhoa", DENGUE["published"]), (SYNDICATED, KEY, "2023-08-23T09:00:00+07:00")]
    assert rows[0]["similarity"] == 1.0 and 0.5 < rows[1]["similarity"] < 1.0


def test_the_stories_table_has_a_facet_on_copies(client, archive):
    articles = query(archive, "SELECT count(*) AS n FROM articles")[0]["n"]
    data = json.loads(client.get("/archive/stories.json"))  # the metadata names the facet
    facet = {row["value"]: row["count"] for row in data["facet_results"]["copies"]["results"]}
    assert facet == {1: articles - 6, 2: 3}
    chosen = json.loads(client.get("/archive/stories.json?copies=2&_shape=objects"))
    assert chosen["filtered_table_rows_count"] == 3
    assert {row["url"] for row in chosen["rows"]} == {DENGUE["url"], VACCINE["url"], NOTICE_1}


def test_the_canned_search_shows_a_story_once_with_its_copies(client):
    rows = json.loads(client.get("/archive/search.json?term=sot xuat huyet&_shape=array"))
    urls = [row["url"] for row in rows]
    assert (DENGUE["url"] in urls) != (SYNDICATED in urls)
    shown = next(row for row in rows if row["url"] in (DENGUE["url"], SYNDICATED))
    other = SYNDICATED if shown["url"] == DENGUE["url"] else DENGUE["url"]
    assert shown["copies"] == f"{'thanhhoa' if other == DENGUE['url'] else KEY}: {other}"
    assert WEEK_23 in urls and WEEK_24 in urls


def test_soyte_search_shows_a_story_once_with_its_copies(archive):
    lines = [json.loads(line) for line in soyte("search", "126 chi tieu tuyen dung", "--db", str(archive)).stdout.splitlines()]
    articles = [line for line in lines if line.get("found_in") != "document"]
    assert len(articles) == 1 and articles[0]["url"] in (NOTICE_1, NOTICE_2)
    assert [copy["url"] for copy in articles[0]["copies"]] == [({NOTICE_1, NOTICE_2} - {articles[0]["url"]}).pop()]


def test_export_one_per_story(archive, tmp_path):
    out = tmp_path / "stories.jsonl"
    result = soyte("export", "--one-per-story", "-o", str(out), "--db", str(archive))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    articles = query(archive, "SELECT count(*) AS n FROM articles")[0]["n"]
    assert len(records) == articles - 3 and f"exported {articles - 3} articles" in result.stderr
    by_url = {record["url"]: record for record in records}
    assert by_url[DENGUE["url"]]["copies"] == [SYNDICATED] and SYNDICATED not in by_url
    assert by_url[VACCINE["url"]]["copies"] == [WINDOWS] and by_url[NOTICE_1]["copies"] == [NOTICE_2]
    assert by_url[WEEK_23]["copies"] == [] and by_url[WEEK_24]["copies"] == []
    refused = soyte("export", "--one-per-story", "--format", "warc", "--db", str(archive), check=False)
    assert refused.returncode == 2 and "--one-per-story" in refused.stderr


def test_a_merge_of_two_archives_groups_their_copies(tmp_path, server, registry):
    bundled_db = crawl(tmp_path / "a.db", server, registry, "bacninh", "thanhhoa")
    republished = crawl(tmp_path / "b.db", server, registry, KEY)
    assert query(bundled_db, "SELECT count(*) AS n FROM stories WHERE copies > 1") == [{"n": 0}]
    merged = tmp_path / "merged.db"
    soyte("merge", str(bundled_db), str(republished), "--into", str(merged))
    assert story_of(merged, DENGUE["url"]) == story_of(merged, SYNDICATED)
    assert story_of(merged, VACCINE["url"]) == story_of(merged, WINDOWS)
    assert story_of(merged, WEEK_23) != story_of(merged, WEEK_24)
    assert query(merged, "SELECT url, copies FROM stories WHERE copies > 1 ORDER BY url") == sorted(
        [{"url": DENGUE["url"], "copies": 2}, {"url": VACCINE["url"], "copies": 2}, {"url": NOTICE_1, "copies": 2}],
        key=lambda row: row["url"])


def test_reextract_does_not_split_a_story(archive, tmp_path, registry):
    db = tmp_path / "reextracted.db"
    db.write_bytes(archive.read_bytes())
    before = {row["url"]: row["story_id"] for row in query(db, "SELECT url, story_id FROM story_members")}
    # The stored copy made wrong behind the archive's back: reextract reads its page again and updates it.
    execute(db, "UPDATE articles SET text = 'Bài viết bị lỗi.', content_hash = 'stale' WHERE url = ?", (SYNDICATED,))
    result = soyte("reextract", "--db", str(db))
    assert "re-extracted: 0 new, 1 updated," in result.stderr
    assert query(db, "SELECT text FROM articles WHERE url = ?", (SYNDICATED,))[0]["text"].endswith(
        "Theo Báo Sức khỏe & Đời sống")
    after = {row["url"]: row["story_id"] for row in query(db, "SELECT url, story_id FROM story_members")}
    assert after == before


def test_in_chromium_the_article_page_links_its_copy_and_the_story_page_lists_both(archive):
    from datasette.utils import tilde_encode

    from tests.test_browser import rendered_dom, serving

    server = serving(archive)
    base = next(server)
    try:
        page = rendered_dom(f"{base}/archive/articles/{tilde_encode(DENGUE['url'])}")
        assert page.css(".soyte-also-published h2::text").get() == "Also published on (1)"
        assert page.css(".soyte-also-published a.soyte-copy::text").getall() == [
            "Thanh Hóa: hàng trăm người ra quân diệt bọ gậy"]
        story = rendered_dom(base + page.css("a.soyte-story-link::attr(href)").get())
        assert [" ".join(cell.css("::text").getall()).strip() for cell in story.css("td.col-url")] == [
            DENGUE["url"], SYNDICATED]
    finally:
        server.close()


def test_an_archive_written_before_stories_is_served_with_every_article_alone(archive, tmp_path):
    import sqlite3

    from datasette.utils import tilde_encode

    old = tmp_path / "archive.db"
    old.write_bytes(archive.read_bytes())
    conn = sqlite3.connect(old)
    conn.executescript("DROP TABLE story_members; DROP TABLE stories; DROP TABLE story_bands;")
    conn.close()
    client = Client(old)
    try:
        page = client.get(f"/archive/articles/{tilde_encode(DENGUE['url'])}")
        assert DENGUE["title"] in page and "soyte-also-published" not in page
        rows = json.loads(client.get("/archive/search.json?term=126 chi tieu tuyen dung&_shape=array"))
        assert sorted(row["url"] for row in rows) == sorted([NOTICE_1, NOTICE_2])
        assert all(row["copies"] is None for row in rows)
    finally:
        client.loop.close()
    assert {"stories", "story_members", "story_bands"}.isdisjoint(
        name for (name,) in sqlite3.connect(old).execute("SELECT name FROM sqlite_master"))  # nothing written

"""Archived images in a real browser (issue 33): Hà Tĩnh crawled from the replay server, which is then
stopped (the portal is offline), `soyte serve` over the archive, the article page rendered by headless
Chromium: the picture is shown from the archive with its caption, the portal's link beside it.

Needs Debian's `chromium`, as tests/test_browser.py does: without it these tests fail, they do not skip.
"""
from __future__ import annotations

import hashlib
import io
import urllib.error
import urllib.request

import pytest
from datasette.utils import tilde_encode

from scraper.portals.replay import ReplayServer
from tests.helpers import portal_site, soyte
from tests.test_browser import assert_is_a_real_screenshot, chromium, rendered_dom, serving

pytestmark = pytest.mark.e2e  # a crawl, `soyte serve` and headless Chromium

ARTICLE = ("https://soyte.hatinh.gov.vn/tin-tuc-su-kien/tang-cuong-giam-sat-benh-tay-chan-mieng-trong-truong-mam-non"
           "-1635233700.html")
IMAGE = "https://soyte.hatinh.gov.vn/uploads/soyte/2021_10/ve-sinh-lop-hoc-mam-non.jpg"
CAPTION = "Cán bộ y tế hướng dẫn giáo viên khử khuẩn đồ chơi, lớp học."


def picture() -> bytes:
    return next(page.body() for page in portal_site("hatinh").pages(("image",)) if page.url == IMAGE)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`soyte serve` over Hà Tĩnh's archive, the portal's replay server stopped before it starts."""
    db = tmp_path_factory.mktemp("browser-images") / "archive.db"
    with ReplayServer(portals=("hatinh",)) as portal:
        soyte("crawl", "hatinh", "--db", str(db), "--replay", portal.url)
    for base in serving(db):
        yield base


def test_the_article_page_shows_the_archived_image_with_its_caption_and_the_portal_link(site):
    dom = rendered_dom(f"{site}/archive/articles/{tilde_encode(ARTICLE)}")
    digest = hashlib.sha256(picture()).hexdigest()
    [figure] = dom.css(".soyte-images figure.soyte-figure")
    assert figure.css("img::attr(src)").get() == f"/archive/images/{digest}"
    assert (figure.css("img::attr(width)").get(), figure.css("img::attr(height)").get()) == ("400", "266")
    assert figure.css("img::attr(alt)").get() == CAPTION
    assert figure.css("figcaption .soyte-caption::text").get() == CAPTION
    assert figure.css("figcaption a.soyte-portal-image::attr(href)").get() == IMAGE


def test_the_image_route_serves_the_stored_bytes_inline_and_safely(site):
    digest = hashlib.sha256(picture()).hexdigest()
    with urllib.request.urlopen(f"{site}/archive/images/{digest}", timeout=10) as response:
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "sandbox"
        assert response.headers.get("Content-Disposition") is None  # shown in the page, not downloaded
        assert response.read() == picture()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{site}/archive/images/{'0' * 64}", timeout=10)
    assert missing.value.code == 404


def test_chromium_draws_the_archived_picture_with_the_portal_offline(site, tmp_path):
    """The screenshot holds the picture's own pixels: the browser loaded it from the archive, as the
    portal's replay server is stopped (and the page links nothing else that could draw them)."""
    from PIL import Image

    url = f"{site}/archive/articles/{tilde_encode(ARTICLE)}"
    shot = tmp_path / "article.png"
    result = chromium(f"--screenshot={shot}", "--window-size=1280,3000", "--virtual-time-budget=5000", url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert_is_a_real_screenshot(shot)
    background = Image.open(io.BytesIO(picture())).convert("RGB").getpixel((5, 5))  # the picture's sky
    page = Image.open(shot).convert("RGB")
    data = page.tobytes()
    near = sum(1 for i in range(0, len(data), 3)
               if abs(data[i] - background[0]) <= 8 and abs(data[i + 1] - background[1]) <= 8
               and abs(data[i + 2] - background[2]) <= 8)
    assert near > 20_000, f"{near} pixels of the picture's colour {background}: the image did not load"

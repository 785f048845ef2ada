"""What the tests of `soyte serve` and `soyte export` share: the command, a crawled archive, and the
facts of the bundled portals that browsing them must show."""
from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

from tests.helpers import ROOT, demo_articles, demo_portal_keys, reference_server, soyte


def soyte_command(*args: str) -> list[str]:
    """`soyte ARGS` as helpers.soyte runs it, for a server that must keep running (Popen)."""
    return [sys.executable, "-m", "scraper.cli", *args]


def soyte_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def crawl_demo_portals(db: Path) -> Path:
    """Every active bundled demo portal crawled into `db` with the real `soyte crawl` (demo_articles())."""
    with reference_server() as server:
        soyte("crawl", *demo_portal_keys(), "--db", str(db), "--replay", server.url)
    return db


# Articles per province, as the portals' expected records give them.
PROVINCE_COUNTS = dict(Counter(record["province"] for record in demo_articles()))

# Articles of the bundled portals whose title, sapo or text holds "sốt xuất huyết".
DENGUE_TITLES = {
    "Bắc Ninh ra quân chiến dịch diệt bọ gậy phòng chống sốt xuất huyết năm 2018",
    "Sở Y tế Sơ kết công tác 6 tháng đầu năm và triển khai nhiệm vụ 6 tháng cuối năm",
    "Hướng dẫn phòng chống bệnh sốt xuất huyết trong mùa mưa",
    "Quyết liệt triển khai công tác chuyển đổi số trong ngành y tế",
    "Năm 2023, ngành Y tế Thanh Hóa hoàn thành vượt 12/14 chỉ tiêu chuyên môn",
    "Sốt xuất huyết gia tăng tại thành phố Thanh Hóa, ngành y tế ra quân diệt bọ gậy",
    "Kế hoạch phòng, chống dịch bệnh truyền nhiễm trên địa bàn tỉnh năm 2024",
    "Ngành Y tế Cần Thơ sơ kết công tác 6 tháng đầu năm 2024",
    "Cần Thơ: Sốt xuất huyết tăng cao, người dân cần chủ động diệt lăng quăng",
}
# Articles holding "Châu Đốc": the unaccented query must also fold Đ to D.
CHAU_DOC_TITLES = {
    "Bệnh viện Đa khoa khu vực Châu Đốc đón nhận danh hiệu bệnh viện xanh - sạch - đẹp",
    "Các nhiệm vụ trọng tâm công tác Y tế tỉnh An Giang năm 2020",
}

# A record as a hostile or broken page could give it: markup in every text field, a script URL.
HOSTILE = {
    "url": "https://soyte.example.gov.vn/tin-tuc/canh-bao.html", "portal": "demo", "province": "Đắk Lắk",
    "title": "Cảnh báo <script>document.body.setAttribute('data-injected', 'title')</script> Đắk Lắk",
    "published": "2024-05-02T07:30:00+07:00", "category": "Tin <b>tức</b>", "sapo": None,
    "text": "Đoạn một có <b>chữ đậm</b> & ký hiệu \"<>\".\n\n"
            "<img src=x onerror=\"document.body.setAttribute('data-injected', 'text')\">",
    "author": "<i>Thu Hà</i>", "source": None, "views": 3,
    "images": [{"url": "javascript:document.body.setAttribute('data-injected','image')",
                "caption": "<script>alert(1)</script>Ảnh"}],
    "attachments": [],
}

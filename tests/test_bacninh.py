"""Bắc Ninh (liferay-bacninh): every reference page extracted exactly, and a crawl end to end."""
from __future__ import annotations

from tests.helpers import article_cases
from tests.portal_suite import PortalSuite, crawled  # noqa: F401  (the class-scoped crawl)


class TestBacninh(PortalSuite):
    PORTAL = "bacninh"
    CHROME = [
        "Trực tuyến", "Đã truy cập", "Online :", "Total visited", "bn-current-user-online-portlet",
        "Thời tiết", "Không lấy được dữ liệu", "Liên kết website", "Web links", "Chọn liên kết",
        "Cổng thông tin điện tử tỉnh Bắc Ninh", "Tin khác", "Other news", "Quay lại", "In bài viết",
        "Facebook", "Twitter", "SỞ Y TẾ TỈNH BẮC NINH", "Số 11 đường Lý Thái Tổ", "Liferay",
        "Số lượt xem", "View Count", "Nguồn:", "Source:", "File đính kèm",
    ]
    REQUESTS = 9  # robots.txt, three listing pages, five articles
    SEARCH = ("diet bo gay", "https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
                             "bac-ninh-ra-quan-chien-dich-diet-bo-gay-phong-chong-sot-xuat-huyet-nam-2018")


def test_both_skins_are_reference_pages():
    """The 2017 capture printed English labels; both label sets occur in the real archive."""
    names = {case.path.name for case in article_cases("bacninh")}
    assert {"bacninh-s1.html", "bacninh-s1-2017.html"} <= names

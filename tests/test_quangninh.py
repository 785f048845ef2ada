"""Quảng Ninh (quangninh): every reference page extracted exactly by the learnt layout, and a crawl end to end."""
from __future__ import annotations

from tests.portal_suite import PortalSuite, crawled  # noqa: F401  (the class-scoped crawl)


class TestQuangninh(PortalSuite):
    PORTAL = "quangninh"
    CHROME = [
        'CỔNG THÔNG TIN ĐIỆN TỬ SỞ Y TẾ TỈNH QUẢNG NINH',
        'Quản trị viên',
        'Chia sẻ:',
        'Tin liên quan',
        'Tải xuống',
        'Điều hướng bài viết',
        'Email của bạn sẽ không được hiển thị công khai',
        'Lượt xem:',
        'Tổng lượt truy cập',
        'Thời tiết Hạ Long',
        'Chuyển đến nội dung',
        'Cơ quan chủ quản',
        'Tin mới nhất',
    ]

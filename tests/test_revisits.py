"""Revisits spread evenly: a daily crawl of an unchanged portal re-checks a small, steady share of
its archive, each article at least once per its interval, old news rarely."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from archive.frontier import load_frontier
from archive.revisits import MAX_REVISIT, is_due, revisit_interval
from archive.store import Archive

REVISIT = timedelta(days=30)
FIRST_CRAWL = datetime(2026, 1, 10, 2, 0, tzinfo=timezone.utc)
VN = timezone(timedelta(hours=7))
ARTICLES = 3000
HISTORY_DAYS = 4 * 365  # the portal's archive goes back four years
DAYS = 60


def record(n: int) -> dict:
    published = FIRST_CRAWL - timedelta(days=HISTORY_DAYS * n / ARTICLES, hours=3)
    return {"url": f"https://soyte.example.gov.vn/tin-tuc/bai-{n}.html", "portal": "demo", "province": "Đắk Lắk",
            "title": f"Bài {n}", "published": published.astimezone(VN).isoformat(timespec="seconds"),
            "category": None, "sapo": None, "text": f"Nội dung bài {n}.", "author": None, "source": None,
            "views": None, "images": [], "attachments": []}


@pytest.fixture(scope="module")
def daily_runs(tmp_path_factory):
    """60 daily crawls after a first crawl that archived the whole portal on one day: the URLs each
    day's crawl revisits (a revisit stores the article again, unchanged, at that day's time)."""
    archive = Archive(tmp_path_factory.mktemp("revisits") / "a.db")
    records = {r["url"]: r for r in map(record, range(ARTICLES))}
    for r in records.values():
        archive.upsert_article(r, layout="demo", extractor="demo/1", page_id=None,
                               seen=FIRST_CRAWL.isoformat(timespec="seconds"))
    due_by_day: dict[int, list[str]] = {}
    for day in range(1, DAYS + 1):
        now = FIRST_CRAWL + timedelta(days=day)
        due = load_frontier(archive.conn, ["demo"], REVISIT, now=now).due.get("demo", [])
        due_by_day[day] = due
        for url in due:
            outcome = archive.upsert_article(records[url], layout="demo", extractor="demo/1", page_id=None,
                                             seen=now.isoformat(timespec="seconds"))
            assert outcome == "unchanged"
    archive.close()
    return records, due_by_day


def test_a_daily_crawl_revisits_under_one_percent_of_the_archive_on_average(daily_runs):
    _records, due_by_day = daily_runs
    mean = sum(map(len, due_by_day.values())) / DAYS
    assert 0.005 * ARTICLES < mean <= 0.01 * ARTICLES


def test_no_day_revisits_more_than_two_percent(daily_runs):
    _records, due_by_day = daily_runs
    counts = [len(due) for due in due_by_day.values()]
    assert max(counts) <= 0.02 * ARTICLES
    assert min(counts) > 0  # spread over the days, not bunched


def test_day_31_is_no_longer_a_second_full_crawl(daily_runs):
    _records, due_by_day = daily_runs
    assert len(due_by_day[31]) < 0.02 * ARTICLES


def test_every_recent_article_is_revisited_within_its_interval(daily_runs):
    records, due_by_day = daily_runs
    visits = {url: [0] for url in records}
    for day, due in due_by_day.items():
        for url in due:
            visits[url].append(day)
    for url, record_ in records.items():
        published = datetime.fromisoformat(record_["published"])
        for seen, following in zip(visits[url], visits[url][1:] + [None]):
            later = FIRST_CRAWL + timedelta(days=following if following is not None else DAYS)
            interval = revisit_interval(published, REVISIT, later)
            limit = seen + interval.days + 1  # daily runs: at most one day late
            assert following is not None and following <= limit or following is None and limit > DAYS, url


def test_articles_of_the_last_month_are_all_revisited_within_thirty_days(daily_runs):
    records, due_by_day = daily_runs
    recent = {url for url, r in records.items()
              if datetime.fromisoformat(r["published"]) > FIRST_CRAWL - timedelta(days=30)}
    revisited = {url for day in range(1, 31) for url in due_by_day[day]}
    assert recent and recent <= revisited


def test_the_interval_is_a_quarter_of_the_age_between_the_revisit_age_and_a_year():
    now = FIRST_CRAWL
    assert revisit_interval(now - timedelta(days=2), REVISIT, now) == REVISIT
    assert revisit_interval(now - timedelta(days=400), REVISIT, now) == timedelta(days=100)
    assert revisit_interval(now - timedelta(days=3000), REVISIT, now) == MAX_REVISIT
    assert revisit_interval(None, REVISIT, now) == REVISIT


def test_revisit_age_zero_revisits_everything():
    url = "https://soyte.example.gov.vn/a.html"
    assert is_due(url, FIRST_CRAWL, FIRST_CRAWL - timedelta(days=900), timedelta(0), FIRST_CRAWL + timedelta(1))

"""The held-out portals (tests/heldout_portals/) are well-formed site folders.

They are a measurement, not a target: `python -m bench.learn` learns each from a few of its
articles and scores the others (docs/BENCHMARKS.md, "Learning"); nobody tunes the learner on them.
These tests check only that each folder is what the benchmark assumes: a site.json that
scraper.portals.sites.Site reads, two listing pages and six articles, and for every served article
an expected record with every field of the contract (scraper/demo_portals/LAYOUTS.md), in NFC, with
+07:00 times and absolute URLs. They say nothing about whether learning succeeds.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from scraper.extraction.cleaning import tidy
from scraper.learn.examples import expected_record_problem
from scraper.model import RECORD_KEYS
from scraper.portals.sites import Site

HELDOUT = Path(__file__).parent / "heldout_portals"
FOLDERS = sorted(folder.name for folder in HELDOUT.iterdir() if (folder / "site.json").exists())
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}\+07:00)?$")


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_there_are_five_held_out_portals():
    assert FOLDERS == ["dongthap-next", "gialai-bootstrap", "haiduong-vnpt", "laocai-aspnet", "quangtri-php"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_manifest_loads_and_lists_two_listings_and_six_articles(folder):
    site = Site(HELDOUT / folder)
    manifest = site.manifest()
    assert manifest["portal"] and manifest["province"] and manifest["start_urls"]
    assert site.host and all(urlsplit(page.url).hostname == site.host for page in site.pages())
    assert len(site.pages(("listing",))) == 2
    assert len(site.pages(("article",))) == 6
    assert manifest["start_urls"][0] == site.pages(("listing",))[0].url
    for page in site.pages():
        assert page.path.is_file(), page.file
    assert site.incomplete(manifest["portal"]) is None


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_served_article_has_a_contract_record(folder):
    site = Site(HELDOUT / folder)
    manifest = site.manifest()
    for page in site.pages(("article",)):
        record = page.expected
        assert record is not None, f"{page.file} has no expected record"
        assert expected_record_problem(record) is None, page.file
        assert list(record) == list(RECORD_KEYS), page.file
        assert record["portal"] == manifest["portal"] and record["province"] == manifest["province"]
        assert urlsplit(record["url"]).hostname == site.host
        assert record["title"] and record["text"] and record["category"]
        assert ISO.match(record["published"]), record["published"]
        assert record["views"] is None or isinstance(record["views"], int)
        for link in record["images"] + record["attachments"]:
            assert urlsplit(link["url"]).scheme in ("http", "https"), link


@pytest.mark.parametrize("folder", FOLDERS)
def test_records_are_nfc_tidy_and_printed_on_their_page(folder):
    site = Site(HELDOUT / folder)
    for page in site.pages(("article",)):
        record = page.expected
        for value in strings(record):
            assert unicodedata.is_normalized("NFC", value), (page.file, value)
        paragraphs = record["text"].split("\n\n")
        assert all(p and p == tidy(p) for p in paragraphs), page.file
        for field in ("title", "sapo", "author", "source", "category"):
            value = record[field]
            assert value is None or value == tidy(value), (page.file, field)
        doc = lxml.html.document_fromstring(page.body())
        for bad in doc.xpath("//script|//style|//head"):
            bad.drop_tree()
        shown = tidy(doc.text_content())
        for value in [record["title"], record["sapo"], record["author"], record["source"], record["category"],
                      *(p for p in paragraphs if " | " not in p),
                      *(image["caption"] for image in record["images"]),
                      *(item["title"] for item in record["attachments"])]:
            assert value is None or value in shown, (page.file, value)

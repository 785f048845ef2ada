"""Same story, many places (archive.stories): precision and recall of the grouping, and its cost.

1. A labelled set, built here from the articles of the bundled demo portals and of the unseen and
   held-out test portals (their expected records, read as data):
   - same story (positives): each article against its copies made as republishers make them: a new
     title; an added lead; the last paragraph cut; only the first half kept; a credit and a share
     line added ("Theo Báo Sức khỏe & Đời sống"); tone marks decomposed as windows-1258 writes
     them; the accents lost; a few words corrected; and a new title with a lead, a cut ending and a
     credit together;
   - different stories (negatives): every pair of distinct articles (many on one subject: dengue,
     vaccination, six-month reviews), and every pair within a series of reports of one template
     whose figures and dates change (weekly dengue reports, monthly citizen-reception notices,
     weekly vaccination results, daily COVID-19 bulletins; two provinces, six issues each); beside
     them, a syndicated copy of each issue (positive);
   - boilerplate: 30 short notices (40 words of their own, no figures) that end with one portal's
     long standard footer (110 words, longer than each notice): every pair different stories, and a
     copy of every fifth (a credit added) the same story as its notice.
   Measured twice: the verification alone (archive.stories.same_story) at a grid of thresholds, and
   the whole path at the chosen ones: every text stored with Archive.upsert_article in a new
   archive, each labelled pair then read as "same story_id or not" (the band index's misses and
   single-link joins included).
2. Cost per stored article at 100,000 articles: an archive of N synthetic articles (`Words`: the
   bundled records' words drawn at random, some of their sentences; 2 % copies of an earlier one) written
   by Archive.upsert_article in one-second commit windows as a crawl writes; then blocks of M new
   articles stored with the story hook and without it (archive.store.index_article replaced by a
   no-op), each block alone, alternating, REPS times: median and spread of the time per article.
   Also the story tables' bytes per article (dbstat), and the hook's parts on the same articles.

    python -m bench.stories [--quick] [--articles 100000] [--block 500] [--reps 5]
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sqlite3
import tempfile
import time
import unicodedata
from pathlib import Path

import archive.store
from archive import stories
from archive.stories import CONTAINMENT, MIN_SHINGLES, NUMBERS, Text, same_story
from archive.store import Archive
from bench.common import summary, table, write_results
from bench.synthetic import Corpus
from scraper.portals.registry import DEMO_PORTALS

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [DEMO_PORTALS, ROOT / "tests" / "unseen_portals", ROOT / "tests" / "heldout_portals"]
LEADS = ["(SKĐS) {title}: thông tin từ Sở Y tế tỉnh cho biết như sau.",
         "Ngày hôm qua, {title_lower}, theo thông tin từ cơ quan chức năng địa phương."]
CREDITS = ["Theo Báo Sức khỏe & Đời sống", "Nguồn: Cổng thông tin Bộ Y tế", "(Theo CDC tỉnh)"]
SHARE = "Chia sẻ: Facebook · Zalo · In bài viết"
TONES = "\u0300\u0301\u0303\u0309\u0323"


# ---- the labelled set ---------------------------------------------------------------------------

def base_articles() -> list[dict]:
    """Every expected record of the bundled, unseen and held-out portals, one per URL."""
    found: dict[str, dict] = {}
    for root in SOURCES:
        for path in sorted(root.glob("*/expected/*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("text"):
                found.setdefault(record["url"], record)
    return list(found.values())


def windows_1258(text: str) -> str:
    """The text as decoded from windows-1258: each tone mark apart, after its (precomposed) letter."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in TONES)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES)) + tones)
    return "".join(out)


def unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)) \
        .replace("đ", "d").replace("Đ", "D")


def corrected(text: str, rng: random.Random, share: float = 0.03) -> str:
    words = text.split(" ")
    for i in rng.sample(range(len(words)), max(1, int(len(words) * share))):
        words[i] = rng.choice(["", words[i].upper(), words[i] + ","])
    return " ".join(word for word in words if word)


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def cut_ending(text: str) -> str:
    parts = paragraphs(text)
    if len(parts) > 1:
        return "\n\n".join(parts[:-1])
    sentences = re.split(r"(?<=[.;!?])\s+", text)
    return " ".join(sentences[:-1]) if len(sentences) > 1 else text


def first_half(text: str) -> str:
    parts = paragraphs(text)
    if len(parts) > 1:
        return "\n\n".join(parts[:(len(parts) + 1) // 2])
    words = text.split(" ")
    return " ".join(words[:(len(words) + 1) // 2])


def copies(record: dict, rng: random.Random) -> dict[str, dict]:
    """The republished copies of one article, by kind."""
    title, text = record["title"], record["text"]
    lead = rng.choice(LEADS).format(title=title, title_lower=title[:1].lower() + title[1:])
    credit = rng.choice(CREDITS)
    return {
        "new title": {"title": f"{title} (tin tổng hợp)", "sapo": record.get("sapo"), "text": text},
        "lead added": {"title": title, "sapo": lead, "text": text},
        "ending cut": {"title": title, "sapo": record.get("sapo"), "text": cut_ending(text)},
        "first half only": {"title": title, "sapo": None, "text": first_half(text)},
        "credit and share line": {"title": title, "sapo": record.get("sapo"), "text": f"{text}\n\n{credit}\n\n{SHARE}"},
        "windows-1258": {"title": windows_1258(title), "sapo": windows_1258(record.get("sapo") or "") or None,
                         "text": windows_1258(text)},
        "accents lost": {"title": unaccented(title), "sapo": unaccented(record.get("sapo") or "") or None,
                         "text": unaccented(text)},
        "words corrected": {"title": title, "sapo": record.get("sapo"), "text": corrected(text, rng)},
        "title, lead, ending, credit": {"title": f"Tin {rng.randint(2, 9)}: {title}", "sapo": lead,
                                        "text": f"{cut_ending(text)}\n\n{credit}"},
    }


SERIES = {
    "weekly dengue report": (
        "Tuần {n} năm 2024 (từ ngày {d1} đến ngày {d2}), toàn tỉnh {province} ghi nhận {a} ca mắc sốt xuất huyết, "
        "tăng {b} ca so với tuần trước; cộng dồn từ đầu năm {c} ca, {e} ca tử vong.",
        ["Trung tâm Kiểm soát bệnh tật tỉnh khuyến cáo người dân chủ động phòng bệnh bằng cách đậy kín các dụng cụ "
         "chứa nước, thả cá ăn bọ gậy vào bể chứa nước lớn, thu gom và hủy bỏ các vật dụng phế thải có thể chứa "
         "nước đọng quanh nhà như chai lọ, lốp xe, chum vại bỏ đi.",
         "Khi có các dấu hiệu sốt cao đột ngột, đau đầu, đau cơ, xuất huyết dưới da, người dân cần đến ngay cơ sở "
         "y tế gần nhất để được khám, tư vấn và điều trị kịp thời; tuyệt đối không tự ý điều trị tại nhà."]),
    "monthly citizen reception notice": (
        "Sở Y tế {province} thông báo lịch tiếp công dân định kỳ của Giám đốc Sở tháng {n}/2024 vào ngày {d1} "
        "và ngày {d2}, tại Phòng tiếp công dân, số {a} đường Lê Lợi; buổi sáng từ {b} giờ.",
        ["Công dân đến tiếp xúc, kiến nghị, phản ánh mang theo giấy tờ tùy thân và các tài liệu liên quan; "
         "trường hợp ủy quyền phải có giấy ủy quyền hợp lệ theo quy định của pháp luật.",
         "Lịch tiếp công dân có thể thay đổi khi Giám đốc Sở có lịch công tác đột xuất; Văn phòng Sở sẽ thông "
         "báo lịch thay đổi trên Cổng thông tin điện tử và niêm yết tại trụ sở cơ quan."]),
    "weekly vaccination result": (
        "Kết quả tiêm chủng mở rộng tuần {n} tại {province}: đã tiêm {a} liều vắc xin cho trẻ dưới 1 tuổi, "
        "{b} liều sởi - rubella cho trẻ 18 tháng và {c} liều uốn ván cho phụ nữ có thai; tỷ lệ đạt {e}%.",
        ["Các trạm y tế xã tiếp tục rà soát, lập danh sách trẻ chưa tiêm hoặc tiêm chưa đủ mũi để tiêm vét, "
         "bảo đảm an toàn tiêm chủng, theo dõi trẻ 30 phút sau tiêm tại điểm tiêm và 24 giờ tại nhà.",
         "Cha mẹ cần đưa trẻ đi tiêm đủ mũi, đúng lịch theo hướng dẫn của cán bộ y tế, mang theo sổ tiêm chủng "
         "và thông báo tình trạng sức khỏe của trẻ trước khi tiêm."]),
    "daily COVID-19 bulletin": (
        "Bản tin ngày {d1}: trong 24 giờ qua, {province} ghi nhận {a} ca mắc COVID-19 mới, trong đó {b} ca cộng "
        "đồng; tổng số ca mắc từ đầu dịch là {c} ca, {e} ca đang điều trị.",
        ["Sở Y tế đề nghị người dân thực hiện tốt thông điệp 5K, tiêm vắc xin phòng COVID-19 đầy đủ các mũi "
         "theo khuyến cáo, chủ động khai báo y tế khi có các triệu chứng nghi ngờ mắc bệnh.",
         "Các cơ sở khám bệnh, chữa bệnh tiếp tục phân luồng, sàng lọc người bệnh, bố trí khu cách ly tạm thời "
         "và bảo đảm đủ thuốc, vật tư, trang thiết bị cho công tác điều trị."]),
}


def series_issue(kind: str, province: str, n: int, rng: random.Random) -> dict:
    first, static = SERIES[kind]
    day = rng.randint(1, 20)
    values = {"n": n, "province": province, "d1": f"{day:02d}/{rng.randint(1, 12)}", "d2": f"{day + 6:02d}/{n % 12 + 1}",
              "a": rng.randint(10, 900), "b": rng.randint(2, 90), "c": rng.randint(1000, 9000), "e": rng.randint(0, 99)}
    return {"title": f"{kind.capitalize()} {n}", "sapo": None, "text": "\n\n".join([first.format(**values), *static])}


FOOTER = (
    "Mọi thắc mắc về thủ tục hành chính, tổ chức và công dân liên hệ Văn phòng Sở Y tế qua số điện thoại "
    "đường dây nóng hoặc gửi văn bản về Bộ phận tiếp nhận và trả kết quả của Trung tâm Phục vụ hành chính "
    "công tỉnh để được hướng dẫn, giải đáp kịp thời theo quy định. Thông tin đăng tải trên Cổng thông tin "
    "điện tử Sở Y tế chỉ có giá trị tham khảo, văn bản chính thức được gửi qua hệ thống quản lý văn bản và "
    "điều hành của tỉnh tới các cơ quan, đơn vị liên quan để triển khai thực hiện.")
NOTICES = 30
FOOTER_KINDS = ("two notices sharing a footer", "a notice's copy, footer and all")


def notices(bases: list[dict], rng: random.Random) -> list[dict]:
    """NOTICES short notices of their own (40 words drawn from the records' words, figures left out:
    nothing but their words tells them apart), each ending with the portal's FOOTER."""
    vocabulary = [word for record in bases for word in record["text"].split() if not any(c.isdigit() for c in word)]
    return [{"title": f"Thông báo số {n}", "sapo": None,
             "text": f"{' '.join(rng.choices(vocabulary, k=40)).capitalize()}.\n\n{FOOTER}"} for n in range(NOTICES)]


def labelled_set(seed: int = 35) -> tuple[list[dict], list[tuple[int, int, bool, str]]]:
    """(texts, pairs): each pair (i, j, same story?, kind)."""
    rng = random.Random(seed)
    texts: list[dict] = []
    pairs: list[tuple[int, int, bool, str]] = []
    bases = base_articles()
    for record in bases:
        texts.append({"title": record["title"], "sapo": record.get("sapo"), "text": record["text"], "kind": "article"})
    for i, j in itertools.combinations(range(len(bases)), 2):
        pairs.append((i, j, False, "two different articles"))
    for i, record in enumerate(bases):
        if len(Text(record.get("sapo"), record["text"]).grams) < MIN_SHINGLES:
            continue  # a short text is a story of its own by rule: not a copy to find
        for kind, copy in copies(record, rng).items():
            texts.append({**copy, "kind": kind})
            pairs.append((i, len(texts) - 1, True, kind))
    for kind in SERIES:
        for province in ("Thanh Hóa", "Nghệ An"):
            issues = []
            for n in range(20, 26):
                texts.append({**series_issue(kind, province, n, rng), "kind": kind})
                issues.append(len(texts) - 1)
                issue = texts[-1]
                texts.append({"title": f"{province}: {issue['title']}", "sapo": None,
                              "text": f"{issue['text']}\n\n{rng.choice(CREDITS)}", "kind": f"{kind} (copy)"})
                pairs.append((issues[-1], len(texts) - 1, True, "a report's syndicated copy"))
            for i, j in itertools.combinations(issues, 2):
                pairs.append((i, j, False, f"two issues of one {kind}"))
    first = len(texts)
    texts.extend({**notice, "kind": "notice"} for notice in notices(bases, rng))
    for i, j in itertools.combinations(range(first, len(texts)), 2):
        pairs.append((i, j, False, FOOTER_KINDS[0]))
    for i in range(first, first + NOTICES, 5):
        texts.append({"title": f"Sao y: {texts[i]['title']}", "sapo": None,
                      "text": f"{texts[i]['text']}\n\n{rng.choice(CREDITS)}", "kind": "notice (copy)"})
        pairs.append((i, len(texts) - 1, True, FOOTER_KINDS[1]))
    return texts, pairs


def scores(labels: list[tuple[bool, bool]]) -> dict:
    tp = sum(1 for truth, said in labels if truth and said)
    fp = sum(1 for truth, said in labels if not truth and said)
    fn = sum(1 for truth, said in labels if truth and not said)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0}


def verification_grid(texts: list[dict], pairs: list) -> list[dict]:
    """same_story alone on the pairs, the notices' left out: what tells their footer is boilerplate is
    the archive (other articles printing it), measured end to end only."""
    compared = [Text(t["sapo"], t["text"]) for t in texts]
    pairs = [pair for pair in pairs if pair[3] not in FOOTER_KINDS]
    rows = []
    for jaccard in (0.0, 0.3):
        for containment in (0.5, 0.6, 0.7, 0.8, 0.9):
            for numbers in (0.0, 0.5, 0.8, 0.9):
                said = [(truth, same_story(compared[i], compared[j], containment, numbers, jaccard))
                        for i, j, truth, _ in pairs]
                rows.append({"jaccard": jaccard, "containment": containment, "numbers": numbers, **scores(said)})
    return rows


def end_to_end(texts: list[dict], pairs: list, workdir: Path) -> dict:
    """Every text stored in one new archive, then each kind of copy alone beside the articles and
    reports it copies (so that no other copy of the same article links them); each labelled pair
    read back as same story or not."""
    together = stored_stories(texts, pairs, workdir / "all.db")
    alone: dict[str, dict] = {}
    for kind in sorted({kind for _i, _j, truth, kind in pairs if truth}):
        keep = {n for n, text in enumerate(texts) if text["kind"] in ("article", "notice") or text["kind"] in SERIES
                or any(truth and k == kind and j == n for _i, j, truth, k in pairs)}
        chosen = [(i, j, truth, k) for i, j, truth, k in pairs if k == kind]
        alone[kind] = stored_stories(texts, chosen, workdir / f"{len(alone)}.db", keep)["overall"]
    return {**together, "each_kind_alone": alone}


def stored_stories(texts: list[dict], pairs: list, path: Path, keep: set[int] | None = None) -> dict:
    store = Archive(path)
    try:
        with store.transaction():
            for n, text in enumerate(texts):
                if keep is not None and n not in keep:
                    continue
                store.upsert_article({"url": f"https://soyte.example.gov.vn/{n}", "portal": "bench", "province": "",
                                      "title": text["title"], "published": None, "category": None,
                                      "sapo": text["sapo"], "text": text["text"], "author": None, "source": None,
                                      "views": None, "images": [], "attachments": []},
                                     layout="bench", extractor="bench", page_id=None)
        story = {int(url.rsplit("/", 1)[1]): story_id
                 for url, story_id in store.conn.execute("SELECT url, story_id FROM story_members")}
    finally:
        store.close()
    labels = [(truth, story[i] == story[j]) for i, j, truth, _ in pairs]
    by_kind: dict[str, list] = {}
    for (i, j, truth, kind), (_, said) in zip(pairs, labels):
        by_kind.setdefault(kind, []).append((truth, said))
    return {"overall": scores(labels), "by_kind": {kind: scores(found) for kind, found in sorted(by_kind.items())}}


# ---- cost at 100,000 articles -------------------------------------------------------------------

class Words:
    """Texts of the bundled records' words drawn one by one (as often as they occur there), with one of
    their sentences in some paragraphs: unrelated texts that share common phrases, as real news does.
    (Corpus.text, whole sentences shuffled, makes every two texts share sentences: a collage, not news.)"""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.words = [word for sentence in corpus.sentences for word in sentence.split()]

    def text(self, rng: random.Random) -> str:
        target, paragraphs, length = rng.choice(self.corpus.text_lengths), [], 0
        while length < target:
            size, words, chars = rng.choice(self.corpus.paragraph_lengths), [], 0
            while chars < size:
                words.append(rng.choice(self.words))
                chars += len(words[-1]) + 1
            paragraph = " ".join(words) + "."
            if rng.random() < 0.3:
                paragraph = f"{rng.choice(self.corpus.sentences)} {paragraph}"
            paragraphs.append(paragraph[:1].upper() + paragraph[1:])
            length += len(paragraph) + 2
        return "\n\n".join(paragraphs)


def synthetic(corpus: Corpus, words: Words, rng: random.Random, n: int, earlier: list[dict]) -> dict:
    """A synthetic article; one in fifty a copy of an earlier one (a new title, a credit)."""
    if earlier and rng.random() < 0.02:
        original = rng.choice(earlier)
        text, title = f"{original['text']}\n\n{rng.choice(CREDITS)}", f"{original['title']} (đăng lại)"
    else:
        text, title = words.text(rng), corpus.title(rng)
    return {"url": f"https://soyte.bench.gov.vn/tin/{n}", "portal": f"p{n % 34}", "province": "",
            "title": title, "published": f"20{rng.randint(15, 25):02d}-{rng.randint(1, 12):02d}-"
                                         f"{rng.randint(1, 28):02d}T08:00:00+07:00",
            "category": "Tin tức", "sapo": None, "text": text, "author": None, "source": None, "views": 0,
            "images": [], "attachments": []}


EARLIER: list[dict] = []  # the articles a copy may copy: the first 2,000, then one in a hundred replacing one


def records(corpus: Corpus, words: Words, rng: random.Random, count: int, start: int) -> list[dict]:
    made = []
    for n in range(start, start + count):
        made.append(synthetic(corpus, words, rng, n, EARLIER))
        if len(EARLIER) < 2000:
            EARLIER.append(made[-1])
        elif rng.random() < 0.01:
            EARLIER[rng.randrange(len(EARLIER))] = made[-1]
    return made


def fill(store: Archive, corpus: Corpus, words: Words, rng: random.Random, count: int, start: int = 0) -> float:
    """Store `count` synthetic articles as a crawl does (one-second commit windows), made beforehand
    in batches of 1,000; the seconds the stores took (the texts' making not counted)."""
    spent = 0.0
    for first in range(start, start + count, 1000):
        batch = records(corpus, words, rng, min(1000, start + count - first), first)
        began = time.perf_counter()
        store.group_commits(1.0)
        for record in batch:
            store.upsert_article(record, layout="bench", extractor="bench", page_id=None)
            store.commit_if_due()
        store.flush()
        store.group_commits(0)
        spent += time.perf_counter() - began
    return spent


def story_bytes(conn: sqlite3.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'stor%' OR name LIKE "
                        "'sqlite_autoindex_stor%' OR name LIKE 'idx_stor%' GROUP BY name").fetchall()
    return dict(rows)


def cost(workdir: Path, articles: int, block: int, reps: int) -> dict:
    corpus, rng = Corpus(), random.Random(35)
    words = Words(corpus)
    store = Archive(workdir / "cost.db")
    try:
        filled = fill(store, corpus, words, rng, articles)
        sizes = story_bytes(store.conn)
        hooked = archive.store.index_article
        timings: dict[str, list[float]] = {"with stories": [], "without stories": []}
        next_n = articles
        for _rep in range(reps):
            for method in ("without stories", "with stories"):
                archive.store.index_article = hooked if method == "with stories" else (lambda *args, **kw: None)
                try:
                    seconds = fill(store, corpus, words, rng, block, next_n)
                finally:
                    archive.store.index_article = hooked
                next_n += block
                timings[method].append(seconds / block * 1000)
        parts = hook_parts(store, words, rng, block)
        stats = store.conn.execute("SELECT count(*), sum(copies > 1), max(copies) FROM stories").fetchone()
        stored = store.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        store.close()
    with_ms, without_ms = summary(timings["with stories"]), summary(timings["without stories"])
    return {"articles": articles, "block": block, "reps": reps, "fill_seconds": filled,
            "fill_ms_per_article": filled / articles * 1000, "ms_per_article": {"with stories": with_ms,
                                                                                 "without stories": without_ms},
            "hook_ms_median": with_ms["median"] - without_ms["median"], "runs_ms": timings,
            "story_table_bytes": sizes, "story_bytes_per_article": sum(sizes.values()) / stored,
            "stories": stats[0], "stories_with_copies": stats[1], "largest_story": stats[2], "parts": parts}


def hook_parts(store: Archive, words: Words, rng: random.Random, count: int) -> dict:
    """The hook's parts on `count` new texts, against the full index: shingling, MinHash bands,
    the band lookup (candidates found), verification."""
    texts = [words.text(rng) for _ in range(count)]
    began = time.perf_counter()
    compared = [Text(None, text) for text in texts]
    shingled = time.perf_counter()
    keys = [stories.band_keys(text.grams) for text in compared]
    banded = time.perf_counter()
    found = [list(stories._candidates(store.conn, key, -1)) for key in keys]
    looked = time.perf_counter()
    verified = sum(stories.verified(store.conn, text, other, (-1, article))[0]
                   for text, candidates in zip(compared, found) for _story, article, other in candidates)
    done = time.perf_counter()
    return {"shingles_ms": (shingled - began) / count * 1000, "minhash_bands_ms": (banded - shingled) / count * 1000,
            "lookup_and_read_ms": (looked - banded) / count * 1000, "verify_ms": (done - looked) / count * 1000,
            "candidates_per_article": sum(map(len, found)) / count, "verified_matches": verified}


# ---- report -------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 articles, 2 repetitions")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--block", type=int, default=500)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--skip-cost", action="store_true", help="only the labelled set")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.reps = 10_000, 2
    texts, pairs = labelled_set()
    grid = verification_grid(texts, pairs)
    with tempfile.TemporaryDirectory() as tmp:
        whole = end_to_end(texts, pairs, Path(tmp))
        spent = None if args.skip_cost else cost(Path(tmp), args.articles, args.block, args.reps)
    results = {"thresholds": {"containment": CONTAINMENT, "numbers": NUMBERS, "jaccard": stories.JACCARD,
                              "min_shingles": MIN_SHINGLES, "passage": stories.PASSAGE, "common": stories.COMMON,
                              "own_share": stories.OWN_SHARE,
                              "bands": stories.BANDS, "rows": stories.ROWS, "shingle": stories.SHINGLE},
               "texts": len(texts), "pairs": len(pairs), "positives": sum(1 for p in pairs if p[2]),
               "grid": grid, "end_to_end": whole, "cost": spent}
    path = write_results("stories", results)
    report(results)
    print(f"\nwritten to {path}")


def report(results: dict) -> None:
    print(f"{results['texts']} texts, {results['pairs']} labelled pairs ({results['positives']} same story)\n")
    print(table(["Jaccard ≥", "containment ≥", "figures ≥", "precision", "recall", "false +", "false −"],
                [[r["jaccard"], r["containment"], r["numbers"], r["precision"], r["recall"], r["fp"], r["fn"]]
                 for r in results["grid"]]))
    whole = results["end_to_end"]
    print("\nStored through Archive.upsert_article (index, candidates, single link), every text in one archive:\n")
    print(table(["pairs", "precision", "recall", "false +", "false −"],
                [[kind, s["precision"], s["recall"], s["fp"], s["fn"]]
                 for kind, s in [("all", whole["overall"]), *whole["by_kind"].items()]]))
    print("\nEach kind of copy stored alone beside the originals (no sibling copy to link through):\n")
    print(table(["copy", "recall", "false −"],
                [[kind, s["recall"], s["fn"]] for kind, s in whole["each_kind_alone"].items()]))
    spent = results["cost"]
    if spent:
        w, wo = spent["ms_per_article"]["with stories"], spent["ms_per_article"]["without stories"]
        print(f"\nAt {spent['articles']:,} articles ({spent['stories_with_copies']:,} stories with copies): ms per stored "
              f"article, {spent['reps']} blocks of {spent['block']} each")
        print(table(["method", "median", "min", "p95"], [["with stories", w["median"], w["min"], w["p95"]],
                                                         ["without stories", wo["median"], wo["min"], wo["p95"]]]))
        print(f"hook: {spent['hook_ms_median']:.3f} ms per article (median difference); parts: {spent['parts']}")
        print(f"story tables: {spent['story_bytes_per_article']:.0f} bytes per article {spent['story_table_bytes']}")


if __name__ == "__main__":
    main()

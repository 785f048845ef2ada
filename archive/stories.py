"""Same story, many places: near-duplicate articles grouped into stories.

The same text reaches the archive more than once: a retired portal's article and its successor's
copy after the 2025 merger, a Ministry or CDC announcement reposted by several provinces (a new
title, an added lead, a trimmed ending, "Theo Báo Sức khỏe & Đời sống"), a notice posted twice on
one portal. Content hashes cannot see it (they hold the URL and differ at one changed word).

How a copy is found, when an article is stored (`index_article`, called by archive.store and
archive.merge; archive.keys moves or removes a member with `rename` and `forget`):
- its lead and text (never its title, which copies change) are folded as search folds them
  (accents off, đ → d, lower case: a copy decoded from another encoding folds the same) and cut
  into SHINGLE-word shingles;
- datasketch's MinHash (the field's library: maintained, numpy-vectorised, seeded so that every
  run and every archive gives the same signature) sketches the shingles in NUM_PERM values, cut
  into BANDS bands of ROWS; each band's hash is a row of `story_bands`, indexed, so the articles
  sharing a band with a new one are one indexed lookup per band (locality-sensitive hashing),
  never a comparison with every article, and the index lives in the file: it survives runs and
  merges with no rebuilding;
- each candidate (at most MAX_CANDIDATES, those sharing the most bands) is verified on the stored
  texts: the shorter's shingles must be CONTAINMENT in the longer (containment, so an added lead or
  a cut ending still matches; with a JACCARD floor against boilerplate), and its figures (numbers, dates) NUMBERS in the
  other's: two weekly dengue reports of one province share a template and differ in their
  figures, and stay two stories.
A new article joins the story of a verified candidate when it also passes the test against that
story's face, its earliest member (published, else first archived): a shared boilerplate paragraph
must not chain unrelated articles into one story. Matching two stories so, it joins them. Every
member keeps its Jaccard similarity to the face. Removing an article from a story (its text changed
too much) never splits the others: what was grouped stays grouped.

Boilerplate, learnt from the archive rather than listed: every sentence of PASSAGE words or more is a
row of `story_passages` (its folded words hashed, the article). When two candidates share a passage
that other articles (not copies of the candidate) also print (a portal's standard footer, a notice's legal paragraph, a
resolution quoted whole), that passage says nothing of the two being one story: they must also agree
on what is left (their own text, CONTAINMENT), unless one is nearly all such passages (a copy of a
much-reposted story is: its sentences are in its other copies), which is then compared whole. The
first articles sharing a footer cannot know it is one: when a later one shows it is (a candidate
refused for it), that candidate's story is checked again against its face, and members that no
longer pass leave it and are filed again (the one case where a story is split: a link that was
boilerplate, not a copy).
"""
from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import unicodedata
from functools import lru_cache
from typing import Iterable, Iterator

from archive.search import RANKED_CANDIDATES, fold, search

logger = logging.getLogger(__name__)

# Words a shingle holds: five Vietnamese syllables are two or three words, long enough that two
# different texts of one subject rarely share one, short enough that an edit breaks few.
SHINGLE = 5
# MinHash values, cut into BANDS bands of ROWS: a pair of Jaccard similarity s becomes a candidate
# with probability 1 - (1 - s^ROWS)^BANDS: 0.98 at 0.5, 0.86 at 0.4, 0.56 at 0.3, 0.004 at 0.05
# (unrelated texts). 30 bands, not 20: a copy cut to its first half or given a new lead and a cut
# ending has a Jaccard similarity of 0.3 to 0.5 with its original, and 20 bands found 0.84 and 0.72
# of them, 30 bands 0.96 and 0.83, before the Jaccard floor below (bench/stories.py, docs/BENCHMARKS.md
# "Same story, many places").
BANDS = 30
ROWS = 3
NUM_PERM = BANDS * ROWS
SEED = 35
# datasketch's permutation scheme, named: the band keys stored in an archive depend on it, and a
# later datasketch changing its default must not make an archive's index miss every old article.
SCHEME = "affine32"
# The verified similarity (docs/BENCHMARKS.md "Same story, many places" measures both thresholds).
# On bench/stories.py's set, no two different stories that passed the figures test shared more than
# 0.28 of the shorter text, and the most rewritten copies (a new lead, the ending cut, a credit) kept
# 0.39 and up: 0.5 sits between (precision 1.000, recall 0.972 with the floors below).
CONTAINMENT = 0.5   # of the shorter text's shingles found in the longer
NUMBERS = 0.8       # of the shorter text's figures found in the longer, when both print figures
# And a floor under their Jaccard similarity: a short text half made of a long boilerplate paragraph
# (a resolution quoted whole) is "contained" in any long article quoting it, at a Jaccard similarity
# of 0.25 to 0.27 (bench/stories.py's synthetic archive chained such articles into stories of
# hundreds). The floor costs 15 of the 1,164 copies of the labelled set (recall 0.985 → 0.972), the
# most rewritten ones: a corpus builder exporting one record per story loses a distinct text to a
# wrong link, and only a duplicate to a missed one.
JACCARD = 0.3
# A text of fewer shingles (under ~19 words: "Xem chi tiết tại file đính kèm", a one-line notice) is
# a story of its own: the same few words on two pages say nothing of the pages being one story.
MIN_SHINGLES = 15
MAX_CANDIDATES = 50  # articles verified per stored article: a boilerplate shared by thousands costs 50 reads
# Bounded at any size (issue 32: the store rate at 1,000,000 articles within 25 % of the rate at
# 100,000). A band key shared by many articles (a portal's footer, a notice's template) holds a row
# per article: each key's lookup reads only its BAND_HOLDERS newest holders (copies are mostly
# posted within days of each other, and a real copy shares many bands, so it is still found through
# the others). Each member keeps a SKETCH of its MinHash values (their low 16 bits: 180 bytes) and a
# candidate whose values agree with the new article's in under SKETCH_FLOOR of them is not read:
# the share of equal values estimates the Jaccard similarity (standard error 0.048 at 0.3 over 90
# values), so a pair at the verified test's JACCARD floor falls under 0.15 in 0.07 % of cases, and
# most candidates sharing one band by chance (similarity ~0.05) are dropped before their text is
# read and shingled (~0.4 ms each, most of the store's cost before, bench/million.py).
BAND_HOLDERS = 100
SKETCH_FLOOR = 0.15
# Of the candidates passing it, the TEXTS_READ most similar by their sketches are read and verified:
# a copy's estimate is high, so it is among the first, and the texts read per article stay bounded
# however many articles of one template the archive holds (bench/million.py's synthetic articles,
# shuffled sentences of a few records, had 23 of 50 candidates over the floor at 210,000 articles,
# and reading 10 of them was most of the story step's 17 ms; 3 cost one copy of the 1,170 of
# bench/stories.py's labelled set, stored among the others). A member filed before sketches (NULL) is
# read after those, and its sketch is written then: an older archive gains them as it is used.
TEXTS_READ = 3
# And a passage's holders read to tell whether COMMON other articles print it: its newest
# PASSAGE_HOLDERS (a portal footer's key holds every article of the portal).
PASSAGE_HOLDERS = 32
# Boilerplate passages (see the module's docstring): a sentence of PASSAGE folded words or more (shorter
# ones, "Theo Báo Sức khỏe & Đời sống", are too common to be evidence and too short to matter) that
# two texts share is boilerplate for them when COMMON other articles print it that are not copies of
# the candidate (sharing under COPY_PASSAGES of its passages: the other copies of a reposted story
# print its sentences too, and counting them split real stories, bench/stories.py); and a text whose
# own words (outside such passages) are under OWN_SHARE of it, or under MIN_SHINGLES shingles, is
# compared whole. Measured, not tuned one by one: docs/BENCHMARKS.md "Same story, many places".
PASSAGE = 10
COMMON = 2
COPY_PASSAGES = 0.8
OWN_SHARE = 0.2

# Search reads this many times the matches it shows, so that copies folded into their story still
# leave `limit` stories to show.
STORY_READ_AHEAD = 3

WORD = re.compile(r"\w+")
SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
FIGURE = re.compile(r"\d+(?:[.,/:-]\d+)*")

TABLES: dict[str, dict] = {
    "stories": {
        "columns": {"id": int, "url": str, "title": str, "published": str, "portal": str, "copies": int,
                    "portals": int},
        "pk": "id",
    },
    "story_members": {
        "columns": {"url": str, "story_id": int, "similarity": float, "containment": float, "article": int,
                    "bands": bytes, "passages": bytes, "sketch": bytes},
        "pk": "url",
    },
}
BANDS_TABLE = "story_bands"
PASSAGES_TABLE = "story_passages"


def ensure_story_schema(db) -> None:
    """Create the story tables that are missing (archive.schema.ensure_schema); never drops. An
    archive written before stories has its articles filed once, when the tables are made (a few ms an
    article: docs/BENCHMARKS.md "Same story, many places"), so that every article belongs to a story."""
    new = not db["story_members"].exists()
    for name, spec in TABLES.items():
        if not db[name].exists():
            db[name].create(spec["columns"], pk=spec["pk"])
        else:
            for column, kind in spec["columns"].items():
                if column not in db[name].columns_dict:
                    db[name].add_column(column, kind)
    db["story_members"].create_index(["story_id"], if_not_exists=True)
    # A candidate's story and sketch by its rowid, from this index alone: without it each of up to
    # MAX_CANDIDATES candidates cost a lookup in `articles` (its URL) and one in story_members, rows
    # far apart in a file of gigabytes (the story step's largest read at 1,000,000 articles).
    db["story_members"].create_index(["article", "story_id", "sketch"], if_not_exists=True)
    db["stories"].create_index(["copies"], if_not_exists=True)
    # (band key, article rowid), no rowid of its own: the lookup is the table itself.
    db.execute(f"CREATE TABLE IF NOT EXISTS {BANDS_TABLE} (key INTEGER NOT NULL, article INTEGER NOT NULL, "
               "PRIMARY KEY (key, article)) WITHOUT ROWID")
    db.execute(f"CREATE TABLE IF NOT EXISTS {PASSAGES_TABLE} (key INTEGER NOT NULL, article INTEGER NOT NULL, "
               "PRIMARY KEY (key, article)) WITHOUT ROWID")
    if new and db.execute("SELECT 1 FROM articles LIMIT 1").fetchone():
        filed = index_missing(db.conn)
        logger.info("%d archived articles were filed in stories (near-duplicates grouped), once for this archive",
                    filed)


def has_stories(conn: sqlite3.Connection) -> bool:
    """Whether the archive (or a TEMP stand-in) holds the story tables: a reader of an archive written
    before stories, opened read-only, finds every article alone."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'story_members' UNION ALL "
                        "SELECT 1 FROM temp.sqlite_master WHERE name = 'story_members'").fetchone() is not None


def prepare_reading(conn: sqlite3.Connection) -> None:
    """Let a read-only connection (Datasette's) query an archive made before stories: empty TEMP
    stand-ins for the missing tables, so the canned search and story queries run and find no copies."""
    present = {name for (name,) in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    if "articles" not in present:
        return
    for name, spec in TABLES.items():
        if name not in present and not conn.execute(
                "SELECT 1 FROM temp.sqlite_master WHERE name = ?", (name,)).fetchone():
            nulls = ", ".join(f"NULL AS [{column}]" for column in spec["columns"])
            conn.execute(f"CREATE TEMP VIEW [{name}] AS SELECT {nulls} WHERE 0")


# ---- shingles and signatures -------------------------------------------------------------------

def words(sapo: str | None, text: str | None) -> list[str]:
    """The lead and text as folded words: the form copies are compared in (stored text is never folded)."""
    return WORD.findall(_folded(sapo, text))


def shingles(sapo: str | None, text: str | None) -> frozenset[str]:
    return _grams(words(sapo, text))


def figures(sapo: str | None, text: str | None) -> frozenset[str]:
    """The numbers and dates a text prints (27, 11/6, 96.000): what a new report changes."""
    joined = "\n".join(part for part in (sapo, text) if part)
    return frozenset(FIGURE.findall(joined))


@lru_cache(maxsize=1)
def _permutations():
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def signature(grams: frozenset[str]):
    """The article's NUM_PERM MinHash values (a numpy array of unsigned 32-bit integers)."""
    from datasketch import MinHash

    sketch = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_permutations(), scheme=SCHEME)
    sketch.update_batch([gram.encode("utf-8") for gram in grams])
    return sketch.hashvalues


def band_keys(grams: frozenset[str], values=None) -> list[int]:
    """The article's BANDS locality-sensitive keys: each band's MinHash values hashed, with the band's
    number, into one signed 64-bit integer (an SQLite INTEGER)."""
    values = signature(grams) if values is None else values
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(values[band * ROWS:(band + 1) * ROWS].tobytes(), digest_size=8,
                                 salt=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def pack_sketch(values) -> bytes:
    """The low 16 bits of each MinHash value, stored to estimate a pair's similarity unread (SKETCH_FLOOR)."""
    import numpy

    return (numpy.asarray(values) & 0xFFFF).astype("<u2").tobytes()


def sketch_similarity(a: bytes, b: bytes) -> float:
    """The share of equal values of two sketches: the MinHash estimate of the texts' Jaccard similarity."""
    import numpy

    return float(numpy.count_nonzero(numpy.frombuffer(a, "<u2") == numpy.frombuffer(b, "<u2"))) / NUM_PERM


def pack_keys(keys: list[int]) -> bytes:
    return b"".join(key.to_bytes(8, "little", signed=True) for key in keys)


def unpack_keys(blob: bytes | None) -> list[int]:
    blob = blob or b""
    return [int.from_bytes(blob[i:i + 8], "little", signed=True) for i in range(0, len(blob), 8)]


# ---- verification ------------------------------------------------------------------------------

class Text:
    """One article's text as compared: its shingles and figures, and its sentences (folded words) to
    tell its own words from boilerplate passages."""

    __slots__ = ("grams", "figures", "_folded", "_sentences", "_passages")

    def __init__(self, sapo: str | None, text: str | None):
        self._folded = _folded(sapo, text)
        self._sentences: list[list[str]] | None = None
        self._passages: list[int | None] | None = None
        self.grams = _grams(WORD.findall(self._folded))
        self.figures = figures(sapo, text)

    @property
    def sentences(self) -> list[list[str]]:
        """Its sentences of folded words, cut when first asked: most candidates never need them."""
        if self._sentences is None:
            self._sentences = [found for found in map(WORD.findall, SENTENCE.split(self._folded)) if found]
        return self._sentences

    def passages(self) -> list[int]:
        """The keys of its sentences long enough to be a passage, each once."""
        return list(dict.fromkeys(key for key in self._keys() if key is not None))

    def _keys(self) -> list[int | None]:
        """Each sentence's passage key (None: too short), hashed once."""
        if self._passages is None:
            self._passages = [passage_key(sentence) for sentence in self.sentences]
        return self._passages

    def own(self, common: set[int]) -> frozenset[str]:
        """Its shingles outside the `common` passages (shingled run by run: none spans a passage left out)."""
        grams: set[str] = set()
        run: list[str] = []
        for sentence, key in zip(self.sentences, self._keys()):
            if key in common:
                grams.update(_grams(run) if len(run) >= SHINGLE else ())
                run = []
            else:
                run.extend(sentence)
        grams.update(_grams(run) if len(run) >= SHINGLE else ())
        return frozenset(grams)


def _folded(sapo: str | None, text: str | None) -> str:
    """The lead and text folded as search folds them: cut into the words `words` gives, or into sentences."""
    return fold(unicodedata.normalize("NFC", "\n".join(part for part in (sapo, text) if part)))


def _grams(tokens: list[str]) -> frozenset[str]:
    if len(tokens) < SHINGLE:
        return frozenset([" ".join(tokens)]) if tokens else frozenset()
    return frozenset(" ".join(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def passage_key(sentence: list[str]) -> int | None:
    """A sentence's key in `story_passages` (signed 64-bit), None when too short to be a passage."""
    if len(sentence) < PASSAGE:
        return None
    digest = hashlib.blake2b(" ".join(sentence).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def overlap(a: Text, b: Text) -> tuple[float, float]:
    """(Jaccard similarity, containment of the smaller in the larger) of two texts' shingles."""
    if not a.grams or not b.grams:
        return 0.0, 0.0
    shared = len(a.grams & b.grams)
    return shared / (len(a.grams) + len(b.grams) - shared), shared / min(len(a.grams), len(b.grams))


def figures_agree(a: Text, b: Text, numbers: float = NUMBERS) -> bool:
    """Whether the figures of the text printing fewer are (`numbers` of them) in the other's."""
    fewer = min(len(a.figures), len(b.figures))
    if not fewer:
        return True
    return len(a.figures & b.figures) / fewer >= numbers


def same_story(a: Text, b: Text, containment: float = CONTAINMENT, numbers: float = NUMBERS,
               jaccard: float = JACCARD) -> bool:
    """The verified test of two candidate copies (see the module's docstring); the thresholds are
    arguments for bench/stories.py, which measures them."""
    if min(len(a.grams), len(b.grams)) < MIN_SHINGLES:
        return False
    similar, contained = overlap(a, b)
    return contained >= containment and similar >= jaccard and figures_agree(a, b, numbers)


# ---- the index in the archive ------------------------------------------------------------------

def index_article(conn: sqlite3.Connection, url: str, outcome: str = "new") -> int | None:
    """File the stored article `url` in its story (inside the caller's write); returns the story id.

    `outcome` is archive.store's: an unchanged article already filed costs one lookup; a changed one
    leaves its story and is filed again (back in the same story if it still matches one of it).
    """
    member = conn.execute("SELECT story_id, bands FROM story_members WHERE url = ?", (url,)).fetchone()
    if member and outcome == "unchanged":
        return member[0]
    row = conn.execute("SELECT rowid, sapo, text, title, published, portal FROM articles WHERE url = ?",
                       (url,)).fetchone()
    if row is None:
        return None
    if member:
        _leave(conn, url, member[0], unpack_keys(member[1]))
    rowid, sapo, text, *face = row
    return _file(conn, url, rowid, Text(sapo, text), face)


def _file(conn: sqlite3.Connection, url: str, rowid: int, mine: Text, face: list,
          recheck_refused: bool = True) -> int:
    """File the article in the story of the candidates it matches (joining them), or in a new story of
    its own, `face` (title, published, portal) being that story's row. The stories of candidates refused
    for boilerplate alone are checked again (`recheck`), unless this is recheck's own filing."""
    values = signature(mine.grams) if len(mine.grams) >= MIN_SHINGLES else None  # too short: alone, unindexed
    keys = band_keys(mine.grams, values) if values is not None else []
    sketch = pack_sketch(values) if values is not None else None
    passages = mine.passages()
    conn.executemany(f"INSERT OR IGNORE INTO {PASSAGES_TABLE} (key, article) VALUES (?, ?)",
                     [(key, rowid) for key in passages])
    matched, refused = set(), set()
    read = {url: mine}  # the texts read and shingled once for this filing: a story's face is often a candidate
    for story, article, theirs in _candidates(conn, keys, rowid, read, sketch):
        same, boilerplate = verified(conn, mine, theirs, (rowid, article))
        (matched if same else refused if boilerplate else set()).add(story)
    stories = sorted(story for story in matched if _face_agrees(conn, story, mine, rowid, read))
    if stories:
        story = stories[0]
        for other in stories[1:]:  # this article links two stories: they are one
            conn.execute("UPDATE story_members SET story_id = ? WHERE story_id = ?", (story, other))
            conn.execute("DELETE FROM stories WHERE id = ?", (other,))
    else:  # a story of one: its row written whole, nothing to compare
        story = conn.execute("INSERT INTO stories (url, title, published, portal, copies, portals) "
                             "VALUES (?, ?, ?, ?, 1, 1)", (url, *face)).lastrowid
    conn.execute("INSERT INTO story_members (url, story_id, similarity, containment, article, bands, passages, "
                 "sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET story_id = excluded.story_id, "
                 "similarity = excluded.similarity, containment = excluded.containment, article = excluded.article, "
                 "bands = excluded.bands, passages = excluded.passages, sketch = excluded.sketch",
                 (url, story, None if stories else 1.0, None if stories else 1.0, rowid, pack_keys(keys),
                  pack_keys(passages), sketch))
    conn.executemany(f"INSERT OR IGNORE INTO {BANDS_TABLE} (key, article) VALUES (?, ?)",
                     [(key, rowid) for key in keys])
    if stories:
        refresh_story(conn, story, changed=None if len(stories) > 1 else url, read=read)
    for other in sorted(refused - set(stories)) if recheck_refused else ():
        recheck(conn, other)
    return story


def verified(conn: sqlite3.Connection, mine: Text, theirs: Text, articles: tuple[int, int]) -> tuple[bool, bool]:
    """(same story?, refused only for boilerplate?) of two stored articles (rowids `articles`): the
    verified test, then, when they print passages that another article also prints, the same
    containment on their own words (see the module's docstring)."""
    if not same_story(mine, theirs):
        return False, False
    common = common_passages(conn, set(mine.passages()) & set(theirs.passages()), theirs.passages(), articles)
    if not common:
        return True, False
    a, b = mine.own(common), theirs.own(common)
    if min(len(a), len(b)) < MIN_SHINGLES or len(a) < OWN_SHARE * len(mine.grams) \
            or len(b) < OWN_SHARE * len(theirs.grams):
        return True, False  # one of them is nearly all such passages: compared whole, as it was
    same = len(a & b) / min(len(a), len(b)) >= CONTAINMENT
    return same, not same


PASSAGE_HOLDERS_SQL = (f"SELECT article FROM {PASSAGES_TABLE} WHERE key = ? AND article NOT IN (?, ?) "
                       "ORDER BY article DESC LIMIT ?")


def common_passages(conn: sqlite3.Connection, keys: set[int], theirs: list[int], articles: tuple[int, int]) -> set[int]:
    """Those of `keys` that COMMON other texts print: articles besides `articles` that are not a copy of
    the candidate (whose passages are `theirs`), i.e. share under COPY_PASSAGES of the passages of the
    one with fewer. The copies of a much-reposted story print its sentences too, and say nothing of
    them being boilerplate. Each key's newest PASSAGE_HOLDERS holders are read (indexed), so a footer
    printed by every article of a portal costs as much as one printed by three."""
    common: set[int] = set()
    other: dict[int, bool] = {}  # holder rowid -> is another text (not a copy of the candidate)
    for key in sorted(keys):
        seen = 0
        for (holder,) in conn.execute(PASSAGE_HOLDERS_SQL, (key, *articles, PASSAGE_HOLDERS)):
            if holder not in other:
                other[holder] = _is_other_text(conn, holder, theirs)
            seen += other[holder]
            if seen >= COMMON:
                common.add(key)
                break
    return common


def _is_other_text(conn: sqlite3.Connection, holder: int, theirs: list[int]) -> bool:
    """Whether the filed article `holder` shares under COPY_PASSAGES of the passages of whichever of it
    and the candidate (passages `theirs`) prints fewer: not a copy of the candidate."""
    row = conn.execute("SELECT length(passages) / 8 FROM story_members WHERE article = ?", (holder,)).fetchone()
    if row is None:
        return False
    shared = conn.execute(f"SELECT count(*) FROM {PASSAGES_TABLE} WHERE article = ? AND key IN "
                          f"({','.join('?' * len(theirs))})", (holder, *theirs)).fetchone()[0]
    return shared < COPY_PASSAGES * min(len(theirs), row[0] or 0)


def recheck(conn: sqlite3.Connection, story: int) -> None:
    """Check a story's members against its face again, now that a passage they share is known to be
    boilerplate (a candidate was refused for it): those that no longer pass leave it and are filed
    again, alone or in the story they do match."""
    face = conn.execute("SELECT a.rowid, a.sapo, a.text FROM stories s JOIN articles a ON a.url = s.url "
                        "WHERE s.id = ? AND s.copies > 1", (story,)).fetchone()
    if face is None:  # gone, or a story of one: nothing to check (a footer refuses up to MAX_CANDIDATES)
        return
    first = Text(face[1], face[2])
    for url, article, sapo, text in conn.execute(
            "SELECT m.url, a.rowid, a.sapo, a.text FROM story_members m JOIN articles a ON a.url = m.url "
            "WHERE m.story_id = ? AND a.rowid != ? ORDER BY a.rowid", (story, face[0])).fetchall():
        mine = Text(sapo, text)
        if not verified(conn, mine, first, (article, face[0]))[0]:
            forget(conn, url)  # one at a time: the others' passages stay the evidence that it was boilerplate
            _file(conn, url, article, mine, list(conn.execute(
                "SELECT title, published, portal FROM articles WHERE rowid = ?", (article,)).fetchone()),
                  recheck_refused=False)


def _face_agrees(conn: sqlite3.Connection, story: int, mine: Text, rowid: int, read: dict[str, Text]) -> bool:
    """Whether the text also passes the test against the story's face (its earliest copy): without
    this, a short article sharing a long boilerplate paragraph (a resolution quoted whole) with two
    unrelated ones joins their stories, and such links chain stories of nothing in common (581
    articles in one story at 100,000 synthetic articles, bench/stories.py)."""
    face = conn.execute("SELECT a.rowid, a.url FROM stories s JOIN articles a ON a.url = s.url "
                        "WHERE s.id = ?", (story,)).fetchone()
    return face is None or verified(conn, mine, _text(conn, face[1], read), (rowid, face[0]))[0]


def candidates_sql(keys: int) -> str:
    """The candidates of an article of `keys` band keys: (story, rowid, sketch), most bands shared
    first, each key's BAND_HOLDERS newest holders read from the band index, their story and sketch
    from the members' index by article (parameters: key, the article's rowid, BAND_HOLDERS for each
    key, then MAX_CANDIDATES)."""
    holders = " UNION ALL ".join([f"SELECT * FROM (SELECT article FROM {BANDS_TABLE} WHERE key = ? AND article != ? "
                                  "ORDER BY article DESC LIMIT ?)"] * keys)
    return (f"SELECT m.story_id, b.article, m.sketch FROM (SELECT article, count(*) AS bands FROM ({holders}) "
            "GROUP BY article ORDER BY bands DESC, article LIMIT ?) b JOIN story_members m ON m.article = b.article "
            "ORDER BY b.bands DESC, b.article")


def _candidates(conn: sqlite3.Connection, keys: list[int], rowid: int, read: dict[str, Text] | None = None,
                sketch: bytes | None = None) -> Iterator[tuple[int, int, Text]]:
    """(story, article rowid, text) of the stored articles sharing a band with `keys` (each key's
    BAND_HOLDERS newest holders), most bands first, at most MAX_CANDIDATES; with the new article's
    `sketch`, those whose own sketch estimates a similarity under SKETCH_FLOOR are not read."""
    if not keys:
        return
    found = conn.execute(candidates_sql(len(keys)),
                         (*[value for key in keys for value in (key, rowid, BAND_HOLDERS)], MAX_CANDIDATES)).fetchall()
    estimated = [(sketch_similarity(sketch, theirs) if sketch is not None and theirs is not None else None,
                  story, article) for story, article, theirs in found]
    known = sorted((row for row in estimated if row[0] is not None and row[0] >= SKETCH_FLOOR), key=lambda row: -row[0])
    wanted = (known + [row for row in estimated if row[0] is None])[:TEXTS_READ]
    if not wanted:
        return
    texts = {article: (url, sapo, text) for article, url, sapo, text in conn.execute(
        f"SELECT rowid, url, sapo, text FROM articles WHERE rowid IN ({','.join('?' * len(wanted))})",
        [row[2] for row in wanted])}
    for similarity, story, article in wanted:
        if article not in texts:
            continue
        url, *text = texts[article]
        compared = Text(*text)
        if similarity is None and sketch is not None and len(compared.grams) >= MIN_SHINGLES:
            conn.execute("UPDATE story_members SET sketch = ? WHERE url = ?", (pack_sketch(signature(compared.grams)), url))
        if read is not None:
            read[url] = compared
        yield story, article, compared


def _leave(conn: sqlite3.Connection, url: str, story: int, keys: list[int]) -> None:
    """Take an article out of its story, the band index and the passages; the others stay together."""
    conn.executemany(f"DELETE FROM {BANDS_TABLE} WHERE key = ? AND article = "
                     "(SELECT article FROM story_members WHERE url = ?)", [(key, url) for key in keys])
    article, passages = conn.execute("SELECT article, passages FROM story_members WHERE url = ?", (url,)).fetchone()
    conn.executemany(f"DELETE FROM {PASSAGES_TABLE} WHERE key = ? AND article = ?",
                     [(key, article) for key in unpack_keys(passages)])
    conn.execute("DELETE FROM story_members WHERE url = ?", (url,))
    if conn.execute("SELECT 1 FROM story_members WHERE story_id = ? LIMIT 1", (story,)).fetchone():
        refresh_story(conn, story)
    else:
        conn.execute("DELETE FROM stories WHERE id = ?", (story,))


EARLIEST = "coalesce(a.published, a.first_seen), a.first_seen, a.url"


def refresh_story(conn: sqlite3.Connection, story: int, changed: str | None = None,
                  read: dict[str, Text] | None = None) -> None:
    """The story's row (its earliest member, copies, portals) and its members' similarity to the
    earliest: only `changed`'s when the earliest stays the same (two texts read, however large the
    story), every member's when the earliest moved (an older copy archived later)."""
    members = conn.execute(
        "SELECT a.url, a.title, a.published, a.portal, m.similarity IS NULL FROM story_members m "
        f"JOIN articles a ON a.url = m.url WHERE m.story_id = ? ORDER BY {EARLIEST}", (story,)).fetchall()
    if not members:
        return
    first_url, title, published, portal, _unset = members[0]
    previous = conn.execute("SELECT url FROM stories WHERE id = ?", (story,)).fetchone()
    moved = changed is None or not previous or previous[0] != first_url
    first = None  # the earliest's text, read when a member is compared with it (never for a story of one)
    for url, *_fields, unset in members:
        if moved or url == changed or unset:
            if url != first_url:
                first = first or _text(conn, first_url, read)
            jaccard, containment = (1.0, 1.0) if url == first_url else overlap(first, _text(conn, url, read))
            conn.execute("UPDATE story_members SET similarity = ?, containment = ? WHERE url = ?",
                         (round(jaccard, 3), round(containment, 3), url))
    conn.execute("UPDATE stories SET url = ?, title = ?, published = ?, portal = ?, copies = ?, portals = ? "
                 "WHERE id = ?", (first_url, title, published, portal, len(members),
                                  len({member[3] for member in members}), story))


def _text(conn: sqlite3.Connection, url: str, read: dict[str, Text] | None = None) -> Text:
    """The article's text as compared, from `read` when this filing already shingled it."""
    if read is not None and url in read:
        return read[url]
    return Text(*conn.execute("SELECT sapo, text FROM articles WHERE url = ?", (url,)).fetchone())


def rename(conn: sqlite3.Connection, old: str, new: str) -> None:
    """An article moved to another key (archive.keys): its place in its story follows it."""
    conn.execute("UPDATE story_members SET url = ? WHERE url = ?", (new, old))
    conn.execute("UPDATE stories SET url = ? WHERE url = ?", (new, old))


def forget(conn: sqlite3.Connection, url: str) -> None:
    """An article removed (archive.keys filed it into another's history): it leaves its story."""
    member = conn.execute("SELECT story_id, bands FROM story_members WHERE url = ?", (url,)).fetchone()
    if member:
        _leave(conn, url, member[0], unpack_keys(member[1]))


def index_missing(conn: sqlite3.Connection, batch: Iterable[str] | None = None) -> int:
    """File every article no story holds yet (an archive written before stories); how many."""
    urls = list(batch) if batch is not None else [url for (url,) in conn.execute(
        "SELECT url FROM articles WHERE url NOT IN (SELECT url FROM story_members) ORDER BY rowid")]
    for url in urls:
        index_article(conn, url)
    return len(urls)


# ---- reading ------------------------------------------------------------------------------------

def copies_of(conn: sqlite3.Connection, url: str) -> list[dict]:
    """The other members of `url`'s story, earliest first: portal, province, URL, title, published,
    similarity to the story's earliest."""
    cursor = conn.execute(
        "SELECT a.portal, a.province, a.url, a.title, a.published, m.similarity, m.story_id FROM story_members m "
        "JOIN articles a ON a.url = m.url WHERE m.story_id = (SELECT story_id FROM story_members WHERE url = ?) "
        f"AND m.url != ? ORDER BY {EARLIEST}", (url, url))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor]


def search_stories(conn: sqlite3.Connection, query: str, limit: int = 20) -> list[dict]:
    """archive.search.search with each story once, at its best-ranked copy, the others in `copies`
    (what `soyte search` lists): STORY_READ_AHEAD times the matches read, never more ranked than
    search itself ranks, so the order is search's."""
    ahead = max(limit, min(limit * STORY_READ_AHEAD, RANKED_CANDIDATES))
    return one_per_story(conn, search(conn, query, ahead), limit)


def one_per_story(conn: sqlite3.Connection, rows: list[dict], limit: int) -> list[dict]:
    """Search results (`url` each, best first) with each story once, at its best-ranked copy, which
    carries `copies`: the other members' portal and URL, earliest first."""
    if not rows or not has_stories(conn):
        return rows[:limit]
    urls = [row["url"] for row in rows]
    story_of = dict(conn.execute(f"SELECT url, story_id FROM story_members WHERE url IN "
                                 f"({','.join('?' * len(urls))})", urls).fetchall())
    shown, seen = [], set()
    for row in rows:
        story = story_of.get(row["url"])
        if story is not None and story in seen:
            continue
        seen.add(story)
        copies = [{"portal": copy["portal"], "url": copy["url"], "published": copy["published"]}
                  for copy in copies_of(conn, row["url"])] if story is not None else []
        shown.append({**row, "story_id": story, "copies": copies})
        if len(shown) == limit:
            break
    return shown


def earliest_per_story(where: str) -> str:
    """SQL of the urls of the articles kept by `soyte export --one-per-story`: among those `where`
    selects, the earliest of each story (an article no story holds stands alone)."""
    return (f"SELECT url FROM (SELECT a.url, row_number() OVER (PARTITION BY coalesce(m.story_id, -a.rowid) "
            f"ORDER BY {EARLIEST}) AS nth FROM articles a LEFT JOIN story_members m ON m.url = a.url"
            f"{' WHERE ' + where if where else ''}) WHERE nth = 1")


def other_urls(conn: sqlite3.Connection, url: str) -> list[str]:
    """The URLs of the other copies of `url`'s story, earliest first (the export's `copies`)."""
    return [copy["url"] for copy in copies_of(conn, url)]

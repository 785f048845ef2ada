"""Turn an article body element into paragraphs, images with captions, and trailing credits.

Shared by every layout: a layout only names the body element (and what to drop inside it);
the rules here follow how Vietnamese government CMS editors lay out an article:
- text set apart by two or more <br> in a row (no <p>) is one paragraph per piece; a single
  <br> is a space within its paragraph;
- a paragraph, list item or table row is one paragraph (cells joined by ' | '), a table wrapped
  in a <figure> (CKEditor 5) too;
- an image's caption is its <figcaption>, the text beside it in a caption table or in its own
  paragraph, or the wholly italic paragraph right after it; a caption printed twice (Hà Giang's
  editor) is kept once, as the caption, and never in the text;
- the byline and the source sit at the end of the body, right-aligned, in bold (byline) or
  italics (source), or behind a 'Nguồn:' label;
- a line of an attachment label and links only ('File đính kèm: <a>…</a>') is not text: the
  links are the record's attachments.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Iterator

from lxml import etree

from scraper.extraction.blocks import Block
from scraper.extraction.cleaning import ATTACHMENT_LABEL, tidy
from scraper.extraction.credits import peel_credits
from scraper.extraction.urls import absolute_url, link_url
from scraper.extraction.visible import (BOLD, ITALIC, SKIP_TAGS, SPECIAL_TAGS, centered, plain_text, tag_of, visible_text,
                             wholly, with_ancestors)

BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 blockquote pre li ul ol table tbody thead tfoot tr td th figure "
    "figcaption section article center dl dt dd header footer aside address main nav".split()
)
# Blocks that are one paragraph when they hold no other block (walk() has rules for the others).
_PARAGRAPH_TAGS = BLOCK_TAGS - {"table", "figure", "ul", "ol"}
MAX_CAPTION_CHARS = 400


@dataclass
class Body:
    """What a body element yields: text paragraphs, images, and the credits peeled off its end."""

    paragraphs: list[str]
    images: list[dict]
    author: str | None
    source: str | None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


# Where lazy-loading themes (WordPress with Jetpack or WP Rocket, many VNPT portals) keep the
# real image while `src` holds a placeholder.
LAZY_SOURCES = ("data-lazy-src", "data-src", "data-original", "data-lazy")


def _placeholder(src: str) -> bool:
    """A src that stands in for the image until a script loads it: an inline data: URI or an SVG."""
    return not src or src.startswith("data:") or src.split("?")[0].lower().endswith(".svg")


class _Walker:
    def __init__(self, body: etree._Element, base_url: str, caption_attribute: str | None = None):
        self.base_url = base_url
        self.caption_attribute = caption_attribute
        self.blocks: list[Block] = []
        # Found in one pass over the body: which elements hold blocks, which hold images, which
        # need the text walk. Asking each element instead was most of body reading's time.
        self.block_parents: set[etree._Element] = set()
        specials, images = [], []
        for node in body.iter():
            tag = node.tag
            if not isinstance(tag, str):
                continue
            tag = tag.lower()
            if tag in BLOCK_TAGS:
                self.block_parents.add(node.getparent())
            elif tag in SPECIAL_TAGS:
                specials.append(node)
            elif tag == "img":
                images.append(node)
        self.special = with_ancestors(specials)
        self.holders = with_ancestors(images)

    def text(self, element: etree._Element) -> str:
        return visible_text(element, plain=element not in self.special)

    def image(self, img: etree._Element) -> dict | None:
        src = (img.get("src") or "").strip()
        if _placeholder(src):
            src = next((img.get(name).strip() for name in LAZY_SOURCES if (img.get(name) or "").strip()), src)
        if _placeholder(src):
            return None
        caption = tidy(img.get(self.caption_attribute)) if self.caption_attribute else None
        return {"url": absolute_url(self.base_url, src), "caption": caption or None}

    def images_in(self, element: etree._Element, holds_images: bool | None = None) -> list[dict]:
        """`holds_images`: whether the element holds an <img>, when the caller knows (a run's copy)."""
        if not (element in self.holders if holds_images is None else holds_images):
            return []
        nodes = [element] if tag_of(element) == "img" else element.iter("img")
        return [image for image in map(self.image, nodes) if image]

    def leaf(self, element: etree._Element, text: str | None = None, holds_images: bool | None = None) -> None:
        """`text`: the element's _text when the caller has just computed it (one walk, not two)."""
        if element in self.special or element.getparent() is None:  # holds a <br>, or is a run's copy
            runs = _break_runs(element)
            if runs:  # text set apart by <br><br> with no <p> (old CMS bodies): each piece a paragraph
                for segment in _segments(element, runs):
                    walker = _Walker(segment, self.base_url, self.caption_attribute)
                    walker.walk(segment)
                    self.blocks.extend(walker.blocks)
                return
        text = self.text(element) if text is None else text
        images = self.images_in(element, holds_images)
        if images and text and _is_caption_text(element, text):
            images[-1]["caption"] = text
            self.blocks.append(Block("", element, images))
        elif text or images:
            self.blocks.append(Block(text, element, images))

    def table(self, table: etree._Element) -> None:
        if table in self.holders:
            # A caption table: the image in one cell, its caption in another.
            images = self.images_in(table)
            cells = [self.text(cell) for cell in table.iter("td", "th") if cell not in self.holders]
            caption = tidy(" ".join(cell for cell in cells if cell))
            if images and caption:
                images[-1]["caption"] = caption
            self.blocks.append(Block("", table, images))
            return
        for row in table.iter("tr"):
            cells = [self.text(cell) for cell in row.iterchildren("td", "th")]
            if any(cells):
                self.blocks.append(Block(" | ".join(cells), row))

    def figure(self, figure: etree._Element) -> None:
        if figure not in self.holders and next(figure.iter("table"), None) is not None:
            # CKEditor 5 wraps a table in <figure class="table">: its rows are text, as any table's.
            return self.mixed(figure)
        images = self.images_in(figure)
        captions = figure.iter("figcaption")
        caption = tidy(" ".join(self.text(node) for node in captions))
        if images and caption:
            images[-1]["caption"] = caption
        self.blocks.append(Block("", figure, images))

    def walk(self, element: etree._Element) -> None:
        tag = tag_of(element)
        if tag in SKIP_TAGS or not tag:
            return
        if tag == "table":
            return self.table(element)
        if tag == "figure":
            return self.figure(element)
        if tag in ("ul", "ol"):
            for item in element:
                if tag_of(item) == "li":
                    self.walk(item)
            return
        if element not in self.block_parents:
            return self.leaf(element)
        self.mixed(element)

    def mixed(self, element: etree._Element) -> None:
        """A container holding blocks and loose inline content: each inline run is a paragraph."""
        text, inline = element.text, []
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and (tag := tag.lower()) in BLOCK_TAGS:
                if inline or (text and not text.isspace()):  # not just the whitespace between blocks
                    self.flush(text, inline, element)
                if tag in _PARAGRAPH_TAGS and child not in self.block_parents:
                    if child in self.special or child in self.holders:
                        self.leaf(child)
                    elif paragraph := tidy(plain_text(child)):  # most paragraphs: plain text, no image
                        self.blocks.append(Block(paragraph, child, []))
                else:
                    self.walk(child)
                text, inline = child.tail, []
            else:
                inline.append(child)
        if inline or (text and not text.isspace()):
            self.flush(text, inline, element)

    def flush(self, text: str | None, inline: list[etree._Element], parent: etree._Element) -> None:
        """Emit a loose inline run (text, then inline elements with their tails) as one paragraph;
        it carries its container's alignment for the credit rules."""
        run = etree.Element("span")
        run.text = text
        for child in inline:
            run.append(deepcopy(child))  # the copy carries the child's tail text too
        text = visible_text(run, plain=not any(child in self.special for child in inline))
        holds_images = any(child in self.holders for child in inline)
        if text or holds_images:
            for attribute in ("style", "align"):
                if parent.get(attribute):
                    run.set(attribute, parent.get(attribute))
            self.leaf(run, text, holds_images)


def _break_runs(element: etree._Element) -> list[tuple[etree._Element, etree._Element]]:
    """(first, last) <br> of each run of two or more <br> in a row (only whitespace between them)
    under the element: where old CMS editors end a paragraph. A single <br> stays a line break."""
    runs, current = [], []
    for br in element.iter("br"):
        if current and current[-1].getnext() is br and not (current[-1].tail or "").strip():
            current.append(br)
            continue
        if len(current) >= 2:
            runs.append((current[0], current[-1]))
        current = [br]
    if len(current) >= 2:
        runs.append((current[0], current[-1]))
    return runs


def _segments(element: etree._Element, runs: list[tuple[etree._Element, etree._Element]]) -> list[etree._Element]:
    """Copies of the element, one per piece between the runs of <br>, each holding only its piece
    (the inline elements around a cut, <font> or <b>, are kept on both sides)."""
    nodes = {node: index for index, node in enumerate(element.iter())}
    segments = []
    for index in range(len(runs) + 1):
        copy = deepcopy(element)
        copy.tail = None
        copied = list(copy.iter())
        end = copied[nodes[runs[index][0]]] if index < len(runs) else None
        start = copied[nodes[runs[index - 1][1]]] if index > 0 else None
        if end is not None:
            _cut_from(copy, end)
        if start is not None:
            _cut_through(copy, start)
        segments.append(copy)
    return segments


def _cut_from(root: etree._Element, node: etree._Element) -> None:
    """Remove the node and everything after it under root."""
    current = node
    while current is not root:
        parent = current.getparent()
        for sibling in list(current.itersiblings()):
            parent.remove(sibling)
        current.tail = None
        current = parent
    node.getparent().remove(node)


def _cut_through(root: etree._Element, node: etree._Element) -> None:
    """Remove everything before the node under root, and the node, keeping its tail text."""
    tail, current = node.tail, node
    while current is not root:
        parent = current.getparent()
        for sibling in list(current.itersiblings(preceding=True)):
            parent.remove(sibling)
        parent.text = None
        current = parent
    parent = node.getparent()
    parent.text = tail
    parent.remove(node)


def _is_caption_text(element: etree._Element, text: str) -> bool:
    """`text` is the element's own _text (leaf() has just walked it)."""
    return len(text) <= MAX_CAPTION_CHARS and (wholly(element, ITALIC, text) or wholly(element, BOLD, text))


def _attach_following_captions(blocks: list[Block]) -> list[Block]:
    """An uncaptioned image followed by a short paragraph that is wholly italic, or centred like the
    image: that paragraph is its caption."""
    kept: list[Block] = []
    for block in blocks:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and previous.images
            and previous.images[-1]["caption"] is None
            and not previous.text
            and block.text
            and not block.images
            and len(block.text) <= MAX_CAPTION_CHARS
            and (wholly(block.element, ITALIC) or (centered(block.element) and centered(previous.element)))
        ):
            previous.images[-1]["caption"] = block.text
            continue
        kept.append(block)
    return kept


def _drop_repeated_captions(blocks: list[Block]) -> list[Block]:
    captions = {image["caption"] for block in blocks for image in block.images if image["caption"]}
    if not captions:  # (asking an empty set still hashes every paragraph)
        return blocks
    return [block for block in blocks if not (block.text and not block.images and block.text in captions)]


_LINK_SEPARATORS = str.maketrans("", "", ",;|-–•")


def _is_attachment_line(block: Block) -> bool:
    """A paragraph made of an attachment label ('File đính kèm:', cleaning.ATTACHMENT_LABEL) and
    links only (Mambo and Joomla editors list a document so, inside the body, with no class): the
    links are the record's attachments (a layout's `attachments`), the line is not text."""
    if block.images or not block.text or not ATTACHMENT_LABEL.match(block.text):
        return False
    links = [link for link in block.element.iter("a") if link.get("href")]
    rest = ATTACHMENT_LABEL.sub("", block.text, count=1)
    for link in links:
        rest = rest.replace(tidy(visible_text(link)), " ", 1)
    return bool(links) and not rest.translate(_LINK_SEPARATORS).strip()


def _unique_images(blocks: list[Block]) -> list[dict]:
    seen: dict[str, dict] = {}
    for block in blocks:
        for image in block.images:
            if image["url"] not in seen:
                seen[image["url"]] = image
            elif image["caption"] and not seen[image["url"]]["caption"]:
                seen[image["url"]]["caption"] = image["caption"]
    return list(seen.values())


def read_body(body: etree._Element, base_url: str, caption_attribute: str | None = None,
              source_prefixes: list[str] | tuple[str, ...] = ()) -> Body:
    """Paragraphs, images and credits of an article body element.

    The options are a layout's [reading] section: `caption_attribute` names an image attribute
    that holds its caption (Joomla's caption.js draws `title`), `source_prefixes` the words that
    open a last line crediting the source ('Theo Báo Cần Thơ').
    """
    walker = _Walker(body, base_url, caption_attribute)
    walker.walk(body)
    blocks = _drop_repeated_captions(_attach_following_captions(walker.blocks))
    blocks = [block for block in blocks if not _is_attachment_line(block)]
    author, source = peel_credits(blocks, body, tuple(source_prefixes))
    return Body(
        paragraphs=[block.text for block in blocks if block.text],
        images=_unique_images(blocks),
        author=author,
        source=source,
    )


def holder_images(holder: etree._Element, base_url: str, caption_attribute: str | None = None) -> list[dict]:
    """The images of an element outside the body that holds them (a layout's `images`): read as
    the body reads images, and where it holds one image without a caption, its own text is the
    caption (Drupal 7's image field prints it beside the image, in a blockquote)."""
    walker = _Walker(holder, base_url, caption_attribute)
    walker.walk(holder)
    blocks = _attach_following_captions(walker.blocks)
    images = _unique_images(blocks)
    if len(images) == 1 and images[0]["caption"] is None:
        text = tidy(" ".join(block.text for block in blocks if block.text))
        if text and len(text) <= MAX_CAPTION_CHARS:
            images[0]["caption"] = text
    return images


def merged_images(holders: list[etree._Element], body: etree._Element | None, body_images: list[dict],
                  base_url: str, caption_attribute: str | None = None) -> list[dict]:
    """The record's images: those of the holders before the body, the body's, then those of the
    holders after it, in page order, each URL once (a holder inside the body adds nothing new)."""
    if not holders:
        return body_images
    wanted = set(holders) | ({body} if body is not None else set())
    root = body.getroottree().getroot() if body is not None else holders[0].getroottree().getroot()
    order = {node: index for index, node in enumerate(node for node in root.iter() if node in wanted)}
    at = order.get(body, len(order)) if body is not None else len(order)
    before = [holder for holder in holders if order.get(holder, 0) < at]
    after = [holder for holder in holders if order.get(holder, 0) > at]
    images = [image for holder in sorted(before, key=order.get) for image in holder_images(holder, base_url, caption_attribute)]
    images += body_images
    images += [image for holder in sorted(after, key=order.get) for image in holder_images(holder, base_url, caption_attribute)]
    seen: dict[str, dict] = {}
    for image in images:
        if image["url"] not in seen:
            seen[image["url"]] = dict(image)
        elif image["caption"] and not seen[image["url"]]["caption"]:
            seen[image["url"]]["caption"] = image["caption"]
    return list(seen.values())


def iter_links(elements: Iterator[etree._Element], base_url: str) -> list[dict]:
    """Attachment links as [{url, title}], absolute, each URL once, in page order."""
    seen: dict[str, dict] = {}
    for link in elements:
        url = link_url(base_url, link.get("href"))
        if url is None:
            continue
        seen.setdefault(url, {"url": url, "title": visible_text(link) or None})
    return list(seen.values())

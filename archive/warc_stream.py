"""A WARC read forward, once, whatever it is stored in: the stream `archive.warc.read_captures` reads.

Why: a WACZ keeps its WARC as a member of a ZIP, and a compressed ZIP member cannot seek: Python
emulates a step back by inflating again from the member's start. Resuming after a damaged record
(a step back to just past its start, then a scan for the next record) did that for every MiB
scanned, so a 1 MB WACZ whose member inflates to 1 GiB never finished (16/32/64 MiB took
5.8/23/89.5 s). Here the member is inflated once, front to back, and the last few MiB read are
kept, which is as far back as resuming ever looks; a step back further than that (a damaged record
longer than the window) opens the stream again and reads forward to the place, once per such record.
Memory stays within the window whatever the size of the member.
"""
from __future__ import annotations

from collections import deque
from typing import BinaryIO, Callable

WINDOW = 4 * 2**20  # bytes kept behind the reading position: more than warcio reads ahead of a record's start
STEP = 2**20         # bytes read at a time when moving forward to a position


class ForwardStream:
    """A binary stream that reads its source once, front to back, and can step back within WINDOW."""

    def __init__(self, open_source: Callable[[], BinaryIO]):
        self.open_source = open_source
        self.source = open_source()
        self.position = 0   # where the next read starts
        self.end = 0        # how far the source has been read
        self.kept: deque[tuple[int, bytes]] = deque()  # (start, bytes) of what was read last, up to WINDOW
        self.kept_size = 0

    def tell(self) -> int:
        return self.position

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self.position
        elif whence != 0:
            raise OSError("a forward stream seeks only from its start or its position")
        if offset < self.end - self.kept_size:  # further back than the window: read the source again
            self.source.close()
            self.source, self.end, self.kept_size = self.open_source(), 0, 0
            self.kept.clear()
        self.position = max(offset, 0)
        return self.position

    def read(self, size: int = -1) -> bytes:
        size = STEP if size is None or size < 0 else size
        while self.end < self.position:  # moving forward to a position past what was read
            if not self._pull(min(STEP, self.position - self.end)):
                return b""
        if self.position < self.end:
            return self._from_window(size)
        if not self._pull(size):
            return b""
        return self._from_window(size)

    def close(self) -> None:
        self.source.close()
        self.kept.clear()

    def __enter__(self) -> "ForwardStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pull(self, size: int) -> bool:
        """Read the next bytes of the source into the window; False at its end."""
        data = self.source.read(size)
        if not data:
            return False
        self.kept.append((self.end, data))
        self.end += len(data)
        self.kept_size += len(data)
        while self.kept and self.kept_size - len(self.kept[0][1]) >= WINDOW:
            self.kept_size -= len(self.kept.popleft()[1])
        return True

    def _from_window(self, size: int) -> bytes:
        """Bytes from `position` on out of the window (one kept piece at most: a short read)."""
        for start, data in reversed(self.kept):
            if start <= self.position:
                piece = data[self.position - start:self.position - start + size]
                self.position += len(piece)
                return piece
        raise AssertionError("position before the window")  # seek() reads the source again first

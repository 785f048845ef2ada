"""The archive's crawl lock: one writer per archive file, whatever name reaches the file.

Two flock(2) locks, both let go by the operating system when the process dies:
- the lock file beside the real file of the path given (`archive.db.lock`), holding "pid N": what
  a second crawl through the same path meets, and names (a soyte before this one takes only it);
- the archive file's own lock, on the database file itself: the one thing every name of the file
  shares (a symlink, a hard link made by `ln archive.db other.db`, another spelling, a bind mount),
  so the lock is keyed by the file's identity (device, inode), not by its path. Two crawls through
  two names of one file each kept their own WAL for it, and the file broke ("Rowid out of order").

On Linux, flock locks are apart from the POSIX (fcntl) locks SQLite takes on the same file: this
one never disturbs SQLite's. The descriptor it is taken on stays open for the life of the process,
because closing any descriptor of a file drops every POSIX lock the process holds on that file,
SQLite's included, which would let another process checkpoint or delete the WAL under a live
connection (https://www.sqlite.org/howtocorrupt.html, section 2.2).
"""
from __future__ import annotations

import fcntl
import os
import stat
from dataclasses import dataclass
from typing import IO

Identity = tuple[int, int]  # (st_dev, st_ino): the file, whatever its name

_OPENED: dict[Identity, int] = {}  # archive files opened here to be locked: never closed (see above)
_HELD: set[Identity] = set()       # archive files whose lock this process holds


class LockHeld(RuntimeError):
    """Another process holds the archive's lock."""


def held_message(db: str, holder: str) -> str:
    return f"another crawl ({holder}) is writing to {db}; wait for it to finish"


def _descriptor(path: str) -> tuple[Identity, int] | None:
    """A descriptor on the regular file at `path`, opened once per file per process; None when
    there is no such file yet (a new archive is made after its lock file is locked)."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None  # not an archive: refused when it is opened
    identity = (found.st_dev, found.st_ino)
    descriptor = _OPENED.get(identity)
    if descriptor is None or os.fstat(descriptor).st_nlink == 0:  # new here, or that file was deleted
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # and its inode number used again
        opened = os.fstat(descriptor)
        identity = (opened.st_dev, opened.st_ino)
        _OPENED[identity] = descriptor
    return identity, descriptor


def lock_holder(identity: Identity) -> str:
    """"pid N" of the process that holds the flock of this file, read from Linux's /proc/locks;
    "another process" where that cannot be told (no /proc, a filesystem that reports another device)."""
    device, inode = identity
    wanted = f"{os.major(device):02x}:{os.minor(device):02x}:{inode}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            lines = locks.read().splitlines()
    except OSError:
        return "another process"
    for line in lines:  # "12: FLOCK  ADVISORY  WRITE 9039 fe:00:2146420 0 EOF" (a waiter's line has "->")
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[3] == "WRITE" and fields[5] == wanted:
            return f"pid {fields[4]}"
    return "another process"


@dataclass
class ArchiveLock:
    """The two locks of one crawl of `db`; `close()` lets go of both."""

    db: str
    beside: IO[str]                       # the lock file beside the path's real file
    archive_file: Identity | None = None  # the archive file whose own lock is held, once it exists

    @classmethod
    def take(cls, db: str) -> "ArchiveLock":
        """Both locks, or LockHeld naming the holder; OSError when the lock file cannot be made."""
        beside = open(f"{os.path.realpath(db)}.lock", "a+")
        try:
            fcntl.flock(beside, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            beside.seek(0)
            holder = beside.read().strip() or "another process"
            beside.close()
            raise LockHeld(held_message(db, holder)) from None
        beside.seek(0)
        beside.truncate()
        beside.write(f"pid {os.getpid()}")
        beside.flush()
        lock = cls(db, beside)
        try:
            lock.hold_archive_file()
        except BaseException:
            lock.close()
            raise
        return lock

    def hold_archive_file(self) -> None:
        """Lock the archive file itself, if it exists and is not locked here yet: called again once
        a new archive has been made. LockHeld when any process (this one through another name too)
        holds it."""
        if self.archive_file is not None:
            return
        found = _descriptor(os.path.realpath(self.db))
        if found is None:
            return
        identity, descriptor = found
        if identity in _HELD:
            raise LockHeld(held_message(self.db, f"pid {os.getpid()}"))
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(held_message(self.db, lock_holder(identity))) from None
        _HELD.add(identity)
        self.archive_file = identity

    def close(self) -> None:
        """Let go of both locks (the archive file's descriptor stays open: see the module's docstring)."""
        if self.archive_file is not None:
            fcntl.flock(_OPENED[self.archive_file], fcntl.LOCK_UN)
            _HELD.discard(self.archive_file)
            self.archive_file = None
        if not self.beside.closed:
            fcntl.flock(self.beside, fcntl.LOCK_UN)
            self.beside.close()

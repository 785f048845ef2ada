"""A document's text read in a child process, within limits of time, memory and length.

Why a child: a file can be made to cost far more than its size. A 554 KB DOCX holding 190 MB of
XML passes the ZIP bomb guard and took 95 s and 3 GB to parse; a 25 KB PDF whose 20 pages share
one content stream took 5 minutes of CPU for 36 MB of text, and Ctrl-C waited 252 s for the
thread reading it. A thread can be neither bounded nor stopped; a process can. So the crawl hands
each new file to one warm worker (`serve`, started once and reused: Python's start and the
readers' imports are paid once, not per file), which limits its own address space (RLIMIT_AS)
and CPU time (RLIMIT_CPU, a bound for when the crawl is gone); the crawl kills it when the timeout
passes or when the crawl is stopped (one second's grace, so a file under way is usually finished),
and starts another for the next file. A text longer than the cap is cut there.

What comes back is extract_text's DocumentText, or one with the status `timeout`, `too-large`
(memory, or text over the cap: the first characters are kept) or `interrupted` (the crawl
stopped), its note saying which limit and what the reader used. Standard library only, like
scraper.extraction.document_text: no Scrapy, no SQLite.
"""
from __future__ import annotations

import json
import math
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from typing import Callable

from scraper import settings
from scraper.extraction.document_text import DocumentText, extract_text, sniff

MiB = 2**20
POLL = 0.2         # seconds between looks at the crawl while a file is read
GRACE = 1.0        # seconds a file under way may still take once the crawl is stopped
MEMORY_SHARE = 0.9  # a read that fails once the worker's address space reached this share of the limit ran out
RETIRE_SHARE = 0.5  # a worker grown past this share of the limit is replaced: the next file gets all the room
KEPT = "the bytes are kept"


@dataclass(frozen=True)
class TextLimits:
    """What reading one file's text may cost: the crawl's SOYTE_DOCUMENT_TEXT_* settings."""

    timeout: float = settings.SOYTE_DOCUMENT_TEXT_TIMEOUT    # seconds (wall clock) for one file
    memory: int = settings.SOYTE_DOCUMENT_TEXT_MEMORY        # bytes of address space of the worker
    max_chars: int = settings.SOYTE_DOCUMENT_TEXT_MAXCHARS   # characters of text kept


@dataclass
class Reading:
    """A file's text and what reading it cost, measured in the worker (None where it was killed)."""

    text: DocumentText
    seconds: float                  # wall clock, as the crawl waited
    cpu: float | None = None        # the worker's CPU seconds on this file
    peak_memory: int | None = None  # bytes: the worker's peak resident memory on this file


def mib(size: int | None) -> str:
    return "unknown" if size is None else f"{size / MiB:,.0f} MiB"


class DocumentReader:
    """One worker process, one file at a time (`read` takes a lock), started again when it is killed."""

    def __init__(self, limits: TextLimits = TextLimits()):
        self.limits = limits
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()
        self.started = 0  # workers started so far: one, unless files had one killed

    def read(self, body: bytes, url: str, content_type: str | None,
             stopping: Callable[[], bool] = lambda: False) -> Reading:
        """The file's text; never raises for a file. `stopping` says the crawl is being stopped."""
        with self.lock:
            worker = self._worker()
            begun = time.monotonic()
            try:
                self._send(worker, body, url, content_type)
                reply, why = self._receive(worker, begun, stopping)
            except (OSError, ValueError):  # the worker died before taking the whole file, or mid-answer
                reply, why = None, "died"
            seconds = time.monotonic() - begun
            if reply is not None:
                if reply["retire"]:
                    self._dismiss(gently=True)
                return Reading(DocumentText(**reply["text"]), seconds, reply["cpu"], reply["peak"])
            peak = peak_memory(worker.pid)  # the worker's own high-water mark, read before it goes
            self._dismiss(gently=why == "died")  # one that is ending on its own is let end, and says how
            return Reading(self._unread(body, url, why, worker.returncode, peak), seconds, None, peak)

    def close(self) -> None:
        """Let the worker go: it ends when its input closes (a killed crawl closes it too)."""
        with self.lock:
            self._dismiss(gently=True)

    def _worker(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            # Its own session: a Ctrl-C in the terminal is the crawl's to act on, not the worker's.
            # The crawl's sys.path goes with it, so an egg deployed to scrapyd is found there too.
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
            self.process = subprocess.Popen(
                [sys.executable, "-c", f"from scraper.crawl.document_reader import serve; serve({self.limits.memory})"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                start_new_session=True, bufsize=0)
            self.started += 1
        return self.process

    def _send(self, worker: subprocess.Popen, body: bytes, url: str, content_type: str | None) -> None:
        header = {"url": url, "content_type": content_type, "size": len(body), "timeout": self.limits.timeout,
                  "max_chars": self.limits.max_chars}
        for data in (json.dumps(header).encode() + b"\n", body):
            view = memoryview(data)
            while view:  # a pipe may take part of a write
                view = view[worker.stdin.write(view):]

    def _receive(self, worker: subprocess.Popen, begun: float,
                 stopping: Callable[[], bool]) -> tuple[dict | None, str | None]:
        """The worker's one-line answer, or why there is none: timeout, interrupted, died, too-long."""
        deadline, interrupt_at = begun + self.limits.timeout, math.inf
        answer = bytearray()
        room = 6 * self.limits.max_chars + MiB  # the JSON of the longest text allowed: \uXXXX escapes
        fd = worker.stdout.fileno()
        while not answer.endswith(b"\n"):
            now = time.monotonic()
            if interrupt_at == math.inf and stopping():
                interrupt_at = now + GRACE
            if now >= deadline:
                return None, "timeout"
            if now >= interrupt_at:
                return None, "interrupted"
            ready, _, _ = select.select([fd], [], [], min(POLL, deadline - now, interrupt_at - now))
            if not ready:
                continue
            chunk = os.read(fd, MiB)
            if not chunk:
                return None, "died"
            answer += chunk
            if len(answer) > room:
                return None, "too-long"
        return json.loads(answer), None

    def _dismiss(self, gently: bool) -> None:
        worker, self.process = self.process, None
        if worker is None:
            return
        worker.stdin.close()
        if gently:
            try:
                worker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        worker.stdout.close()

    def _unread(self, body: bytes, url: str, why: str, returncode: int | None, peak: int | None) -> DocumentText:
        """The DocumentText of a file whose worker was stopped or died."""
        kind = sniff(body, url)
        used = f"peak memory {mib(peak)}"
        if why == "interrupted":
            return DocumentText(kind, None, "interrupted", f"the crawl was stopped while its text was read ({used}); "
                                                           f"no text, {KEPT}")
        if why == "timeout" or returncode == -signal.SIGXCPU:
            return DocumentText(kind, None, "timeout", f"its text was not read within {self.limits.timeout:g} s "
                                                       f"(SOYTE_DOCUMENT_TEXT_TIMEOUT; {used}); {KEPT}")
        if why == "too-long":
            return DocumentText(kind, None, "too-large", f"the reader's answer ran past the text cap "
                                                         f"(SOYTE_DOCUMENT_TEXT_MAXCHARS); no text, {KEPT}")
        cause = f"signal {signal.strsignal(-returncode)}" if returncode and returncode < 0 else f"exit {returncode}"
        return DocumentText(kind, None, "failed", f"the text reader died ({cause}) while reading it; {KEPT}")


def peak_memory(pid: int | None = None) -> int | None:
    """Peak resident memory (VmHWM) of a live process, in bytes. Not getrusage's ru_maxrss: a child
    started by vfork carries its parent's high-water mark there (see bench/peak_rss.py)."""
    return _status_field(pid, "VmHWM")


def _status_field(pid: int | None, name: str) -> int | None:
    try:
        with open(f"/proc/{pid or 'self'}/status") as status:
            for line in status:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


# The worker's side.

def serve(memory: int) -> None:
    """The worker: limit itself, then read one file after another from stdin, answering each with
    one JSON line, until stdin closes (the crawl ended or died) or it has grown too large."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a reader that prints must not write into the answers
    while True:
        header = requests.readline()
        if not header:
            return
        request = json.loads(header)
        body = requests.read(request["size"])
        try:
            answer = answer_for(body, request, memory)
        except Exception as error:  # noqa: BLE001 — what escaped a reader is that file's failure; a fresh worker next
            failed = DocumentText("unknown", None, "failed", f"the text reader failed: {type(error).__name__}: {error}")
            answer = {"text": asdict(failed), "cpu": None, "peak": None, "retire": True}
        answers.write(json.dumps(answer).encode() + b"\n")  # ASCII: a lone surrogate travels too
        answers.flush()
        if answer["retire"]:
            return


def answer_for(body: bytes, request: dict, memory: int) -> dict:
    """Read one file within the limits: text, the reader's CPU time and peak memory on it, and
    whether this worker should make way for a fresh one."""
    limit_cpu(request["timeout"])
    _reset_peak()
    before, cpu = _status_field(None, "VmPeak") or 0, time.process_time()
    url, content_type = request["url"], request["content_type"]
    out_of_memory = False
    try:
        text = extract_text(body, url, content_type)
    except MemoryError:
        text, out_of_memory = DocumentText(kind_of(body, url), None, "failed"), True
    grown = _status_field(None, "VmPeak") or 0
    peak = peak_memory()
    # Out of memory: Python says MemoryError, lxml an "unknown error" with the address space full.
    out_of_memory = out_of_memory or (text.status == "failed" and grown > before and grown >= MEMORY_SHARE * memory)
    if out_of_memory:
        note = (f"reading its text needs more than {mib(memory)} of memory (SOYTE_DOCUMENT_TEXT_MEMORY; "
                f"peak memory {mib(peak)}); {KEPT}")
        text = DocumentText(text.kind, None, "too-large", note)
    return {"text": asdict(capped(text, request["max_chars"])), "cpu": round(time.process_time() - cpu, 3),
            "peak": peak, "retire": out_of_memory or grown >= RETIRE_SHARE * memory}


def kind_of(body: bytes, url: str) -> str:
    """What the bytes are, or `unknown` when even telling that runs out of memory."""
    try:
        return sniff(body, url)
    except MemoryError:
        return "unknown"


def capped(text: DocumentText, max_chars: int) -> DocumentText:
    """A text over the cap keeps its first `max_chars` characters, flagged too-large."""
    if text.text is None or len(text.text) <= max_chars:
        return text
    note = (f"its text runs to {len(text.text):,} characters, over SOYTE_DOCUMENT_TEXT_MAXCHARS: the first "
            f"{max_chars:,} are kept")
    return DocumentText(text.kind, text.text[:max_chars], "too-large", note, text.pages, text.mismatch)


def limit_cpu(seconds: float) -> None:
    """CPU time for this file on top of what the worker used so far: should the crawl be gone (killed
    -9) the worker still stops, by SIGXCPU."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    wanted = math.ceil(used.ru_utime + used.ru_stime + seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))


def _reset_peak() -> None:
    """Start VmHWM again from the current size, so the peak reported is this file's (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass

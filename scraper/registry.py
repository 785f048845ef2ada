"""The portal registry (portals.toml): which portals exist, their layout, where crawls start."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

# SOYTE_REGISTRY names another registry file (benchmarks and tests register synthetic portals).
REGISTRY_PATH = Path(os.environ.get("SOYTE_REGISTRY") or Path(__file__).with_name("portals.toml"))
DEMO_PORTALS = Path(__file__).with_name("demo_portals")


@dataclass(frozen=True)
class Portal:
    key: str
    province: str
    host: str
    spider: str
    layout: str
    start_urls: tuple[str, ...]
    status: str = "active"
    demo: str | None = None
    notes: str = ""
    retired_on: str | None = None
    successor: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def demo_dir(self) -> Path | None:
        return DEMO_PORTALS / self.demo if self.demo else None


class UnknownPortal(KeyError):
    def __str__(self) -> str:
        return f"unknown portal {self.args[0]!r}; known portals: {', '.join(sorted(load_portals()))}"


@lru_cache(maxsize=None)
def load_portals(path: Path = REGISTRY_PATH) -> dict[str, Portal]:
    """All registry entries by key, in file order."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    known = set(Portal.__dataclass_fields__) - {"key", "extra", "start_urls"}
    portals = {}
    for key, entry in data.items():
        fields = {name: value for name, value in entry.items() if name in known}
        extra = {name: value for name, value in entry.items() if name not in known and name != "start_urls"}
        portals[key] = Portal(key=key, start_urls=tuple(entry.get("start_urls", ())), extra=extra, **fields)
    return portals


def get_portal(key: str) -> Portal:
    try:
        return load_portals()[key]
    except KeyError:
        raise UnknownPortal(key) from None


def portal_for_url(url: str) -> Portal | None:
    """The registered portal whose host serves this URL."""
    host = urlsplit(url).hostname or ""
    for portal in load_portals().values():
        if host == portal.host or host.endswith("." + portal.host):
            return portal
    return None


def portals_for_spider(spider: str, only: tuple[str, ...] | None = None) -> list[Portal]:
    """Active portals crawled by one spider, optionally only those named."""
    return [p for p in load_portals().values()
            if p.spider == spider and p.active and (not only or p.key in only)]

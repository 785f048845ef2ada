"""Reading the project's own data files (the registry, layout files) also from a zipped egg.

scrapyd runs a deployed project from its egg, a zip file on sys.path: a path built from
`__file__` then points inside the zip and cannot be opened. Files are read from the disk when they
are there (an installed or checked-out project, where `soyte learn` and `new-portal` write them),
else through importlib.resources, which reads inside the egg.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path


def read_bytes(path: Path, package: str, *parts: str) -> bytes:
    """The file at `path`; inside a zipped package, the same file as package data (`package`, `parts`)."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        if ".egg" not in str(path) and ".zip" not in str(path):
            raise
    try:
        return resources.files(package).joinpath(*parts).read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError, KeyError):
        raise FileNotFoundError(path) from None

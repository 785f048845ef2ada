"""Where the project keeps the pages a person captured from portals: its fixtures folder.

Adding a portal (docs/ADDING_A_PORTAL.md) is done in a checkout of the project: `soyte new-portal`
makes the portal's fixture folder, `soyte save-page` and `soyte expect` fill it, and `soyte learn`,
`soyte check` and `soyte activate` read it. The folder is the checkout's tests/fixtures/, because
each portal's test module (tests/test_<key>.py) reads its pages from there. This module is the one
place that says so: the commands ask it for the folder and hand the folder down to the code that
reads or writes it (scraper/portals/capture.py, sites.py, scaffold.py, scraper/crawl/contracts.py).
"""
from __future__ import annotations

from pathlib import Path

# The checkout whose `scraper` package is running: a copy of the project run with its own folder on
# PYTHONPATH (as the scaffolding tests do) finds its own. An installed package finds site-packages,
# which holds no fixtures folder: a portal's reference pages are then its bundled demo portal's.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def fixtures_dir(project_root: Path = PROJECT_ROOT) -> Path:
    """The project's fixtures folder: one site folder (scraper/portals/sites.py) per portal key."""
    return project_root / "tests" / "fixtures"

"""Ready-to-install schedules for the current install: a cron line, or systemd service + timer units."""
from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path


def crawl_command(db: str, extra: list[str] | None = None) -> list[str]:
    """The crawl as the scheduler must run it: absolute paths, no reliance on PATH or the cwd."""
    executable = shutil.which("soyte")
    base = [executable] if executable else [sys.executable, "-m", "scraper.cli"]
    return [*base, "crawl", "--db", str(Path(db).resolve()), "--quiet", *(extra or [])]


def cron(db: str, every_hours: int = 6, log: str | None = None) -> str:
    log_path = Path(log or f"{Path(db).resolve()}.crawl.log").resolve()
    command = shlex.join(crawl_command(db))
    return (f"# soyte: crawl every {every_hours} hours; cron mails the output when the crawl exits non-zero\n"
            f"17 */{every_hours} * * * {command} >> {shlex.quote(str(log_path))} 2>&1 || "
            f"tail -n 30 {shlex.quote(str(log_path))}\n")


def systemd(db: str, every_hours: int = 6) -> str:
    archive = Path(db).resolve()
    return f"""# /etc/systemd/system/soyte-crawl.service
[Unit]
Description=soyte: crawl the Sở Y tế portals into {archive}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={archive.parent}
ExecStart={shlex.join(crawl_command(db))}
Nice=10

# /etc/systemd/system/soyte-crawl.timer
[Unit]
Description=soyte: crawl every {every_hours} hours

[Timer]
OnCalendar=0/{every_hours}:17
RandomizedDelaySec=10min
Persistent=true

[Install]
WantedBy=timers.target
"""


def scrapyd(db: str, portals: list[str], url: str = "http://localhost:6800", project: str = "soyte",
            nodes: list[str] | None = None) -> str:
    """curl lines that schedule each active portal on scrapyd; with several nodes, the portals
    split between them in turn, each node writing its own archive (merge them with soyte merge)."""
    nodes = nodes or [url]
    lines = ["# soyte on scrapyd: deploy first with `scrapyd-deploy` (scrapy.cfg [deploy]); then, e.g. from cron:"]
    for index, portal in enumerate(portals):
        node = nodes[index % len(nodes)]
        archive = db if len(nodes) == 1 else db.replace(".db", f"-node{index % len(nodes) + 1}.db")
        lines.append(f"curl -s {node}/schedule.json -d project={project} -d spider={portal} "
                     f"-d setting=SOYTE_DB={archive} -d setting=SOYTE_LOCK_WAIT=3600")
    if len(nodes) > 1:
        archives = " ".join(db.replace(".db", f"-node{n + 1}.db") for n in range(len(nodes)))
        lines.append(f"# then, with the node archives copied to one machine: soyte merge {archives} --into {db}")
    return "\n".join(lines) + "\n"

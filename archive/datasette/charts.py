"""The archive's page draws two charts as inline SVG, made here on the server from the archive: the
articles published per month by province, and each crawl run's health per portal (articles new,
updated, pages failed). No JavaScript and no network: the page reads the same in any browser, in a
reader that runs no scripts, or printed.

The plugins the ecosystem keeps draw in the browser (datasette-vega with Vega, datasette-plot with
Observable Plot, datasette-chartjs and datasette-dashboards with Chart.js or ECharts), each fetching or
shipping a JavaScript library and drawing nothing without it; none renders on the server. Every bar
carries its numbers as data-* attributes and a <title>, so tests check them against SQL and a
screen reader or a hover reads them.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

# The newest months drawn, up to the archive's newest: five years of monthly bars fit a page.
MONTHS_SHOWN = 60
RUNS_SHOWN = 30
PORTALS_SHOWN = 12
# A palette readable in colour-blind vision (Okabe–Ito, then greys), one colour per province.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000",
           "#7f7f7f", "#a6761d", "#1b9e77", "#bbbbbb")
HEALTH_COLOURS = {"new": "#009e73", "updated": "#0072b2", "failed": "#d55e00"}


def articles_per_month_sql() -> str:
    """Articles per province per month (month 'YYYY-MM', at +07:00 as published), from the counts the
    triggers keep (archive.summaries): counting every article per page view took 5.2 s at 1,000,000
    articles (docs/BENCHMARKS.md "A million articles")."""
    return ("select nullif(province, '') as province, month, sum(articles) as articles from article_counts "
            "where month glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]' group by province, month")


def crawl_health_sql() -> str:
    """What each portal gave in the newest RUNS_SHOWN crawl runs."""
    return ("select run_id, portal, coalesce(articles_new, 0) as new, coalesce(articles_updated, 0) as updated, "
            "coalesce(extraction_failures, 0) + coalesce(fetch_failures, 0) as failed from portal_runs "
            f"where run_id in (select id from crawl_runs order by id desc limit {RUNS_SHOWN}) order by run_id, portal")


def month_range(newest: str, count: int) -> list[str]:
    """The `count` months ending with `newest` ('YYYY-MM'), oldest first."""
    year, month = map(int, newest.split("-"))
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str
    data: dict[str, str | int]

    def svg(self) -> str:
        data = "".join(f' data-{key}="{escape(value)}"' for key, value in self.data.items())
        return (f'<rect x="{self.x:.1f}" y="{self.y:.1f}" width="{self.width:.1f}" height="{self.height:.1f}" '
                f'fill="{self.colour}"{data}><title>{escape(self.title)}</title></rect>')


def months_chart(rows: list[tuple[str, str, int]], label: str, month_names: list[str]) -> Markup:
    """Stacked bars, one a month, a colour a province (the PORTALS_SHOWN-1 provinces with most
    articles, the rest as one grey): rows of (province, month, articles)."""
    if not rows:
        return Markup("")
    months = month_range(max(month for _, month, _ in rows), MONTHS_SHOWN)
    totals: dict[str, int] = {}
    for province, month, count in rows:
        if month in months:
            totals[province or "?"] = totals.get(province or "?", 0) + count
    provinces = sorted(totals, key=lambda p: (-totals[p], p))
    colour = {province: PALETTE[min(n, len(PALETTE) - 1)] for n, province in enumerate(provinces)}
    counts = {(province or "?", month): count for province, month, count in rows if month in months}
    width, height, left, bottom = 900, 260, 36, 40
    step = (width - left) / len(months)
    tallest = max(sum(counts.get((p, m), 0) for p in provinces) for m in months) or 1
    scale = (height - bottom - 10) / tallest
    shapes = []
    for n, month in enumerate(months):
        base = height - bottom
        for province in provinces:
            count = counts.get((province, month), 0)
            if count:
                bar = Bar(left + n * step + 1, base - count * scale, max(step - 2, 1), count * scale, colour[province],
                          f"{province}, {month}: {count}", {"province": province, "month": month, "count": count})
                shapes.append(bar.svg())
                base -= count * scale
        if month.endswith("-01") or n == 0:
            year, number = month.split("-")
            shapes.append(f'<text x="{left + n * step:.1f}" y="{height - bottom + 14}" font-size="11">'
                          f'{escape(month_names[int(number) - 1])} {year}</text>')
    shapes.append(f'<text x="0" y="14" font-size="11">{tallest}</text>'
                  f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#999"/>')
    legend = "".join(f'<span class="soyte-legend-item"><span style="background:{colour[p]}"></span>{escape(p)} '
                     f'({totals[p]})</span>' for p in provinces)
    return Markup(f'<figure class="soyte-chart soyte-chart-months"><svg role="img" viewBox="0 0 {width} {height}" '
                  f'width="100%" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{"".join(shapes)}</svg>'
                  f'<figcaption>{escape(label)}: {escape(months[0])} – {escape(months[-1])}. {legend}</figcaption></figure>')


def health_chart(rows: list[tuple[int, str, int, int, int]], label: str, words: dict[str, str]) -> Markup:
    """Small multiples, one row a portal (the first PORTALS_SHOWN by name): per crawl run three bars,
    articles new, updated, and pages failed; rows of (run_id, portal, new, updated, failed)."""
    if not rows:
        return Markup("")
    runs = sorted({run for run, *_ in rows})
    portals = sorted({portal for _, portal, *_ in rows})[:PORTALS_SHOWN]
    found = {(run, portal): (new, updated, failed) for run, portal, new, updated, failed in rows}
    tallest = max(max(values) for values in found.values()) or 1
    row_height, left, width = 54, 90, 900
    step = min((width - left) / max(len(runs), 1), 45)  # a run's three bars, never wider than 15 px each
    shapes = []
    for r, portal in enumerate(portals):
        top = r * row_height
        shapes.append(f'<text x="0" y="{top + row_height - 8}" font-size="12">{escape(portal)}</text>'
                      f'<line x1="{left}" y1="{top + row_height - 4}" x2="{width}" y2="{top + row_height - 4}" stroke="#ccc"/>')
        for n, run in enumerate(runs):
            if (run, portal) not in found:
                continue
            for k, (kind, value) in enumerate(zip(("new", "updated", "failed"), found[(run, portal)])):
                size = value / tallest * (row_height - 10)
                bar = Bar(left + n * step + 1 + k * step / 3, top + row_height - 4 - size, max(step / 3 - 1, 1), size,
                          HEALTH_COLOURS[kind], f"{portal}, {words['run']} {run}: {value} {words[kind]}",
                          {"portal": portal, "run": run, "kind": kind, "count": value})
                shapes.append(bar.svg())
    height = row_height * len(portals)
    legend = "".join(f'<span class="soyte-legend-item"><span style="background:{colour}"></span>{escape(words[kind])}</span>'
                     for kind, colour in HEALTH_COLOURS.items())
    return Markup(f'<figure class="soyte-chart soyte-chart-health"><svg role="img" viewBox="0 0 {width} {height}" '
                  f'width="100%" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{"".join(shapes)}</svg>'
                  f'<figcaption>{escape(label)} ({words["run"]} {runs[0]} – {runs[-1]}). {legend}</figcaption></figure>')

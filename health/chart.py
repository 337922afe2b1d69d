"""The connection page's chart of recent checks, drawn as SVG on the server (no script, no inline style)."""

from dataclasses import dataclass

WIDTH, HEIGHT, SLOT = 480, 64, 10  # 48 slots of 10 units; bars leave a gap of 2
MIN_BAR = 4


@dataclass
class Bar:
    x: int
    y: int
    height: int
    css: str
    label: str


def bars(checks):
    """One bar per check, oldest on the left: its height is the latency (scaled to the slowest); a
    failed check is a full-height bar of its own colour, so failures stand out whatever their latency."""
    slowest = max((check.latency_ms or 0 for check in checks if check.ok), default=0) or 1
    drawn = []
    for index, check in enumerate(checks):
        if check.ok:
            height = max(MIN_BAR, round((check.latency_ms or 0) / slowest * HEIGHT))
        else:
            height = HEIGHT
        what = f"{check.status_code}" if check.status_code else check.get_outcome_display().lower()
        drawn.append(Bar(x=index * SLOT, y=HEIGHT - height, height=height,
                         css=f"health-bar-{check.outcome}",
                         label=f"{check.checked_at:%Y-%m-%d %H:%M} UTC: {check.get_outcome_display()}, {what}"
                               + (f", {check.latency_ms} ms" if check.latency_ms is not None else "")))
    return drawn

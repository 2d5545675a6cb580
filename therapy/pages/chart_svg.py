"""The geometry of the chart's SVG panels: time and value axes, lines, points, bars and
bands in a fixed ``viewBox`` (CSS scales it to the page). No drawing library, no JavaScript:
``therapy.pages.chart`` decides what to draw, the templates place these shapes."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import dateformat, timezone

# The viewBox of every panel; CSS scales it to the column width.
# TOP leaves room for the dose labels (G3 given, H4 held) above each plot.
WIDTH, LEFT, RIGHT, TOP, BOTTOM = 720, 56, 14, 22, 26
EDGE_ROOM = 36  # a label centred closer than this to an edge would be cut off or overlap


def anchor_at(x: float) -> str:
    """How a label at ``x`` is anchored: near the right edge it ends there, near the left it
    starts there, so it is never cut off at the edge (issue 14 item 6)."""
    if x > WIDTH - RIGHT - EDGE_ROOM:
        return "end"
    return "start" if x < LEFT + EDGE_ROOM else "middle"


PANEL_HEIGHT = 180


def local(moment: datetime, fmt: str = "j M H:i") -> str:
    return dateformat.format(timezone.localtime(moment), fmt)


@dataclass
class Point:
    x: float
    y: float
    title: str


@dataclass
class Series:
    name: str
    css: str
    points: list[Point]
    path: str


@dataclass
class Line:
    y: float
    label: str
    css: str


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str
    label: str = ""


@dataclass
class Tick:
    at: float
    label: str

    @property
    def anchor(self) -> str:
        return anchor_at(self.at)


@dataclass
class Projection:
    """A trend's least-squares projection (§7 (v2)): a dashed line from the newest charted
    value to the projected value at the next dose, and the threshold it crosses, labelled."""

    x1: float
    y1: float
    x2: float
    y2: float
    threshold_y: float | None
    label: str
    title: str


@dataclass
class Panel:
    key: str
    title: str
    unit: str
    y_ticks: list[Tick]
    series: list[Series] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    bands: list[Rect] = field(default_factory=list)
    note: str = ""
    scale: "ValueAxis | None" = None
    projections: list[Projection] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series) and not self.rects

    @property
    def plot_bottom(self) -> int:
        return PANEL_HEIGHT - BOTTOM


@dataclass
class DoseMark:
    x: float
    state: str  # given or held
    label: str
    title: str

    @property
    def anchor(self) -> str:
        return anchor_at(self.x)


class TimeAxis:
    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.span = max((end - start).total_seconds(), 1.0)

    def x(self, moment: datetime) -> float:
        share = (moment - self.start).total_seconds() / self.span
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)

    def ticks(self) -> list[Tick]:
        hours = self.span / 3600
        step, fmt = (6, "H:i") if hours <= 30 else (12, "D H:i") if hours <= 96 else (24, "j M")
        first = timezone.localtime(self.start).replace(minute=0, second=0, microsecond=0)
        first += timedelta(hours=(step - first.hour % step) % step)
        ticks, moment = [], first
        while moment <= self.end:
            label = local(moment, "D j M" if moment.hour == 0 and step < 24 else fmt)
            ticks.append(Tick(self.x(moment), label))
            moment += timedelta(hours=step)
        return ticks


class ValueAxis:
    """A y scale over the data, the default range and the reference lines, on round ticks."""

    STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)

    def __init__(self, values: Iterable[float], default: tuple[float, float]) -> None:
        values = list(values)
        low, high = min([default[0], *values]), max([default[1], *values])
        step = next((s for s in self.STEPS if (high - low) / s <= 6), self.STEPS[-1])
        self.low = step * (low // step)
        self.high = step * -(-high // step)
        self.step = step

    def y(self, value: float) -> float:
        share = (value - self.low) / ((self.high - self.low) or 1)
        return round(PANEL_HEIGHT - BOTTOM - share * (PANEL_HEIGHT - BOTTOM - TOP), 1)

    def y_clamped(self, value: float) -> float:
        """``y`` kept inside the plot (a projection may run past the scale)."""
        return min(max(self.y(value), TOP), PANEL_HEIGHT - BOTTOM)

    def ticks(self) -> list[Tick]:
        count = round((self.high - self.low) / self.step)
        return [
            Tick(self.y(self.low + i * self.step), f"{self.low + i * self.step:g}")
            for i in range(count + 1)
        ]


def series(
    name: str,
    css: str,
    readings: list[tuple[datetime, float, str]],
    time: TimeAxis,
    scale: ValueAxis,
    gap: timedelta,
) -> Series:
    """A line through the readings, broken where they are further apart than ``gap`` (a line
    must not suggest values nobody measured)."""
    points, path, previous = [], [], None
    for moment, value, title in readings:
        point = Point(time.x(moment), scale.y(value), title)
        jump = previous is None or moment - previous > gap
        path.append(f"{'M' if jump else 'L'}{point.x} {point.y}")
        points.append(point)
        previous = moment
    return Series(name, css, points, " ".join(path))

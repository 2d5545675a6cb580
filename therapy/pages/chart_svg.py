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
# A right-edge label (12 px bold, with a 3 px white halo) as a box around its baseline, in
# viewBox units: measured in Chromium (DejaVu Sans Bold: 11.3 above the baseline, 2.8 below)
# plus the halo (issue 14 item 6).
LABEL_ABOVE, LABEL_BELOW = 13.0, 4.5
LABEL_TOP = LABEL_ABOVE  # the highest baseline: the words stay inside the panel
LABEL_GAP = 10.0  # between two labels set side by side on one level


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
    label_x: float = 0.0  # where the label ends, and its baseline: Panel.place_labels
    label_y: float = 0.0


def label_width(text: str) -> float:
    """A generous estimate of a label's width (the SVG is drawn on the server, which cannot
    measure text): per character, a little wider than DejaVu Sans Bold at 12 px as Chromium
    draws it (digits 8.3, lower case 6.6-8, "M" and "W" 12-13), so that estimates err wide."""
    width = 0.0
    for char in text:
        if char in "mwMW":
            width += 13.5
        elif char.isupper() or char in "×→≥≤–—%=+":
            width += 10.5
        elif char.isdigit() or char.islower():
            width += 8.5
        else:  # space, punctuation
            width += 5.0
    return width


@dataclass
class LabelBox:
    right: float
    baseline: float
    width: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (
            self.right - self.width,
            self.right,
            self.baseline - LABEL_ABOVE,
            self.baseline + LABEL_BELOW,
        )

    def hits(self, other: "LabelBox") -> bool:
        left, right, top, bottom = self.box
        o_left, o_right, o_top, o_bottom = other.box
        return left < o_right and o_left < right and top < o_bottom and o_top < bottom


def place_labels(wanted: list[LabelBox], *, left: float, bottom: float) -> list[LabelBox]:
    """Labels that end at the plot's right edge, each wanted just by its own line: taken in
    order, a label that would cover one already placed moves left along its own line, past the
    one it meets (staggered, so every label stays on its line); when no room is left before
    the plot's left edge it moves down below the labels it meets instead. None overlaps
    another; every baseline stays between LABEL_TOP and ``bottom`` when there is room."""
    placed: list[LabelBox] = []
    for want in wanted:
        label = LabelBox(want.right, min(max(want.baseline, LABEL_TOP), bottom), want.width)
        while hit := [other for other in placed if label.hits(other)]:
            further = min(other.box[0] for other in hit) - LABEL_GAP
            if further - label.width >= left:
                label = LabelBox(further, label.baseline, label.width)
            else:  # no room on its line: under the labels it meets, at the right edge
                # A hair more than touching: floating-point sums must not land it on the
                # same edge again (a property test found that loop).
                lower = max(other.box[3] for other in hit) + LABEL_ABOVE + 0.5
                label = LabelBox(want.right, lower, label.width)
        placed.append(label)
    return placed


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str
    label: str = ""
    label_x: float = 0.0  # a band's label: where it ends, and its baseline (place_labels)
    label_y: float = 0.0


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
    label_x: float = 0.0  # set by Panel.place_labels
    label_y: float = 0.0


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

    def place_labels(self) -> None:
        """Every label drawn against the right edge — the bands' names, the reference lines'
        thresholds and the projections' words — by its own line (a band's just under its top,
        a line's just above it, a projection's above its end), and never over another (issue
        14 item 6): thresholds close together ("3: stop" and "1.5 × baseline" of a baseline
        of 2) are set side by side along their lines (:func:`place_labels`)."""
        edge = WIDTH - RIGHT - 4
        lines = sorted((line for line in self.lines if line.label), key=lambda line: line.y)
        labelled: list[Rect | Line | Projection] = [b for b in self.bands if b.label]
        labelled += [*lines, *self.projections]

        def wanted(item: Rect | Line | Projection) -> LabelBox:
            if isinstance(item, Rect):
                return LabelBox(edge, item.y + 14, label_width(item.label))
            if isinstance(item, Line):
                return LabelBox(edge, item.y - 4, label_width(item.label))
            return LabelBox(item.x2 - 6, item.y2 - 8, label_width(item.label))

        placed = place_labels(
            [wanted(i) for i in labelled], left=LEFT, bottom=self.plot_bottom - LABEL_BELOW
        )
        for item, label in zip(labelled, placed, strict=True):
            item.label_x, item.label_y = label.right, label.baseline


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

"""The digest's three charts as small PNGs, drawn with matplotlib and carrying no words.

Matplotlib's fonts neither shape Arabic nor hold CJK glyphs, so a chart shows only numbers,
short dates (10-19), language codes (UK, AR) and partner or service codes; its title, legend and
caption are in the translated mail around it. Charts are therefore the same in every language
and are drawn once per week and scope.

Each chart is its own `Figure` on an Agg canvas (no pyplot, no rcParams changes), so charts can
be drawn in threads. Speed (a week's run draws some sixty): bars and lines are a handful of
artists placed by hand, not Axes, whose tick machinery costs more than the drawing; labels repeat
across charts (ticks, dates, codes), so each is rasterised once with the bundled DejaVu font,
kept, and inked onto the finished picture. A chart then takes under 10 ms.

Colours are from the Okabe-Ito palette, which colour-blind readers can tell apart; a flagged bar
is also hatched, so colour is never the only sign.
"""

from __future__ import annotations

import functools
import io
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from PIL import Image

VOLUME = "volume"
RESOLUTION_BY_LANGUAGE = "resolution_by_language"
WITHIN_TARGET = "within_target"
CHART_NAMES = (VOLUME, RESOLUTION_BY_LANGUAGE, WITHIN_TARGET)

DPI = 100
WIDTH_PX = 600
HEIGHT_PX = 260
BAR_ROW_PX = 20  # a horizontal bar chart grows with its rows beyond HEIGHT_PX
MAX_BARS = 20  # the rest are in the table next to the chart
LABEL_CHARACTERS = 16
FONT_SIZE = 10  # points; large enough to read when a phone shrinks the chart
COMPRESS_LEVEL = 3  # zlib: fast, and flat colours compress well anyway

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
INK = "#222222"
INK_RGB = (0x22, 0x22, 0x22)
CAP_PX = round(FONT_SIZE * DPI / 72 * 0.73)  # DejaVu's capitals and digits: 0.73 em
GRID = "#DDDDDD"
NEW_COLOUR, RESOLVED_COLOUR = BLUE, ORANGE
LANGUAGE_COLOUR, FLAGGED_COLOUR, SHARE_COLOUR = BLUE, VERMILLION, GREEN
HOUR = 3600.0


def render_charts(figures: Mapping[str, Any]) -> dict[str, bytes]:
    """The three charts of one scope's week, by name (the names the mail refers to)."""
    groups = figures.get("groups") or {}
    overall = figures.get("overall") or {}
    flagged = {
        flag["key"]
        for flag in figures.get("flags") or []
        if flag.get("dimension") == "language" and flag.get("metric") == "resolution_p50"
    }
    dimension = "intent" if "intent" in groups else "partner"
    return {
        VOLUME: volume_chart(figures.get("per_day") or [], figures.get("days") or []),
        RESOLUTION_BY_LANGUAGE: resolution_by_language_chart(
            groups.get("language") or [], (overall.get("resolution") or {}).get("p50"), flagged
        ),
        WITHIN_TARGET: within_target_chart(
            groups.get(dimension) or [],
            (overall.get("resolution") or {}).get("share"),
            dimension,
        ),
    }


def chart_label(row: Mapping[str, Any], dimension: str) -> str:
    """What a bar is called: a language code, a service code, or a partner's name when the
    chart's font can draw it without shaping (else its number, `#12`)."""
    key = str(row.get("key") or "")
    if dimension == "language":
        return key.upper() or "?"
    text = key
    if dimension == "partner":
        label = str(row.get("label") or "").strip()
        text = label if label and _drawable(label) else f"#{key}"
    if len(text) > LABEL_CHARACTERS:
        text = text[: LABEL_CHARACTERS - 1] + "…"
    return text or "?"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from a PNG's header."""
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _drawable(text: str) -> bool:
    """Latin, Greek and Cyrillic only: scripts the bundled DejaVu font draws letter by letter."""
    return all(character.isprintable() and ord(character) < 0x0590 for character in text)


class _Plot:
    """A plot area on its own figure; data coordinates mapped onto pixels by hand."""

    def __init__(
        self,
        height_px: int,
        left_px: int,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
    ) -> None:
        self.figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(self.figure)
        self.height = height_px
        self.left, self.right = left_px, WIDTH_PX - 16
        self.bottom, self.top = 24, height_px - 10
        self.x_range, self.y_range = x_range, y_range
        self.labels: list[tuple[np.ndarray[Any, Any], int, int]] = []  # stamp, left, bottom

    def x(self, value: float) -> float:
        low, high = self.x_range
        return (self.left + (value - low) / (high - low) * (self.right - self.left)) / WIDTH_PX

    def y(self, value: float) -> float:
        low, high = self.y_range
        return (self.bottom + (value - low) / (high - low) * (self.top - self.bottom)) / self.height

    def bar(self, x0: float, y0: float, x1: float, y1: float, colour: str, hatched: bool) -> None:
        left, bottom = min(self.x(x0), self.x(x1)), min(self.y(y0), self.y(y1))
        width, height = abs(self.x(x1) - self.x(x0)), abs(self.y(y1) - self.y(y0))
        bar = Rectangle(
            (left, bottom), width, height, facecolor=colour, linewidth=0,
            transform=self.figure.transFigure,
        )  # fmt: skip
        if hatched:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
        self.figure.add_artist(bar)

    def line(self, xs: tuple[float, float], ys: tuple[float, float], **style: Any) -> None:
        self.figure.add_artist(
            Line2D(
                [self.x(xs[0]), self.x(xs[1])],
                [self.y(ys[0]), self.y(ys[1])],
                transform=self.figure.transFigure,
                **style,
            )
        )

    def text(self, x: float, y: float, text: str, ha: str = "left", va: str = "baseline") -> None:
        """A label at figure fractions (x, y), aligned like matplotlib's text."""
        stamp, descent = _stamp(text)
        left = x * WIDTH_PX - {"left": 0, "center": stamp.shape[1] / 2, "right": stamp.shape[1]}[ha]
        baseline = y * self.height - {"baseline": 0, "center": CAP_PX / 2, "top": CAP_PX}[va]
        self.labels.append((stamp, round(left), round(baseline - descent)))

    def png(self) -> bytes:
        canvas = self.figure.canvas
        assert isinstance(canvas, FigureCanvasAgg)
        canvas.draw()  # type: ignore[no-untyped-call]
        pixels = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
        image = pixels[..., :3].astype(np.float32)
        for stamp, left, bottom in self.labels:
            _blend(image, stamp, left, self.height - bottom - stamp.shape[0])
        buffer = io.BytesIO()
        Image.fromarray(image.astype(np.uint8), "RGB").save(
            buffer, format="PNG", compress_level=COMPRESS_LEVEL
        )
        return buffer.getvalue()


def _blend(image: np.ndarray[Any, Any], stamp: np.ndarray[Any, Any], left: int, top: int) -> None:
    """Ink a label onto the picture (rows from the top), clipped at the edges."""
    rows, columns = stamp.shape[:2]
    top0, left0 = max(top, 0), max(left, 0)
    bottom0, right0 = min(top + rows, image.shape[0]), min(left + columns, image.shape[1])
    if top0 >= bottom0 or left0 >= right0:
        return
    alpha = stamp[top0 - top : bottom0 - top, left0 - left : right0 - left, 3:4] / 255.0
    region = image[top0:bottom0, left0:right0]
    region *= 1.0 - alpha
    region += alpha * np.asarray(INK_RGB, dtype=np.float32)


@functools.lru_cache(maxsize=1024)
def _stamp(text: str) -> tuple[np.ndarray[Any, np.dtype[np.uint8]], float]:
    """A label drawn once (ink on transparent) and how far it reaches below its baseline.

    Labels repeat across charts and scopes (ticks, dates, codes), and laying text out is most of
    a chart's cost: each is drawn once and then stamped onto the charts as an image.
    """
    font = get_font(findfont(FontProperties(family="DejaVu Sans")))
    font.set_size(FONT_SIZE, DPI)
    font.set_text(text, 0.0)
    font.draw_glyphs_to_bitmap(antialiased=True)
    alpha = np.asarray(font.get_image())
    stamp = np.empty((*alpha.shape, 4), dtype=np.uint8)
    stamp[..., :3] = INK_RGB
    stamp[..., 3] = alpha
    stamp.setflags(write=False)
    return stamp, font.get_descent() / 64


def _ticks(high: float, bins: int) -> list[float]:
    """Round numbers from 0 to about `high` (integers only)."""
    return [float(tick) for tick in MaxNLocator(nbins=bins, integer=True).tick_values(0, high)]


def _short_day(day: str) -> str:
    return day[5:10] if len(day) >= 10 else day  # 2026-10-19 -> 10-19


def volume_chart(per_day: Sequence[Mapping[str, int]], days: Sequence[str]) -> bytes:
    """New (blue, left) and resolved (orange, right) tickets per local day, Monday to Sunday."""
    new = [int(day.get("new", 0)) for day in per_day]
    resolved = [int(day.get("resolved", 0)) for day in per_day]
    ticks = _ticks(max([*new, *resolved, 1]), 4)
    count = max(len(per_day), 1)
    plot = _Plot(HEIGHT_PX, 44, (-0.6, count - 0.4), (0, ticks[-1]))
    for tick in ticks:
        plot.line(
            (-0.6, count - 0.4), (tick, tick), color=GRID if tick else INK, linewidth=0.8, zorder=0
        )
        plot.text(plot.x(-0.6) - 0.01, plot.y(tick), f"{tick:.0f}", ha="right", va="center")
    width = 0.38
    for position, (made, done) in enumerate(zip(new, resolved, strict=True)):
        plot.bar(position - width, 0, position, made, NEW_COLOUR, False)
        plot.bar(position, 0, position + width, done, RESOLVED_COLOUR, False)
    for position, day in enumerate(days[: len(per_day)]):
        plot.text(plot.x(position), plot.y(0) - 0.03, _short_day(day), ha="center", va="top")
    return plot.png()


def _bars(
    labels: Sequence[str],
    values: Sequence[float],
    colours: Sequence[str],
    hatched: Sequence[bool],
    reference: float | None,
    ticks: Sequence[float],
) -> bytes:
    """Horizontal bars, the first row at the top; a dashed line at the whole scope's value."""
    rows = max(len(labels), 1)
    height = max(HEIGHT_PX, 40 + BAR_ROW_PX * rows)
    left = min(14 + max((_stamp(label)[0].shape[1] for label in labels), default=14), 150)
    plot = _Plot(height, left, (0, ticks[-1]), (rows - 0.5, -0.5))
    for tick in ticks:
        plot.line(
            (tick, tick), (rows - 0.5, -0.5), color=GRID if tick else INK, linewidth=0.8, zorder=0
        )
        plot.text(plot.x(tick), plot.y(rows - 0.5) - 0.02, f"{tick:.0f}", ha="center", va="top")
    for row, (label, value, colour, hatch) in enumerate(
        zip(labels, values, colours, hatched, strict=True)
    ):
        plot.bar(0, row - 0.35, value, row + 0.35, colour, hatch)
        plot.text(plot.x(0) - 0.01, plot.y(row), label, ha="right", va="center")
    if reference is not None:
        plot.line(
            (reference, reference), (rows - 0.5, -0.5),
            color=INK, linestyle=(0, (4, 3)), linewidth=1.4,
        )  # fmt: skip
    return plot.png()


def resolution_by_language_chart(
    rows: Sequence[Mapping[str, Any]], overall_p50: float | None, flagged: set[str]
) -> bytes:
    """Median time to resolution in hours per resident language, slowest first; flagged
    languages in vermillion and hatched; the dashed line is the whole scope's median."""
    measured = [row for row in rows if (row.get("resolution") or {}).get("p50") is not None]
    measured.sort(key=lambda row: (-row["resolution"]["p50"], str(row["key"])))
    measured = measured[:MAX_BARS]
    values = [row["resolution"]["p50"] / HOUR for row in measured]
    reference = overall_p50 / HOUR if overall_p50 is not None and measured else None
    is_flagged = [str(row["key"]) in flagged for row in measured]
    return _bars(
        [chart_label(row, "language") for row in measured],
        values,
        [FLAGGED_COLOUR if flag else LANGUAGE_COLOUR for flag in is_flagged],
        is_flagged,
        reference,
        _ticks(max([*values, reference or 0.0, 1.0]) * 1.05, 5),
    )


def within_target_chart(
    rows: Sequence[Mapping[str, Any]], overall_share: float | None, dimension: str
) -> bytes:
    """Percent of the tickets resolved within target, per partner (city) or service (partner),
    lowest first; the dashed line is the whole scope's share."""
    measured = [row for row in rows if (row.get("resolution") or {}).get("share") is not None]
    measured.sort(key=lambda row: (row["resolution"]["share"], str(row["key"])))
    measured = measured[:MAX_BARS]
    return _bars(
        [chart_label(row, dimension) for row in measured],
        [row["resolution"]["share"] * 100 for row in measured],
        [SHARE_COLOUR] * len(measured),
        [False] * len(measured),
        overall_share * 100 if overall_share is not None and measured else None,
        [0.0, 25.0, 50.0, 75.0, 100.0],
    )

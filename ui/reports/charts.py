"""A Chart as a PNG picture (REP-4): lines with markers over the labelled points, a gap where a point has no value,
sized to be read on a phone (1000×600 px) and to fill a PDF page's width.

matplotlib is used through its object API (a Figure and an Agg canvas of its own), never pyplot: pyplot keeps a
global current figure, and the bot draws its reports in worker threads (asyncio.to_thread), several at a time."""

from __future__ import annotations

import io
import math

from babel.numbers import format_decimal
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .document import Chart

WIDTH_PX, HEIGHT_PX = 1000, 600
DPI = 150  # 6.67 × 4 inches: a point of the fonts is about two pixels, large enough on a phone's screen
MOST_LABELS = 12  # more labels than this and only every n-th is written under the axis
COLOURS = ("#1f6fb4", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#495057", "#0b7285", "#c2255c")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def png_bytes(chart: Chart, locale: str) -> bytes:
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)  # the figure's own canvas: no pyplot, no global state
    axes = figure.add_subplot()
    positions = range(len(chart.labels))
    for index, (name, values) in enumerate(chart.series):
        axes.plot(
            positions,
            [math.nan if value is None else value for value in values],  # NaN breaks the line: a gap, not a zero
            label=name,
            color=COLOURS[index % len(COLOURS)],
            marker=MARKERS[index % len(MARKERS)],
            linewidth=2.2,
            markersize=6,
        )
    axes.set_title(chart.title, fontsize=13, fontweight="bold")
    if chart.y_label:
        axes.set_ylabel(chart.y_label, fontsize=11)
    low, high = chart.y_range
    axes.set_ylim(low, high)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: format_decimal(value, "0.##", locale=locale)))
    _label_points(axes, chart.labels)
    axes.tick_params(labelsize=10)
    axes.grid(axis="y", color="#d0d0d0", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if chart.series:
        figure.legend(loc="outside lower center", ncols=min(len(chart.series), 3), fontsize=10, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _label_points(axes, labels: tuple[str, ...]) -> None:
    """Every label under its point, or every n-th when there are many (a year's weeks); slanted when long."""
    if not labels:
        axes.set_xticks([])
        return
    step = max(1, math.ceil(len(labels) / MOST_LABELS))
    shown = range(0, len(labels), step)
    axes.set_xticks(list(shown), [labels[i] for i in shown])
    axes.set_xlim(-0.5, len(labels) - 0.5)
    if sum(len(labels[i]) for i in shown) > 60:
        for text in axes.get_xticklabels():
            text.set_rotation(30)
            text.set_horizontalalignment("right")

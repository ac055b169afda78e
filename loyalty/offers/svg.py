"""Small, self-contained SVG charts for HTML reports (no scripts, no network, no library)."""

from __future__ import annotations

from html import escape

import numpy as np

WIDTH = 560
BAR = 22
COLOURS = ("#2f6f4f", "#c2703d", "#3d6fc2", "#8a5cc2", "#c23d5c", "#5c8a2f")


def bars(counts: dict[str, float], unit: str = "", colour: str = COLOURS[0]) -> str:
    """Horizontal bars, one per label, longest first, each with its value."""
    if not counts:
        return "<p class='empty'>nothing to show</p>"
    items = sorted(counts.items(), key=lambda item: -item[1])
    top = max(value for _, value in items) or 1
    label_width, scale = 170, (WIDTH - 170 - 90) / top
    height = BAR * len(items) + 8
    rows = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * BAR
        length = max(value * scale, 1)
        rows.append(
            f"<text x='{label_width - 8}' y='{y + 15}' text-anchor='end'>"
            f"{escape(str(label))}</text>"
            f"<rect x='{label_width}' y='{y + 3}' width='{length:.1f}' height='{BAR - 6}' "
            f"fill='{colour}'/>"
            f"<text x='{label_width + length + 6:.1f}' y='{y + 15}'>{_number(value)}{unit}</text>"
        )
    return _svg(height, "".join(rows))


def histogram(values: np.ndarray, bins: int = 30, colour: str = COLOURS[2], label: str = "") -> str:
    """A histogram of ``values`` with the axis range and the median marked."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return "<p class='empty'>nothing to show</p>"
    counts, edges = np.histogram(values, bins=bins)
    height, plot = 170, 140
    step = WIDTH / bins
    top = counts.max() or 1
    rects = "".join(
        f"<rect x='{i * step:.1f}' y='{plot - c / top * (plot - 10):.1f}' "
        f"width='{max(step - 1, 1):.1f}' height='{c / top * (plot - 10):.1f}' fill='{colour}'/>"
        for i, c in enumerate(counts)
    )
    median = float(np.median(values))
    at = (median - edges[0]) / ((edges[-1] - edges[0]) or 1) * WIDTH
    axis = (
        f"<text x='0' y='{height - 8}'>{_number(edges[0])}</text>"
        f"<text x='{WIDTH}' y='{height - 8}' text-anchor='end'>{_number(edges[-1])}</text>"
        f"<line x1='{at:.1f}' x2='{at:.1f}' y1='0' y2='{plot}' stroke='#222' "
        f"stroke-dasharray='4 3'/>"
        f"<text x='{min(at + 4, WIDTH - 120):.1f}' y='12'>median {_number(median)} {label}</text>"
    )
    return _svg(height, rects + axis)


def meter(used: float, total: float, what: str) -> str:
    """One bar filled to ``used`` of ``total``."""
    share = 0.0 if total <= 0 else min(used / total, 1.0)
    body = (
        f"<rect x='0' y='4' width='{WIDTH}' height='24' fill='#e6e6e6'/>"
        f"<rect x='0' y='4' width='{share * WIDTH:.1f}' height='24' fill='{COLOURS[1]}'/>"
        f"<text x='6' y='21' fill='#fff'>{share:.0%}</text>"
        f"<text x='0' y='48'>{_number(used)} of {_number(total)} {escape(what)}</text>"
    )
    return _svg(56, body)


def _svg(height: int, body: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH + 40}' height='{height}' "
        f"viewBox='0 0 {WIDTH + 40} {height}' font-family='sans-serif' font-size='12'>"
        f"{body}</svg>"
    )


def _number(value: float) -> str:
    value = float(value)
    if value == int(value) and abs(value) < 1e9:
        return f"{int(value):,}"
    return f"{value:,.2f}"

"""Checks that a figure shows data: on the matplotlib figure (before it is returned) and on a rendered PNG.

Two levels, because the book's figures reach the reader as PNG files inside executed notebooks:

* :func:`axes_without_data` inspects a matplotlib figure's artists. :mod:`pwcore.book.figures` calls
  :func:`require_data` on the figures it returns, so an empty panel is refused where it is made.
* :func:`empty_plot_areas` inspects a PNG as the browser shows it, for the figures already committed
  (the browser tests run it on every image of every page). It finds each axes' frame and looks
  inside it for anything drawn other than reference lines and the legend; see its docstring.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


# --- the library level: matplotlib artists ------------------------------------------------------------------


def _in_data_coordinates(artist, ax) -> bool:
    """True when ``artist`` is placed by data coordinates (a curve, points, bars), not by the axes' frame
    (``axhline``/``axvline``/``axvspan`` span the axes in one direction: reference marks, not data)."""
    transform = artist.get_transform()
    return transform == ax.transData or transform.contains_branch(ax.transData)


def _line_shows_data(line) -> bool:
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    finite = int(np.count_nonzero(np.isfinite(x) & np.isfinite(y))) if x.size and x.size == y.size else 0
    has_marker = line.get_marker() not in (None, "None", "none", "", " ")
    has_line = line.get_linestyle() not in ("None", "none", "", " ") and line.get_linewidth() > 0
    return line.get_visible() and ((has_line and finite >= 2) or (has_marker and finite >= 1))


def _collection_shows_data(collection, ax) -> bool:
    if not collection.get_visible():
        return False
    offsets = np.asarray(collection.get_offsets(), dtype=float)
    if offsets.size and np.isfinite(offsets).all(axis=-1).any() and collection.get_offset_transform() == ax.transData:
        return True
    if not _in_data_coordinates(collection, ax):
        return False
    return any(np.isfinite(path.vertices).all(axis=1).sum() >= 2 for path in collection.get_paths())


def _patch_shows_data(patch, ax) -> bool:
    if not (patch.get_visible() and _in_data_coordinates(patch, ax)):
        return False
    extent = patch.get_path().get_extents(patch.get_patch_transform())
    return np.isfinite([extent.width, extent.height]).all() and extent.width > 0 and extent.height > 0


def axes_without_data(fig) -> list:
    """The axes of ``fig`` that show no data, each described by its title or position.

    An axes shows data when it has a visible curve with at least two finite points (or one with a marker),
    points, a filled area, a bar, an image or a text placed in data coordinates. Lines and spans laid across
    the whole axes (``axhline``, ``axvline``, ``axvspan``: targets, reference values) and legend entries
    without points do not count: a panel holding only those looks empty to a reader.
    """
    empty = []
    for number, ax in enumerate(fig.axes, start=1):
        if not ax.get_visible() or not ax.axison:
            continue
        shows = (any(_line_shows_data(line) for line in ax.lines if _in_data_coordinates(line, ax))
                 or any(_collection_shows_data(c, ax) for c in ax.collections)
                 or any(_patch_shows_data(p, ax) for p in ax.patches)
                 or any(image.get_visible() for image in ax.images)
                 or any(text.get_visible() and text.get_text().strip() and _in_data_coordinates(text, ax)
                        for text in ax.texts))
        if not shows:
            name = ax.get_title().replace("\n", " / ") or ax.get_xlabel() or "untitled"
            empty.append(f"axes {number} of {len(fig.axes)} ({name!r})")
    return empty


def require_data(fig):
    """Return ``fig`` if every axes shows data; otherwise raise.

    Raises
    ------
    ValueError
        Naming the empty axes: a figure with an empty panel is not drawn into the book.
    """
    empty = axes_without_data(fig)
    if empty:
        raise ValueError(f"the figure has axes with no data drawn: {', '.join(empty)}")
    return fig


# --- the page level: a rendered PNG -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlotArea:
    """One axes' frame found in a PNG: pixel box (left, top, right, bottom, exclusive of the frame) and the
    number of pixels inside it drawn by something other than reference lines and the legend."""

    left: int
    top: int
    right: int
    bottom: int
    data_pixels: int

    @property
    def size(self) -> str:
        return f"{self.right - self.left}x{self.bottom - self.top} px at ({self.left}, {self.top})"


def _load(png) -> np.ndarray:
    from PIL import Image
    image = Image.open(png).convert("RGBA")
    rgba = np.asarray(image, dtype=float) / 255.0
    rgb, alpha = rgba[..., :3], rgba[..., 3:]
    return rgb * alpha + (1.0 - alpha)  # composited on white, as the page shows it


def _runs(mask: np.ndarray, min_length: int) -> list:
    """(row, start, stop) of every horizontal run of True at least ``min_length`` long."""
    runs = []
    for row in np.flatnonzero(mask.sum(axis=1) >= min_length):
        line = np.concatenate(([False], mask[row], [False]))
        edges = np.flatnonzero(line[1:] != line[:-1])
        for start, stop in zip(edges[::2], edges[1::2]):
            if stop - start >= min_length:
                runs.append((int(row), int(start), int(stop)))
    return runs


def _frames(dark: np.ndarray, min_side: int) -> list:
    """Rectangles whose four sides are continuous dark lines: the axes' spines.

    A top and a bottom line are paired when their ends agree within a tick's length (a tick mark at the
    top or bottom of the y axis extends a line by a few pixels); the left and right sides are then the
    outermost columns between them that are dark from top to bottom.
    """
    runs = _runs(dark, min_side)
    frames, used = [], set()
    for i, (top, left, right) in enumerate(runs):
        if i in used:
            continue
        for j in range(i + 1, len(runs)):
            bottom, left2, right2 = runs[j]
            if bottom - top < min_side // 2 or abs(left2 - left) > 8 or abs(right2 - right) > 8:
                continue
            lo, hi = min(left, left2), max(right, right2)
            sides = np.flatnonzero(dark[top:bottom + 1, lo:hi].mean(axis=0) > 0.95) + lo
            if len(sides) >= 2 and sides[-1] - sides[0] >= min_side // 2:
                frames.append((top, int(sides[0]), bottom, int(sides[-1]) + 1))
                used.update({i, j})
                break
    # keep the innermost line of a thick (anti-aliased, two-pixel) spine only once
    distinct = []
    for frame in sorted(frames):
        if not any(abs(frame[0] - f[0]) <= 3 and abs(frame[1] - f[1]) <= 3 for f in distinct):
            distinct.append(frame)
    return distinct


def _legend_mask(ink: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """The boxes of legends inside a plot area: rectangles framed by light-gray lines (matplotlib's default
    legend frame, edge colour 0.8 at alpha 0.8), found as pairs of gray runs with the same ends."""
    height, width = gray.shape
    mask = np.zeros_like(gray, dtype=bool)
    runs = [r for r in _runs(gray, 20) if r[2] - r[1] < 0.9 * width]
    for i, (top, left, right) in enumerate(runs):
        for bottom, left2, right2 in runs[i + 1:]:
            if bottom - top >= 8 and abs(left2 - left) <= 2 and abs(right2 - right) <= 2:
                mask[max(top - 2, 0):bottom + 3, max(left - 6, 0):min(right + 6, width)] = True
                break
    return mask


def empty_plot_areas(png, min_side: int = 60, min_data_pixels: int = 30) -> tuple:
    """The plot areas of a PNG figure, and those among them in which nothing is drawn.

    Method: an axes is found by its frame, four continuous dark lines (matplotlib's default spines) of at
    least ``min_side`` pixels. Inside the frame (less two pixels), a pixel is *ink* when it differs from
    white by more than a fifth of the range. Ink that belongs to a reference line is discarded: a row (or
    column) whose ink reaches both edges of the area, as ``axhline``/``axvline`` and grid lines do; matplotlib
    pads the data limits by a margin, so a data curve does not touch both edges. The legend's box is
    discarded too. What remains is data; an area with fewer than ``min_data_pixels`` such pixels is empty.

    A figure that hides its spines or sets its limits tight to the data is outside what this finds; the
    library-level check :func:`axes_without_data` covers the figures that :mod:`pwcore.book.figures` draws.

    Returns
    -------
    (all_areas, empty_areas) : tuple of lists of PlotArea
    """
    rgb = _load(png)
    dark = rgb.max(axis=2) < 0.35
    areas, empty = [], []
    for top, left, bottom, right in _frames(dark, min_side):
        inner = rgb[top + 3:bottom - 2, left + 3:right - 3]
        if inner.shape[0] < 10 or inner.shape[1] < 10:
            continue
        ink = (1.0 - inner.min(axis=2)) > 0.2
        gray = (np.ptp(inner, axis=2) < 0.03) & (inner.mean(axis=2) > 0.72) & (inner.mean(axis=2) < 0.9)
        keep = ink.copy()
        edge = 3
        rows = ink[:, :edge].any(axis=1) & ink[:, -edge:].any(axis=1) & (ink.mean(axis=1) > 0.25)
        cols = ink[:edge, :].any(axis=0) & ink[-edge:, :].any(axis=0) & (ink.mean(axis=0) > 0.25)
        keep[rows, :] = False
        keep[:, cols] = False
        keep &= ~_legend_mask(ink, gray)
        area = PlotArea(left + 3, top + 3, right - 3, bottom - 2, int(keep.sum()))
        areas.append(area)
        if area.data_pixels < min_data_pixels:
            empty.append(area)
    return areas, empty

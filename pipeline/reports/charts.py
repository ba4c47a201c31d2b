"""Charts for digests and reports, drawn with matplotlib into PNG bytes that every format embeds."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402

# DejaVu Sans ships with matplotlib and covers Vietnamese; document fonts are the renderers' concern.
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
                     "axes.spines.right": False})
_DPI = 130
_TONE_COLOURS = {"tích cực": "#2e7d32", "trung lập": "#9e9e9e", "tiêu cực": "#c62828"}


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=_DPI)
    plt.close(fig)
    return buffer.getvalue()


def bar_chart(pairs: list[tuple[str, int]], title: str, horizontal: bool = True) -> bytes:
    labels = [label for label, _ in pairs]
    values = [value for _, value in pairs]
    fig, ax = plt.subplots(figsize=(6.2, max(1.6, 0.32 * len(pairs) + 0.8)) if horizontal else (6.2, 2.6))
    colours = [_TONE_COLOURS.get(label, "#1565c0") for label in labels]
    if horizontal:
        ax.barh(labels[::-1], values[::-1], color=colours[::-1])
        ax.set_xlabel("Số tin, bài")
        for y, value in enumerate(values[::-1]):
            ax.text(value, y, f" {value}", va="center", fontsize=8)
    else:
        ax.bar(labels, values, color=colours)
        ax.set_ylabel("Số tin, bài")
        ax.tick_params(axis="x", labelrotation=45 if len(labels) > 8 else 0, labelsize=7)
    ax.set_title(title, fontsize=10)
    return _png(fig)


def daily_chart(days: list[str], counts: list[int], title: str) -> bytes:
    """Items per day; ``days`` already formatted for display (dd/mm)."""
    fig, ax = plt.subplots(figsize=(6.2, 2.4))
    ax.bar(range(len(days)), counts, color="#1565c0")
    step = max(1, len(days) // 12)
    ax.set_xticks(range(0, len(days), step), [days[i] for i in range(0, len(days), step)], fontsize=7)
    ax.set_ylabel("Số tin, bài")
    ax.set_title(title, fontsize=10)
    return _png(fig)

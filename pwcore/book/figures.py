"""Figures of the book: the update schedule (Figure 1) and loss curves (Figures 2-4). Needs matplotlib."""
from __future__ import annotations


import numpy as np

TITLES = {"gd": "Gradient Descent Optimizer", "pw": "Position-Wise Optimizer"}
LOG_SCALE_SPAN = 30  # loss curves switch to a log scale when the largest loss is this many times the smallest


def schedule_figure(logs: dict, n_layers: int):
    """One epoch of each optimizer: which layer is updated in which sub-step.

    Parameters
    ----------
    logs : dict
        ``{optimizer name: list of tuples of updated layers, one tuple per sub-step}``.
    n_layers : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(logs), figsize=(3.2 * len(logs), 3.4), squeeze=False)
    for ax, (name, log) in zip(axes[0], logs.items()):
        for substep, layers in enumerate(log, start=1):
            for layer in layers:
                ax.text(substep, layer, "X", ha="center", va="center", fontsize=16, fontweight="bold")
        ax.set_xlim(0.5, max(len(log), 1) + 0.5)
        ax.set_ylim(0.5, n_layers + 0.5)
        ax.set_xticks(range(1, len(log) + 1))
        ax.set_yticks(range(1, n_layers + 1), [f"layer {l}" for l in range(1, n_layers + 1)])
        ax.set_xlabel("sub-step within the epoch")
        ax.set_title(TITLES.get(name, name), fontsize=10)
        ax.grid(True, alpha=0.3)
    fig.suptitle("One epoch: X marks a weight update (layer 1 is next to the input)", fontsize=10)
    return _finished(fig)


def loss_curves(histories: dict, target: float | None, paper: dict | None = None):
    """Loss against epochs, one panel per optimizer, in the manner of the paper's Figures 2-4.

    Each evaluation is drawn at ``epoch - 1 + (sub-step - 1) / n_sub-steps``; the
    panel title gives the time and epochs to the target, with the paper's in brackets.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(histories), figsize=(5.2 * len(histories), 3.8), squeeze=False, sharey=True)
    for ax, (name, history) in zip(axes[0], histories.items()):
        # a run that met the target at once has one evaluation: a line through one point draws nothing
        single = len(history.eval_positions) < 2
        ax.plot(history.eval_positions, history.eval_loss, lw=1.2, color="tab:blue", marker="o" if single else None,
                label="loss of the initial weights" if single else "training loss")
        if single:
            ax.set_xlim(-0.5, 1.5)
            ax.set_xticks([0, 1])
        if target is not None:
            ax.axhline(target, color="tab:red", lw=0.8, ls="--", label=f"target {target:g}")
        ax.set_xlabel("Epochs")
        ax.set_title(f"{TITLES.get(name, name)}\n{_panel_caption(name, history, paper)}", fontsize=10)
        ax.legend(fontsize=9)
    axes[0][0].set_ylabel("Cost")
    # a loss that spans decades (a run that spiked or diverged) on a linear scale flattens every other curve
    finite = np.concatenate([np.asarray(h.eval_loss, float) for h in histories.values()])
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if finite.size and finite.max() / finite.min() > LOG_SCALE_SPAN:
        axes[0][0].set_yscale("log")
        axes[0][0].set_ylabel("Cost (log scale)")
    return _finished(fig)


def _finished(fig):
    """Lay out and close ``fig`` (it still displays), so a notebook's inline backend does not show it twice.

    Raises
    ------
    ValueError
        If an axes of ``fig`` shows no data (:func:`pwcore.book.figcheck.require_data`): an empty panel is a
        fault to fix where the figure is made, not a figure for the book.
    """
    import matplotlib.pyplot as plt

    from .figcheck import require_data
    fig.tight_layout()
    plt.close(fig)
    return require_data(fig)


def _panel_caption(name, history, paper) -> str:
    ours = f"ours: {history.seconds:.1f} s, {history.epochs_completed} epochs ({history.status})"
    if not paper:
        return ours
    return f"{ours}\npaper: {paper[f'{name}_seconds']} s, {paper[f'{name}_epochs']} epochs"


LABELS = {"gd": "GD", "pw": "PW", "gd_multipliers": "GD, layer rates 1:2:3:4"}


def accounting_figure(histories: dict, target: float | None):
    """Loss against epochs, layer updates, FLOPs and seconds, every run on the same axes.

    Two by two panels at about 900 px wide, so the book shows them near their natural size (the browser
    tests refuse images shown below 60 % of it); each run has its own line style, so curves that coincide
    stay apart, and the target is in the legend.
    """
    import matplotlib.pyplot as plt
    axes_spec = [("epochs", lambda h: h.eval_positions), ("layer updates", lambda h: h.eval_layer_updates),
                 ("GFLOPs (matrix products)", lambda h: h.eval_flops / 1e9), ("seconds", lambda h: h.eval_seconds)]
    styles = ["-", "--", ":", "-."]
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.4), sharey=True)
    for ax, (label, x_of) in zip(axes.flat, axes_spec):
        for (name, history), style in zip(histories.items(), styles * len(histories)):
            ax.plot(x_of(history), history.eval_loss, lw=1.3, ls=style, label=LABELS.get(name, name))
        if target is not None:
            ax.axhline(target, color="tab:red", lw=0.8, ls="--", label=f"target {target:g}")
        ax.set_xlabel(label)
    for ax in axes[:, 0]:
        ax.set_ylabel("training loss")
    axes[0, 0].legend(fontsize=9)
    return _finished(fig)


def seed_figure(rows: list):
    """Epochs and seconds to target per seed, GD and PW joined by a line for each seed."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6))
    for ax, quantity in zip(axes, ("epochs", "seconds")):
        for row in rows:
            ax.plot([0, 1], [row[f"gd_{quantity}"], row[f"pw_{quantity}"]], "-o", color="tab:gray", alpha=0.6, ms=4)
        ax.set_xticks([0, 1], ["GD", "PW"])
        ax.set_xlim(-0.4, 1.4)
        ax.set_ylabel(f"{quantity} to target")
    fig.suptitle(f"{len(rows)} seeds: each line is one seed (same initial weights for both)", fontsize=10)
    return _finished(fig)


def regeneration_figure(timings: list):
    """Execution seconds of each notebook of the book, slowest at the top.

    Parameters
    ----------
    timings : list of pwcore.book.timings.NotebookTiming
    """
    import matplotlib.pyplot as plt
    ordered = sorted(timings, key=lambda t: t.seconds)
    fig, ax = plt.subplots(figsize=(7, 0.2 * len(ordered) + 1.2))  # 0.25 a bar left a blank PDF page at 39 notebooks
    ax.barh([t.name for t in ordered], [t.seconds for t in ordered], color="tab:blue")
    ax.set_xlabel("seconds to execute")
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(f"make book: {sum(t.seconds for t in ordered) / 60:.1f} minutes of notebook execution", fontsize=10)
    return _finished(fig)


def calibration_figure(rows: list, paper_pw: int):
    """PW's epochs at the calibrated rate for every calibrated combination (one line each): the
    range over both readings, both stopping rules and both ends of the interval, the nearest
    count as a dot, and the paper's count as a vertical line."""
    import matplotlib.pyplot as plt

    from .calibration import label
    shown = [row for row in rows if row["status"] == "calibrated" and row["pw_epochs"] is not None][::-1]
    fig, ax = plt.subplots(figsize=(8, 1.8 + 0.3 * max(len(shown), 1)))
    for y, row in enumerate(shown):
        counts = [value for key, value in row.items() if key.startswith("pw_") and key.endswith(("_low", "_high"))
                  and isinstance(value, int)]
        ax.plot([min(counts), max(counts)], [y, y], color="tab:gray", lw=2, solid_capstyle="butt")
        ax.plot(row["pw_epochs"], y, "o", color="tab:orange", ms=6)
    ax.axvline(paper_pw, color="black", ls="--", lw=1, label=f"paper: PW {paper_pw} epochs")
    ax.plot([], [], color="tab:gray", lw=2, label="PW over readings, stopping rules and the interval's ends")
    ax.plot([], [], "o", color="tab:orange", label="PW nearest the paper's")
    ax.set_yticks(range(len(shown)), [label(row) for row in shown], fontsize=8)
    ax.set_xlabel("PW epochs to target, at the rates where GD takes the paper's epochs")
    ax.set_ylim(-0.7, len(shown) - 0.3)
    ax.legend(fontsize=9, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    return _finished(fig)


def count_scan_figure(scan: list, paper: dict, calibrated: tuple):
    """GD's and PW's epochs to target against the learning rate near the calibrated rate, with the
    paper's counts as horizontal lines and the calibrated interval shaded."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.8))
    rates = [point["learning_rate"] for point in scan]
    top = 2 * paper["gd_epochs"]
    for name, color in (("gd", "tab:blue"), ("pw", "tab:orange")):
        counts = [point[f"{name}_epochs"] for point in scan]
        ax.plot(rates, [top if count is None else count for count in counts], "-o", color=color, ms=4,
                label=f"{LABELS[name]} (at the top: not reached)")
        ax.axhline(paper[f"{name}_epochs"], color=color, ls="--", lw=1, label=f"paper: {LABELS[name]} {paper[f'{name}_epochs']}")
    ax.axvspan(*calibrated, color="tab:green", alpha=0.25, label="calibrated interval")
    ax.set_xscale("log")
    # the scan spans less than a decade: label the minor ticks plainly and slanted, or "1.6x10^-3"-style
    # labels run into each other
    from matplotlib.ticker import FuncFormatter
    plain = FuncFormatter(lambda value, _: f"{value:.3g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(plain)
    ax.tick_params(axis="x", which="both", labelrotation=45, labelsize=8)
    ax.set_xlabel("learning rate")
    ax.set_ylabel("epochs to target")
    ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _finished(fig)

"""Figures of the book: the update schedule (Figure 1) and loss curves (Figures 2-4). Needs matplotlib."""
from __future__ import annotations

import numpy as np

TITLES = {"gd": "Gradient Descent Optimizer", "pw": "Position-Wise Optimizer"}


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
    fig.tight_layout()
    return fig


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
        ax.plot(evaluation_positions(history), history.eval_loss, lw=1.2, color="tab:blue", label="training loss")
        if target is not None:
            ax.axhline(target, color="tab:red", lw=0.8, ls="--", label=f"target {target:g}")
        ax.set_xlabel("Epochs")
        ax.set_title(f"{TITLES.get(name, name)}\n{_panel_caption(name, history, paper)}", fontsize=9)
        ax.legend(fontsize=8)
    axes[0][0].set_ylabel("Cost")
    fig.tight_layout()
    return fig


def evaluation_positions(history) -> np.ndarray:
    """x position (in epochs) of each loss evaluation of a History."""
    per_epoch = max(int(history.eval_substep.max()), 1) if history.eval_substep.size else 1
    return history.eval_epoch - 1 + (history.eval_substep - 1) / per_epoch


def _panel_caption(name, history, paper) -> str:
    ours = f"ours: {history.seconds:.1f} s, {history.epochs_completed} epochs ({history.status})"
    if not paper:
        return ours
    return f"{ours}\npaper: {paper[f'{name}_seconds']} s, {paper[f'{name}_epochs']} epochs"

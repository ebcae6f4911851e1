"""The one setup helper the templates call, and the names every template uses.

A template's first code cell after its parameters reads::

    from pwcore.book.notebook import Markdown, display, glue, quiet, setup

    page = setup("experiment", globals())
    config, data = page.config, page.data

and its provenance cell ``page.provenance()``. :func:`setup` takes the template's settings from its
parameters: every parameter named like an :class:`~pwcore.experiments.ExperimentConfig` field, with
``dataset`` and ``calibrated_from``; so a template cannot forget to pass one on.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from IPython.display import Markdown, display
from myst_nb import glue

from ..experiments import PAPER_RESULTS, SOFTMAX, ExperimentConfig, load_data
from . import provenance
from .calibration import RULE_NAMES, best_setting

__all__ = ["Markdown", "Page", "display", "glue", "quiet", "settings", "setup"]

SETTINGS = tuple(field.name for field in fields(ExperimentConfig) if field.name != "dataset")
# The settings a page parameter varies across the page's runs: their one value in the configuration is not
# the page's, so the printed line leaves them out.
VARIED_BY = {"learning_rates": ("learning_rate",), "n_rates": ("learning_rate",), "seeds": ("seed",),
             "n_seeds": ("seed",), "pilot_rates": ("learning_rate", "target")}
SETTING_WORDS = {"target": "the target", "learning_rate": "the learning rate", "seed": "the seed"}


def quiet(line: str) -> None:
    """Drop a progress line: per-run progress is not part of a page."""


@dataclass(frozen=True)
class Page:
    """One executed template: its path (named in its provenance), and its configuration and data, if any."""

    template: str
    config: ExperimentConfig | None = None
    data: object = None

    @property
    def paper(self) -> dict:
        """The paper's results for this page's dataset."""
        return PAPER_RESULTS[self.config.dataset]

    def provenance(self, extra: dict | None = None, data_files: bool = True) -> None:
        """Display the provenance table: the configuration, then ``extra`` parameters, and the data files'
        checksums unless ``data_files`` is False."""
        parameters = {**(self.config.as_dict() if self.config else {}), **(extra or {})}
        meta = self.data.meta if data_files and self.data is not None else None
        display(Markdown(provenance.block(parameters, meta, notebook=self.template)))


def settings(namespace: dict) -> dict:
    """The values in ``namespace`` named like an ExperimentConfig field (``dataset`` aside), in its order."""
    return {name: value for name, value in namespace.items() if name in SETTINGS}


def setup(template: str, namespace: dict | None = None) -> Page:
    """The page of ``notebooks/<template>.md``, configured from the notebook's parameters in ``namespace``.

    With a ``dataset`` in ``namespace`` this is :func:`configured` (which prints one line saying
    what the configuration and data are) with the :func:`settings` there and ``calibrated_from``;
    without, a page with no configuration.

    Returns
    -------
    Page
    """
    path = f"notebooks/{template}.md"
    if not namespace or "dataset" not in namespace:
        return Page(path)
    varied = {setting for name in namespace if name in VARIED_BY for setting in VARIED_BY[name]}
    config, data = configured(namespace["dataset"], namespace.get("calibrated_from"), varied=varied,
                              **settings(namespace))
    return Page(path, config, data)


def configuration(dataset: str, calibrated_from: str | None = None, folder=".", **settings) -> ExperimentConfig:
    """The configuration a page runs: the paper's on ``dataset`` with ``settings`` (ExperimentConfig fields; None
    keeps the paper's default), and, with ``calibrated_from``, the best setting of that calibration page
    (:func:`pwcore.book.calibration.best_setting`, looked up in ``folder``, else among the book's pages) in place
    of the settings it fixes.

    Raises
    ------
    ValueError, TypeError
        For a setting the library refuses (the message names it and the choices).
    FileNotFoundError
        If the calibration page ``calibrated_from`` has no CSV file to read.
    """
    if calibrated_from:
        settings.update(best_setting(calibrated_from, folder))
    return ExperimentConfig.paper(dataset, **settings)


def loss_words(config: ExperimentConfig) -> str:
    """The multi-class loss of ``config`` in words: the softmax cross-entropy on the logits
    (:data:`pwcore.experiments.SOFTMAX`), or AM-softmax on its input with its scale and margin."""
    if {key: getattr(config, key) for key in SOFTMAX} == SOFTMAX:
        return "softmax cross-entropy on the logits"
    return f"AM-softmax on {config.am_input} (s {config.s:g}, margin {config.margin:g})"


def configured(dataset: str, calibrated_from: str | None = None, varied=(), **settings):
    """The base configuration of a study notebook (:func:`configuration`) and its data, with a printed line
    saying what they are.

    Parameters
    ----------
    varied : collection of str
        Settings the page varies across its runs (``"target"``, ``"learning_rate"``, ``"seed"``): the line
        says they vary instead of printing the configuration's one value.

    Returns
    -------
    config : ExperimentConfig
    data : pwcore.data.Dataset
    """
    config = configuration(dataset, calibrated_from, **settings)
    if calibrated_from:
        print(f"the best setting of {calibrated_from}: its rate, loss, initialization and seed (below), Algorithm 2 "
              f"read as {config.algorithm2}, the loss checked {RULE_NAMES[config.stop_rule]}")
    data = load_data(config)
    loss = "" if data.n_classes == 2 else f", {loss_words(config)}"
    scaling = "" if config.scaling == "255" else ", inputs standardized per feature"
    print(f"{dataset}: {_settings_line(config, varied)}{loss}{scaling}")
    return config, data


def _settings_line(config: ExperimentConfig, varied) -> str:
    """"target 3.248, up to 300 epochs, learning rate 0.0075, course initialization, seed 1", less the
    ``varied`` settings, which a closing clause names."""
    parts = {"target": f"target {config.target:g}", "max_epochs": f"up to {config.max_epochs} epochs",
             "learning_rate": f"learning rate {config.learning_rate:g}", "init": f"{config.init} initialization",
             "seed": f"seed {config.seed}"}
    line = ", ".join(text for name, text in parts.items() if name not in varied)
    named = [words for name, words in SETTING_WORDS.items() if name in varied]
    if named:
        line += f" ({', '.join(named)}: varied on this page)"
    return line

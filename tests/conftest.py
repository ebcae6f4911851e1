"""Shared fixtures: small networks and data, and the location of the real data."""
from pathlib import Path

import numpy as np
import pytest

from pwcore import Network

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def small_problem(sizes=(6, 5, 4, 3, 1), m=11, seed=0, dtype="float64", output_layer="dense"):
    """A random network and data set small enough for finite differences.

    Returns
    -------
    net : Network
    X : ndarray, shape (sizes[0], m)
    y : ndarray of int, shape (m,)
    """
    rng = np.random.default_rng(seed)
    last = "identity" if output_layer == "cosine" else "sigmoid"
    net = Network.initialize(list(sizes), ["relu"] * (len(sizes) - 2) + [last], scheme="glorot", seed=seed,
                             stream="generator", output_layer=output_layer, dtype=dtype)
    for l in range(1, net.n_layers + 1):  # non-zero biases so their gradients are exercised
        net.b[l][:] = rng.normal(0, 0.1, net.b[l].shape)
    X = rng.normal(size=(sizes[0], m)).astype(dtype)
    y = rng.integers(0, max(sizes[-1], 2), size=m)
    return net, X, y


@pytest.fixture
def shared_data():
    """The real data in ../shared/data, or skip when this checkout has none beside it."""
    if not (SHARED_DATA / "SHA256SUMS").is_file():
        pytest.skip(f"no real data at {SHARED_DATA}")
    return SHARED_DATA


def myst_notebook(parameters: str, code: str) -> str:
    """A jupytext (MyST) notebook source with a ``parameters`` cell and one code cell."""
    return (
        "---\njupytext:\n  text_representation: {extension: .md, format_name: myst}\n"
        "kernelspec: {display_name: Python 3, language: python, name: python3}\n---\n\n"
        f"```{{code-cell}} ipython3\n:tags: [parameters]\n\n{parameters}\n```\n\n"
        f"```{{code-cell}} ipython3\n{code}\n```\n"
    )


def glued_outputs(notebook: dict) -> dict:
    """The values a notebook (its JSON as a dict) glued with myst-nb: ``{name: output data by MIME type}``."""
    found = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                found[name] = output["data"]
    return found


def glued_text(notebook: dict) -> dict:
    """``{name: text/plain form}`` of every value a notebook glued (figures, which have none, left out)."""
    return {name: next(value for kind, value in data.items() if kind.endswith("text/plain"))
            for name, data in glued_outputs(notebook).items() if any(kind.endswith("text/plain") for kind in data)}

"""Building the HTML book with jupyter-book, with MathJax served from a local copy (no network)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# MathJax 3.2.2 (Apache-2.0) as a pip package, pinned in the `book` extra: the book serves it offline.
MATHJAX_PACKAGE = "django-static-mathjax"


def mathjax_source() -> tuple:
    """MathJax's ``es5`` folder inside the pip package ``MATHJAX_PACKAGE``, and ``"<package> <version>"``.

    Raises
    ------
    RuntimeError
        If the package (from the ``book`` extra) is not installed, or holds no ``tex-chtml.js``.
    """
    from importlib import metadata
    try:
        distribution = metadata.distribution(MATHJAX_PACKAGE)
    except metadata.PackageNotFoundError:
        raise RuntimeError(f"the book serves MathJax from the pip package {MATHJAX_PACKAGE}, which is not "
                           f"installed: pip install -e '.[book]'") from None
    es5 = Path(distribution.locate_file("mathjax/static/mathjax/es5"))
    if not (es5 / "tex-chtml.js").is_file():
        raise RuntimeError(f"{MATHJAX_PACKAGE} {distribution.version} holds no {es5 / 'tex-chtml.js'}: "
                           f"reinstall it with pip install -e '.[book]'")
    return es5, f"{MATHJAX_PACKAGE} {distribution.version}"


def ensure_mathjax(vendor_dir: Path) -> Path:
    """A local copy of MathJax in ``vendor_dir/mathjax`` so the book renders math offline.

    The files come from the pip package ``MATHJAX_PACKAGE`` (no network, no npm): ``tex-chtml.js``, the
    CommonHTML fonts it loads, and MathJax's licence; ``SOURCE`` names the package and version they came
    from, and the copy is made again when that changes.
    """
    es5, source = mathjax_source()
    target = vendor_dir / "mathjax"
    stamp = target / "SOURCE"
    if (target / "tex-chtml.js").is_file() and stamp.is_file() and stamp.read_text().strip() == source:
        return target
    staging = vendor_dir / ".mathjax-partial"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "output" / "chtml").mkdir(parents=True)
    shutil.copy2(es5 / "tex-chtml.js", staging / "tex-chtml.js")
    shutil.copytree(es5 / "output" / "chtml" / "fonts", staging / "output" / "chtml" / "fonts")
    shutil.copy2(es5.parent / "LICENSE", staging / "LICENSE")
    (staging / "SOURCE").write_text(source + "\n")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    return target


def build_html(root: Path) -> Path:
    """Run ``jupyter-book build`` with warnings as errors; return the HTML folder."""
    ensure_mathjax(root / "_vendor")
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(root), "--warningiserror",
               "--keep-going"]
    subprocess.run(command, check=True)
    return root / "_build" / "html"

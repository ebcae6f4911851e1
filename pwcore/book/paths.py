"""Where the book's files are: the checkout, its run list, the executed notebooks and pwcore's source."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout holding pwcore/
TEMPLATES_DIR = ROOT / "notebooks"
RUNS_FILE = TEMPLATES_DIR / "runs.yml"
BOOK_DIR = ROOT / "book"  # the prose pages
GENERATED_DIR = BOOK_DIR / "generated"
STORE_VARIABLE = "PWCORE_STORE_DIR"  # set by a reader's own run (pwcore.book.rerun): its store, apart from the book's
PACKAGE_DIR = ROOT / "pwcore"


def relative_to_root(path: Path) -> str:
    """``path`` relative to the checkout when it lies inside it, else the absolute path."""
    path = Path(path).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)

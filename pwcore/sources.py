"""Which modules of a package a piece of Python source runs, and a hash of their code that ignores words.

Two users: the book's fingerprints (:mod:`pwcore.book.imports`: the modules a notebook template runs) and
the results store (:mod:`pwcore.store`: the modules a computation runs, whose code keys its results).
The analysis is static and conservative: every ``import`` of the package anywhere in a module counts
(inside a function too), as does ``importlib.import_module("<literal>")``; importing ``pkg.a.b`` runs
``pkg/__init__.py`` and ``pkg/a/__init__.py`` first, so those count as well; ``from pkg.a import b``
counts ``pkg/a/b.py`` when it exists. A name built at run time (``import_module(name)``) is not seen:
the package does not do that.
"""
from __future__ import annotations

import ast
import hashlib
from pathlib import Path


def imported_names(source: str, package: str, current: str | None = None, is_package: bool = False) -> set:
    """Dotted names of ``package``'s modules (or attributes of them) that ``source`` imports.

    Parameters
    ----------
    source : str
        Python source.
    package : str
        The package's top-level name, e.g. ``"pwcore"``.
    current : str, optional
        The dotted name of the module ``source`` is, to resolve relative imports.
    is_package : bool
        Whether ``current`` is a package (its ``__init__.py``): ``from . import x`` then means ``current.x``.

    Returns
    -------
    set of str
        ``from a import b`` gives both ``a`` and ``a.b`` (``b`` may be a module); the caller keeps those
        that are files.
    """
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, current, is_package)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif _is_import_module_call(node):
            names.add(node.args[0].value)
    return {name for name in names if name == package or name.startswith(package + ".")}


def _absolute(module: str | None, level: int, current: str | None, is_package: bool) -> str:
    if level == 0:
        return module
    if current is None:
        raise ValueError("a relative import outside a package: import the package by its name")
    parts = current.split(".") if is_package else current.split(".")[:-1]
    base = parts[:len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _is_import_module_call(node) -> bool:
    return (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


def module_files(source: str, package_dir: Path) -> list:
    """Every file of the package at ``package_dir`` that running ``source`` imports, directly or not.

    Parameters
    ----------
    source : str
        Python source that imports the package by its name (``package_dir.name``).
    package_dir : Path
        The package's folder.

    Returns
    -------
    list of Path
        Sorted by their path relative to ``package_dir``.
    """
    package_dir = Path(package_dir)
    package = package_dir.name
    found, pending = {}, list(imported_names(source, package))
    while pending:
        name = pending.pop()
        for module, path in _files_run_by(name, package_dir):
            if path in found:
                continue
            found[path] = module
            pending += imported_names(path.read_text(), package, module, path.name == "__init__.py")
    return sorted(found, key=lambda path: path.relative_to(package_dir).as_posix())


def _files_run_by(name: str, package_dir: Path) -> list:
    """``[(module, path)]``: the files importing the dotted ``name`` runs (each parent package's ``__init__``)."""
    parts = name.split(".")[1:]
    files = []
    for depth in range(len(parts) + 1):
        folder = package_dir.joinpath(*parts[:depth])
        module = ".".join([package_dir.name, *parts[:depth]])
        if (folder / "__init__.py").is_file():
            files.append((module, folder / "__init__.py"))
            continue
        if folder.with_suffix(".py").is_file():
            files.append((module, folder.with_suffix(".py")))
        break  # a module or an attribute: the rest of the name, if any, is an attribute
    return files


def code_digest(path: Path) -> str:
    """SHA-256 of a Python file's code without its comments, docstrings and layout.

    The hash is of the syntax tree (:func:`ast.dump`, without line numbers) with every docstring (the
    first statement of a module, class or function when it is a string) removed, so rewording a comment
    or a docstring, or reflowing lines, keeps it; any change to what the code does changes it.
    """
    tree = ast.parse(Path(path).read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()

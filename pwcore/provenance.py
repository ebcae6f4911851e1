"""Old name of :mod:`pwcore.book.provenance`, kept only for the committed notebooks in book/generated/.

Those notebooks were executed before the book layer moved into pwcore/book/ and import ``pwcore.provenance``;
`make notebooks` re-executes them with nbval and the book is built from them. Delete this module once
they are regenerated (tests/test_generated_notebooks.py then says so).
"""
import importlib
import sys

sys.modules[__name__] = importlib.import_module("pwcore.book.provenance")

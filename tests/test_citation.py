"""CITATION.cff: the citation the references page points to is well formed and current."""
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_citation_file_has_the_fields_cff_requires_and_the_package_version():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert citation["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= citation.keys()
    assert all("name" in author or "family-names" in author for author in citation["authors"])
    assert citation["version"] == project["version"]
    assert citation["license"] == project["license"]["text"]

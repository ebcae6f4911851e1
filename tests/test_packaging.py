"""environment.yml and pyproject.toml list the same packages with the same version bounds."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def normalize(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower().replace("_", "-")


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["book"] + \
        project["optional-dependencies"]["test"] + project["optional-dependencies"]["dask"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert sorted(map(normalize, conda + [p for p in pip if p != "-e ."])) == sorted(map(normalize, wanted))
    assert "-e ." in pip
    python = next(d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert normalize(python) == "python" + normalize(project["requires-python"])

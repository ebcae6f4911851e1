"""The templates' one setup helper: settings from the parameters, the configuration and data, provenance."""
import re
from pathlib import Path


from pwcore.book import notebook
from pwcore.book.notebook import Page, configured, settings, setup

ROOT = Path(__file__).resolve().parents[1]


def test_settings_are_the_parameters_named_like_configuration_fields_in_their_order():
    namespace = {"dataset": "cat", "max_epochs": 10, "grid": {"seed": [1]}, "target": None, "s": 2.0,
                 "In": [], "n_seeds": 3}
    assert list(settings(namespace).items()) == [("max_epochs", 10), ("target", None), ("s", 2.0)]


def test_a_page_without_a_dataset_shows_only_its_own_parameters(monkeypatch):
    shown = []
    monkeypatch.setattr(notebook, "display", shown.append)
    page = setup("figure1")
    assert page == Page("notebooks/figure1.md")
    page.provenance({"n_layers": 4})
    table = shown[0].data
    assert "n_layers=4" in table and "notebooks/figure1.md" in table and "| data " not in table


def test_setup_gives_what_configured_gives_from_the_same_parameters(shared_data, monkeypatch, capsys):
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    namespace = {"dataset": "cat", "learning_rate": 0.01, "max_epochs": 5, "target": None, "calibrated_from": None}
    page = setup("experiment", namespace)
    config, data = configured("cat", None, learning_rate=0.01, max_epochs=5)
    assert page.config == config and page.data.meta == data.meta and page.paper["gd_epochs"] == 2243
    first, second = capsys.readouterr().out.splitlines()
    assert first == second and "learning rate 0.01" in first
    shown = []
    monkeypatch.setattr(notebook, "display", shown.append)
    page.provenance({"n_seeds": 3})
    assert "n_seeds=3" in shown[0].data and "| data cat/" in shown[0].data
    page.provenance(data_files=False)
    assert "| data " not in shown[1].data


def test_every_template_sets_itself_up_under_its_own_name():
    for template in sorted((ROOT / "notebooks").glob("*.md")):
        if template.stem == "regeneration":  # reads notebooks, configures no experiment
            continue
        assert re.findall(r'setup\("(\w+)"', template.read_text()) == [template.stem], template.name


def test_setup_leaves_out_of_its_line_the_settings_the_page_varies(shared_data, monkeypatch, capsys):
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    setup("practice", {"dataset": "cat", "max_epochs": 5, "pilot_rates": [0.01, 0.02], "seeds": [1, 2]})
    line = capsys.readouterr().out.strip()
    assert line.startswith("cat: up to 5 epochs, ") and "learning rate" not in line.split("(")[0]
    assert "seed" not in line.split("(")[0] and "target" not in line.split("(")[0]
    assert line.endswith("(the target, the learning rate, the seed: varied on this page)")

"""Which notebooks CI re-executes: the validated ones, and one full page whose stored results are cheap, by commit."""
import nbformat

from pwcore.book.audit import audited, stored_made
from pwcore.book.runs import load_runs
from pwcore.store import FORMAT, canonical, sha256, write_entry

RUNS = """\
small: {template: page.md, parameters: {value: 1}}
full_cheap_a: {template: page.md, validate: false, parameters: {value: 2}}
full_cheap_b: {template: page.md, validate: false, parameters: {value: 3}}
full_cheap_c: {template: page.md, validate: false, parameters: {value: 6}}
full_slow: {template: page.md, validate: false, parameters: {value: 4}}
full_direct: {template: page.md, validate: false, parameters: {value: 5}}
"""


def _page(out, name, rows):
    """An executed page whose last output is a table of stored results like pwcore.book.results.store_table's."""
    table = "\n".join(["| result | key | how | computed | on | took |", "|---|---|---|---|---|---|"]
                      + [f"| `{function}` | `{key[:8]}` | read | - | - | - |" for function, key in rows])
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", {"text/markdown": table, "text/plain": "<IPython.core.display.Markdown object>"})]))
    nbformat.write(notebook, out / f"{name}.ipynb")


def _book(tmp_path):
    store, out = tmp_path / "results", tmp_path / "out"
    out.mkdir()
    (tmp_path / "runs.yml").write_text(RUNS)
    (tmp_path / "page.md").write_text("")
    for key, seconds, how in [("a" * 64, 30.0, "computed"), ("b" * 64, 50.0, "computed"), ("c" * 64, 900.0, "computed"),
                              ("d" * 64, 20.0, "re-stamped")]:
        computed = {"how": "computed", "seconds": seconds, "machine": "elsewhere" if key == "d" * 64 else "here"}
        made = computed if how == "computed" else {"how": how, "computed": computed}
        write_entry(store / "pwcore.study.seed_study" / f"{key}.json",
                    {"format": FORMAT, "function": "pwcore.study.seed_study", "key": key, "arguments": {}, "code": {},
                     "made": made, "result": [], "result_sha256": sha256(canonical([]))})
    _page(out, "small", [("seed_study", "a" * 64)])
    _page(out, "full_cheap_a", [("seed_study", "a" * 64), ("seed_study", "b" * 64)])  # 80 s
    _page(out, "full_cheap_b", [("seed_study", "d" * 64)])  # re-stamped: its computation's 20 s, elsewhere
    _page(out, "full_cheap_c", [("seed_study", "b" * 64)])
    _page(out, "full_slow", [("seed_study", "a" * 64), ("seed_study", "c" * 64)])
    _page(out, "full_direct", [])  # reads no stored result: its recomputation cost is unknown
    return load_runs(tmp_path / "runs.yml"), out, store


def test_the_rotating_page_is_a_full_page_whose_stored_results_are_cheap_and_changes_with_the_commit(tmp_path):
    runs, out, store = _book(tmp_path)
    seconds = lambda name: [m["seconds"] for m in stored_made(out / f"{name}.ipynb", store)]
    assert seconds("full_cheap_a") == [30.0, 50.0] and seconds("full_cheap_b") == [20.0]  # re-stamped: the original's
    assert stored_made(out / "full_direct.ipynb", store) is None
    pick = lambda commit, **options: audited(runs, out, commit, store_dir=store, this_machine="here", **options)
    picked = {pick(commit)[-1] for commit in ("a" * 40, "b" * 40, "0" * 40, "3" * 40)}
    assert picked == {"full_cheap_a", "full_cheap_c"}  # never the slow page, one that computes directly, or elsewhere
    for commit in ("a" * 40, "3" * 40):
        names = pick(commit)
        assert names[0] == "small" and len(names) == 2 and pick(commit) == names  # the same commit, the same page
    assert pick("a" * 40, budget=1) == ["small"]
    # on another kernel only the pages all of whose results were computed there
    assert {audited(runs, out, c, store_dir=store, this_machine="elsewhere")[-1] for c in ("a" * 40, "0" * 40)} \
        == {"full_cheap_b"}

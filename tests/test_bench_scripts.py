"""The benchmark scripts (bench/, run by hand, never by the suite) keep importing what exists:
a test module moving to tests/support once broke two of them silently. Every name a script
imports from the project, its tests' support or a sibling script must resolve."""

import ast
import importlib
import sys

import pytest

from tests.support.paths import REPO

BENCH = REPO / "bench"
OURS = ("il2monitor", "patients", "therapy", "tests", "bench")
SCRIPTS = sorted(BENCH.glob("*.py"))


def project_imports(path):  # type: ignore[no-untyped-def]
    """(module, name or None) for each import of the project or of a sibling script."""
    siblings = {script.stem for script in SCRIPTS}
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            root = node.module.split(".")[0]
            if root in OURS or root in siblings:
                found += [(node.module, alias.name) for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Import):
            found += [
                (alias.name, None)
                for alias in node.names
                if alias.name.split(".")[0] in OURS or alias.name in siblings
            ]
    return found


def test_there_are_scripts_and_they_import_the_project():
    assert {script.stem for script in SCRIPTS} >= {
        "alert_latency",
        "board",
        "summary_load",
        "ingestion",
        "worker_memory",
    }
    assert all(project_imports(script) for script in SCRIPTS if script.stem != "bench_settings")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_every_project_name_a_bench_script_imports_exists(script, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    for module_name, name in project_imports(script):
        if module_name == "bench.bench_settings":
            continue  # production settings: importing them needs the production environment
        module = importlib.import_module(module_name)
        if name is not None:
            assert hasattr(module, name) or importlib.util.find_spec(f"{module_name}.{name}"), (
                f"{script.name}: {module_name} has no {name}"
            )
    sys.modules.pop("summary_load", None)

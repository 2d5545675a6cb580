"""The suite's layout stays as conventions.md has it: tests/ mirrors the tree, and what tests
share lives in tests/support/. No test module (nor a conftest) is imported by another module:
a constant or a world two tests need is a support module's, so moving or deleting one test
file never breaks another. Every folder is a package, and no two test modules share a name."""

import ast
from collections import Counter
from pathlib import Path

from tests.support.paths import REPO, TESTS

SHARED = "tests.support"


def _package_of(path: Path, root: Path) -> list[str]:
    return list(path.relative_to(root).with_suffix("").parts[:-1])


def imports_of_other_tests(path: Path, root: Path = REPO) -> list[str]:
    """``path:line imports name`` for every import of a module under tests/ other than
    tests.support (absolute or relative)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing module's package
                package = _package_of(path, root)
                base = package[: len(package) - node.level + 1]
                if node.module:
                    names = [".".join([*base, node.module])]
                else:  # from . import test_x
                    names = [".".join([*base, alias.name]) for alias in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            if (name == "tests" or name.startswith("tests.")) and not (
                name == SHARED or name.startswith(f"{SHARED}.")
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno} imports {name}")
    return found


def test_no_module_imports_a_test_module_or_a_conftest():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        found += imports_of_other_tests(path)
    assert found == []


def test_the_scan_finds_imports_of_test_modules(tmp_path):
    package = tmp_path / "tests" / "therapy"
    package.mkdir(parents=True)
    module = package / "test_example.py"
    module.write_text(
        "from tests.support.factories import PatientFactory\n"
        "from tests.support import clock\n"
        "from tests.therapy.test_board import admitted\n"
        "import tests.test_alert_kinds\n"
        "from tests.browser.conftest import sign_in\n"
        "from .test_chart import on_cycle\n"
        "from . import test_handover\n"
        "from ..support.rows import snapshot\n"
    )
    assert imports_of_other_tests(module, root=tmp_path) == [
        "tests/therapy/test_example.py:3 imports tests.therapy.test_board",
        "tests/therapy/test_example.py:4 imports tests.test_alert_kinds",
        "tests/therapy/test_example.py:5 imports tests.browser.conftest",
        "tests/therapy/test_example.py:6 imports tests.therapy.test_chart",
        "tests/therapy/test_example.py:7 imports tests.therapy.test_handover",
    ]


def test_every_folder_of_tests_is_a_package():
    folders = {path.parent for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts}
    assert (
        sorted(str(f.relative_to(REPO)) for f in folders if not (f / "__init__.py").exists()) == []
    )


def test_no_two_test_modules_share_a_name():
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []

"""The suite passes however slowly it runs: no test module reads the clock when it is
collected (a table of times built at import is minutes old by the time a slow run reaches the
test, and "10 minutes ahead" is then in the past).

Two checks: every test module is read for clock calls outside a function body; and the files
that used to do it run, in a child pytest, with the clock moved 20 minutes forward once they
are collected (``--shift-clock-after-collection``, tests/conftest.py)."""

import ast
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.support.paths import REPO as ROOT
from tests.support.paths import TESTS

CLOCK_CALLS = {"now", "localtime", "localdate", "today", "utcnow", "time", "monotonic"}
# The modules that read the clock at import before (issue 11): the slow-run failures.
ONCE_SLOW = [
    "tests/patients/api/test_fluids.py",
    "tests/patients/api/test_vitals_api.py",
    "tests/patients/api/test_events.py",
    "tests/patients/api/test_medications.py",
    "tests/patients/api/test_labs.py",
    "tests/patients/api/test_observation_kinds.py",  # the tests the five above shared
    "tests/patients/bedside/test_vitals_bedside_form.py",
    "tests/patients/services/test_patient_register.py",
    "tests/patients/services/test_vitals_recording.py",
    "tests/therapy/mar/test_course_order.py",
    "tests/patients/services/test_fluid_periods.py",
    "tests/il2monitor/test_strict_datetimes.py",
]


class _WithoutLambdas(ast.NodeTransformer):
    """A lambda's body runs when it is called (in the test), not at import."""

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return ast.Constant(None)


def _calls_the_clock(node: ast.AST, clock_functions: set[str]) -> str | None:
    for inner in ast.walk(_WithoutLambdas().visit(node)):
        if isinstance(inner, ast.Call):
            function = inner.func
            name = (
                function.attr
                if isinstance(function, ast.Attribute)
                else function.id
                if isinstance(function, ast.Name)
                else None
            )
            if name in CLOCK_CALLS or name in clock_functions:
                return name
    return None


def import_time_clock_reads(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text())
    # Module functions that read the clock: calling one at import reads it too.
    clock_functions = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and _calls_the_clock(node, set())
    }
    found = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            # Run at import: decorators (parametrize tables), default values, class bodies.
            evaluated: list[ast.AST] = list(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                evaluated += [n for n in node.body if not isinstance(n, ast.FunctionDef)]
            else:
                evaluated += [d for d in node.args.defaults + node.args.kw_defaults if d]
        else:
            evaluated = [node]
        for part in evaluated:
            name = _calls_the_clock(part, clock_functions)
            if name:
                found.append(f"{path.relative_to(root)}:{part.lineno} calls {name}()")
    return found


def test_no_test_module_reads_the_clock_at_import():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        found += import_time_clock_reads(path)
    assert found == []


def test_the_scan_finds_a_table_built_at_import(tmp_path):
    module = tmp_path / "test_example.py"
    module.write_text(
        "from django.utils import timezone\n"
        "def iso(m):\n    return (timezone.now()).isoformat()\n"
        "BAD = [({'taken_at': iso(10)}, 'taken_at')]\n"
        "@pytest.mark.parametrize('when', [timezone.now()])\ndef test_x(when): pass\n"
        "@pytest.mark.parametrize('when', [lambda: timezone.now()])\ndef test_y(when): pass\n"
    )
    found = import_time_clock_reads(module, root=tmp_path)
    assert found == ["test_example.py:4 calls iso()", "test_example.py:5 calls now()"]


def test_the_modules_that_once_failed_slow_runs_pass_20_minutes_after_collection():
    name = settings.DATABASES["default"]["NAME"].removeprefix("test_")
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{name}_clock"
    env = {
        **os.environ,
        "TEST_DATABASE_URL": url,
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "--create-db",
            "--shift-clock-after-collection=20",
            *ONCE_SLOW,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout

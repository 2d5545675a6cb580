"""The rules stay pure Python: no Django anywhere in them, and patients.news2 never imports
therapy (dependency direction, conventions.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

RULE_FILES = [REPO / "patients" / "news2.py", *sorted((REPO / "therapy" / "rules").glob("*.py"))]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_rule_files_are_found() -> None:
    assert len(RULE_FILES) >= 10


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_no_django_import(path: Path) -> None:
    roots = {name.split(".")[0] for name in imported_modules(path)}
    assert not roots & {"django", "rest_framework", "celery"}, path


def test_news2_does_not_import_therapy() -> None:
    roots = {name.split(".")[0] for name in imported_modules(REPO / "patients" / "news2.py")}
    assert "therapy" not in roots


def test_importing_the_rules_loads_no_django() -> None:
    code = (
        "import sys, therapy.rules, patients.news2\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'django')\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr

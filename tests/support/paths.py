"""Where things are, whichever folder of tests/ asks."""

from pathlib import Path

# The repository (tests/support/paths.py → tests/support → tests → the repository).
REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"

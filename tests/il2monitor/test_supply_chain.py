"""The supply chain: every dependency is installed from a hashed lock (make and the Dockerfile),
and the locks are current with pyproject.toml (scripts/lock regenerates them)."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.paths import REPO

ROOT = REPO
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def locked(name: str) -> dict[str, str]:
    """{package: version} of a lock file; fails unless every pin carries a hash."""
    text = (ROOT / name).read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", text, flags=re.M))
    blocks = re.findall(r"^[A-Za-z0-9_.\-]+==[^\n]*(?:\n    [^\n]*)*", text, flags=re.M)
    assert pins and all("--hash=sha256:" in block for block in blocks), name
    return {canonicalize_name(k): v for k, v in pins.items()}


@pytest.mark.parametrize(
    ("lock", "groups"),
    [
        ("requirements.lock", ["dependencies"]),
        ("requirements-dev.lock", ["dependencies", "dev"]),
    ],
)
def test_each_lock_pins_every_dependency_within_its_range_with_hashes(lock, groups):
    pins = locked(lock)
    project = PYPROJECT["project"]
    wanted = [
        Requirement(line)
        for group in groups
        for line in (
            project["dependencies"]
            if group == "dependencies"
            else project["optional-dependencies"][group]
        )
    ]
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {lock}: run scripts/lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (lock, requirement)
    build = [Requirement(line) for line in PYPROJECT["build-system"]["requires"]]
    assert all(canonicalize_name(r.name) in pins for r in build), "the build backend is pinned"


def test_make_and_the_dockerfile_install_from_the_locks_before_the_code():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r $(LOCK)" in makefile and "LOCK := requirements-dev.lock" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
    docker = (ROOT / "Dockerfile").read_text()
    lock_at = docker.index("pip install --require-hashes -r requirements.lock")
    code_at = docker.index("COPY therapy ./therapy")
    assert docker.index("COPY requirements.lock") < lock_at < code_at
    assert "pip install --no-deps --no-build-isolation ." in docker


def test_no_kombu_control_folder_is_committed():
    assert not (ROOT / "control").exists()

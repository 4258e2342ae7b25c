"""Each install group carries what its code imports.

The cloud image installs ``.[cloud]`` and the agent's ``.[edge,inference]``; the suite runs
with every group at once (``dev``), so a module imported by the cloud but declared only by
the edge group (httpx, once) passes here and fails in the image at start-up. Each case
imports every module of its packages in a fresh interpreter that can see only the
distributions its groups bring, by their requirements and markers, as pip would resolve
them: any other third-party import is refused as if it were not installed.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
OURS = ("domain", "edge_agent", "cloud", "simulators", "provisioning", "edgestock", "training")
"""The project's own packages: installed whatever the group, only their imports vary."""

_IMPORT_ALL = """
import importlib, importlib.abc, json, pkgutil, sys

allowed = set(json.loads(sys.argv[1]))


class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in allowed or top in sys.stdlib_module_names:
            return None
        raise ModuleNotFoundError(f"No module named {top!r} (not in the group)", name=top)


sys.meta_path.insert(0, NotInstalled())
failed = []
for package in json.loads(sys.argv[2]):
    root = importlib.import_module(package)
    names = [package] + [m.name for m in pkgutil.walk_packages(root.__path__, package + ".")]
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failed.append(f"{name}: {exc}")
print("\\n".join(failed))
"""


def _distributions(groups: set[str]) -> set[str]:
    """The distributions ``pip install .[groups]`` brings: pyproject's requirements for the
    groups, then each distribution's whose markers hold for the extras asked of it, to the
    end (the project's own from pyproject.toml, so an edit counts before a reinstall)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for group in groups:
        lines += project["optional-dependencies"][group]
    wanted = [(canonicalize_name(r.name), frozenset(r.extras)) for r in map(Requirement, lines)]
    seen: set[tuple[str, frozenset[str]]] = set()
    found: set[str] = set()
    while wanted:
        name, extras = wanted.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        found.add(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python
        for line in requirements:
            req = Requirement(line)
            asked = extras | {""}
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in asked):
                continue
            wanted.append((canonicalize_name(req.name), frozenset(req.extras)))
    return found


def _importable(groups: set[str]) -> list[str]:
    """Top-level modules of the group's distributions, and the project's own."""
    installed = _distributions(groups)
    return sorted(
        {
            module
            for module, dists in metadata.packages_distributions().items()
            if any(canonicalize_name(d) in installed for d in dists)
        }
        | set(OURS)
    )


@pytest.mark.parametrize(
    ("groups", "packages"),
    [
        ({"cloud"}, ["cloud", "domain"]),
        ({"edge", "inference"}, ["edge_agent", "domain"]),
    ],
    ids=["cloud", "edge+inference"],
)
def test_every_module_of_a_group_imports_with_that_group_alone(
    groups: set[str], packages: list[str]
) -> None:
    answer = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, json.dumps(_importable(groups)), json.dumps(packages)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr[-3000:]
    assert answer.stdout.strip() == "", f"needs more than {sorted(groups)}:\n{answer.stdout}"


def test_the_check_refuses_what_a_group_does_not_bring() -> None:
    """The same interpreter, told only the base dependencies: the cloud cannot import."""
    answer = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, json.dumps(_importable(set())), '["cloud"]'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert "fastapi" in answer.stdout + answer.stderr

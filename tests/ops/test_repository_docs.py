"""The repository stands alone and says true things about itself: the configuration
reference matches the config models, the README's migrations match cloud/migrations, no
document points outside the repository, and the licence is the one pyproject.toml names."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_configuration_reference_is_generated_from_the_current_models() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "config_reference"), "--check"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    reference = (ROOT / "docs" / "configuration.md").read_text()
    from edge_agent.config import AgentConfig

    for field in AgentConfig.model_fields:  # every top-level section is documented
        assert f"| `{field}` |" in reference


def test_the_readme_names_the_latest_migration() -> None:
    names = {p.name.split(".")[0] for p in (ROOT / "cloud" / "migrations").glob("*.sql")}
    latest = max(names)
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"migrations: applied 0001_events, … (\w+)", readme)
    assert shown is not None
    assert shown.group(1) == latest, f"README shows {shown.group(1)}, the latest is {latest}"


def test_no_document_points_outside_the_repository() -> None:
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    outside = [str(d.relative_to(ROOT)) for d in documents if "../shared" in d.read_text()]
    assert outside == []


def test_the_licence_is_apache_2_and_pyproject_says_so() -> None:
    licence = (ROOT / "LICENSE").read_text()
    assert licence.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"  # an SPDX expression (PEP 639)
    assert project["license-files"] == ["LICENSE"]

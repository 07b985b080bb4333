"""The architecture of issue #18, checked on every run of the suite: the import-linter contracts of
pyproject.toml ([tool.importlinter]: apps layered, no app importing the project package, no import cycle
inside an app) are all kept, and they cover every app."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]


def test_every_import_contract_of_pyproject_is_kept():
    result = subprocess.run(LINT_IMPORTS, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


def test_every_app_has_its_place_in_the_layers():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    layered = {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps - layered == set()
    assert layered <= set(config["root_packages"])

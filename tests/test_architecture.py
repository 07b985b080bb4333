"""The architecture of issue #18, checked on every run of the suite: the import-linter contracts of
pyproject.toml ([tool.importlinter]: apps layered, no app importing the project package, no import cycle
inside an app) are all kept, and they cover every app; and no function imports another app (a dependency hidden
from the module's head, once the way to dodge an import cycle) but the few listed with their reason."""

import ast
import subprocess
import sys
import textwrap
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


# A function-level import of another app hides a dependency from the module's head: it was the way to dodge an
# import cycle, which the layers above now rule out. Those left, each with its reason (keep this list tiny):
LAZY_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {}


def lazy_imports_of_other_apps(source: str, app: str, apps: set[str]) -> list[tuple[str, int, str]]:
    """Return (imported app, line, statement) of each import inside a function of ``app``'s module ``source``
    that names another of the ``apps`` (relative imports stay inside the module's own app)."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                if isinstance(child, ast.Import):
                    modules = [alias.name for alias in child.names]
                else:
                    modules = [child.module] if child.level == 0 and child.module else []
                for imported in {module.split(".")[0] for module in modules} & (apps - {app}):
                    found.append((imported, child.lineno, ast.unparse(child)))
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(source), in_function=False)
    return found


def lazy_imports_in_the_project() -> list[tuple[str, str, int, str]]:
    """Return (module path, imported app, line, statement) of every function-level import of another app."""
    apps = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"])
    found = []
    for app in sorted(apps):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:  # a migration imports today's code only when it runs: lazy on purpose
                continue
            module = path.relative_to(ROOT).as_posix()
            found += [(module, *entry) for entry in lazy_imports_of_other_apps(path.read_text(), app, apps)]
    return found


def test_no_function_imports_another_app_but_the_few_allowed_with_a_reason():
    found = lazy_imports_in_the_project()
    unlisted = [
        f"{module}:{line}: {text}" for module, app, line, text in found if (module, app) not in LAZY_IMPORTS_ALLOWED
    ]
    assert unlisted == []


def test_every_allowed_function_level_import_is_still_needed():
    found = {(module, app) for module, app, _line, _text in lazy_imports_in_the_project()}
    assert set(LAZY_IMPORTS_ALLOWED) - found == set()


def test_a_function_level_import_of_another_app_is_found_and_its_own_app_or_the_top_level_is_not():
    source = textwrap.dedent(
        """
        from training.models import Course

        class Form:
            def clean(self):
                from approvals.locks import YearLocked
                from personnel.models import Person
                from .models import Unit

        def build():
            if True:
                import training.services
        """
    )
    found = lazy_imports_of_other_apps(source, "personnel", {"personnel", "training", "approvals"})
    assert [(app, line) for app, line, _text in found] == [("approvals", 6), ("training", 12)]

"""The project's promises about itself: README's two commands, CI running the second, lint."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text, flags=re.DOTALL)[:2]


def test_readme_opens_with_two_commands_and_ci_runs_the_second() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = readme.index("```bash")
    assert readme[:first_block].count("\n") <= 2, "the commands come first"
    install_and_run, install_and_test = readme_commands()
    assert "\n" not in install_and_run and "\n" not in install_and_test
    assert "examples/articles" in install_and_run
    assert "pytest" in install_and_test
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert install_and_test in ci.splitlines()


@pytest.mark.slow  # a whole-repo lint: CI and the full run, not the edit loop
def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(REPO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # a whole-repo format check beside the lint
def test_ruff_format_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", str(REPO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # strict mypy over qa/ takes a minute cold
def test_mypy_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", str(REPO / "qa")],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_prompts_ship_with_the_package() -> None:
    import qa.prompts

    assert Path(qa.prompts.__file__).parent.name == "prompts"


def qa_imports() -> dict[str, set[str]]:
    """For each module of qa/, the qa modules it imports anywhere: at the top, inside functions
    (deferred) and under ``if TYPE_CHECKING`` alike."""
    package = REPO / "qa"
    names = {"qa" if p.stem == "__init__" else f"qa.{p.stem}": p for p in package.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "qa":
                    found |= {f"qa.{alias.name}" for alias in node.names}
                else:
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        graph[name] = {m for m in found if m in names and m != name}
    return graph


def import_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle in ``graph`` as a path that starts and ends on the same module, or None."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once explored
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for dependency in sorted(graph[module]):
            if state.get(dependency) == "open":
                return [*path[path.index(dependency) :], dependency]
            if dependency not in state and (cycle := visit(dependency)):
                return cycle
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert import_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert import_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycles_between_qa_modules() -> None:
    graph = qa_imports()
    assert {"qa.engine", "qa.models", "qa.chat", "qa.llm"} <= set(graph)
    assert "qa.llm" in graph["qa.chat"]  # deferred imports are seen
    assert import_cycle(graph) is None, " -> ".join(import_cycle(graph) or [])


def test_data_types_sit_at_the_bottom() -> None:
    # Besides the date parser, models may raise qa's own error types (a bad Query's one line).
    assert qa_imports()["qa.models"] <= {"qa.dates", "qa.errors"}
    assert qa_imports()["qa.dates"] == set()
    assert qa_imports()["qa.errors"] == set()


# Declared for another package's sake, never imported by qa itself (each with its reason).
NEEDED_BY_OTHERS = {
    "onnx": "torch.onnx.export writes the encoder's graph with it (qa/onnx_encoder.py)",
    "lxml-html-clean": "trafilatura needs lxml.html.clean, which lxml 6 moved out",
    "mcp": "Gradio's MCP server (QA_MCP=1) imports it; qa only passes mcp_server=True",
}


def declared_dependencies() -> list[str]:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0] for spec in project["dependencies"]]


def modules_imported_by_qa() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "qa").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
    return found


def test_every_declared_dependency_is_imported_by_qa() -> None:
    from importlib.metadata import packages_distributions

    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    modules_of: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            modules_of.setdefault(canonical(dist), set()).add(module)
    imported = modules_imported_by_qa()
    declared = declared_dependencies()
    assert "pydantic-settings" in declared and "pydantic_settings" in imported  # the test sees
    unused = [
        dist
        for dist in declared
        if dist not in NEEDED_BY_OTHERS and not modules_of.get(canonical(dist), set()) & imported
    ]
    assert not unused, f"declared in pyproject.toml but never imported by qa/: {unused}"

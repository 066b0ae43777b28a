"""The import graph as docs/architecture.md draws it: no cycles, no import from a lower layer to a
higher one, no long functions. Read with `ast`, imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "audiostudy"

# Lowest first. A module may import from its own layer or any layer below, never above.
LAYERS: list[tuple[str, set[str]]] = [
    ("core", {"audiostudy", "errors", "model", "names", "pauses", "latin", "podcastns", "progress"}),
    (
        "text",
        {
            "inputs",
            "loaders",
            "structure",
            "document",
            "segment",
            "words",
            "normalize",
            "lexicon",
            "polyphones",
            "score",
        },
    ),
    ("engines", {"backends"}),
    (
        "media",
        {
            "writers",
            "cache",
            "cache_parts",
            "audio",
            "frames",
            "folder",
            "options",
            "plan",
            "stitch",
            "chapters",
            "estimate",
        },
    ),
    (
        "outputs",
        {
            "timeline",
            "opus",
            "manifest",
            "summary",
            "webpage",
            "player",
            "audiofiles",
            "library",
            "assemble",
            "feed",
            "outline",
            "listen",
        },
    ),
    ("pipeline", {"pipeline"}),
    ("front", {"cli", "cli_options", "cli_usage", "serve", "play", "check", "__main__"}),
]
MAX_FUNCTION_LINES = 60


def modules() -> dict[str, Path]:
    out = {}
    for f in PKG.rglob("*.py"):
        parts = list(f.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = f
    return out


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every audiostudy module `name` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def layer_of(module: str) -> int:
    short = module.removeprefix("audiostudy.").split(".")[0] if module != "audiostudy" else "audiostudy"
    for i, (_, names) in enumerate(LAYERS):
        if short in names:
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")


def test_every_module_has_a_layer():
    for m in graph():
        layer_of(m)


def test_no_import_climbs_a_layer():
    up = [
        f"{m} ({LAYERS[layer_of(m)][0]}) imports {t} ({LAYERS[layer_of(t)][0]})"
        for m, targets in graph().items()
        for t in sorted(targets)
        if layer_of(t) > layer_of(m)
    ]
    assert not up, "\n".join(up)


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for t in sorted(g.get(m, ())):
            if state.get(t) == 1:
                return [*path[path.index(t) :], t]
            if t not in state and (c := visit(t)):
                return c
        path.pop()
        state[m] = 2
        return None

    for m in sorted(g):
        if m not in state and (c := visit(m)):
            return c
    return None


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_checks_can_fail(tmp_path):
    """The rules catch what they are for: a cycle, and a module low in the layers importing a high one."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert layer_of("audiostudy.errors") < layer_of("audiostudy.pipeline") < layer_of("audiostudy.cli")
    known = modules()
    src = "from .pipeline import build\n\ndef f():\n    from . import cli\n"
    fake = tmp_path / "probe.py"
    fake.write_text(src, encoding="utf-8")
    assert imports_of("audiostudy.errors", fake, known) == {"audiostudy.pipeline", "audiostudy.cli"}


def _is_command(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "command"
        for d in fn.decorator_list
    )


def long_functions() -> list[str]:
    out = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                # A CLI command's option declarations are its signature: count its body.
                first = node.body[0].lineno if _is_command(node) else node.lineno
                n = (node.end_lineno or first) - first + 1
                if n > MAX_FUNCTION_LINES:
                    out.append(f"{name}.{node.name}: {n} lines")
    return out


def test_no_long_functions():
    assert not long_functions(), "\n".join(long_functions())


@pytest.mark.parametrize("doc", ["docs/architecture.md"])
def test_the_map_names_every_layer(doc):
    text = (PKG.parent / doc).read_text(encoding="utf-8")
    for layer, names in LAYERS:
        assert f"**{layer}**" in text, layer
        for n in names - {"audiostudy", "__main__"}:
            assert f"`{n}`" in text, f"{n} ({layer}) is missing from {doc}"

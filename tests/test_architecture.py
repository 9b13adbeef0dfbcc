"""The package's import rules (docs/architecture.md, "Layers"), checked by walking its AST.

- No import circle between softran's modules. Every import counts, also one inside a function
  (a deferred import still ties the two modules together); only imports under
  ``if TYPE_CHECKING:`` are left out, since they never run.
- No module takes a ``_private`` name from another module: neither ``from m import _x``, nor a
  private module of another package (``from softran.x import _kernels``), nor ``m._x`` on an
  imported softran module.
- The layers point one way: ``nr`` uses nothing above it; ``channel``, ``security``,
  ``ntn`` and ``optical`` do not use ``sim``, ``cli``, ``cell``, ``phy``, ``fapi`` or ``oran``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "softran"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(name: str, modules: dict[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk_runtime(node: ast.AST):
    """Every node under ``node`` except what sits under ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if _type_checking_block(child):
            for orelse in child.orelse:  # the else branch runs
                yield orelse
                yield from _walk_runtime(orelse)
            continue
        yield child
        yield from _walk_runtime(child)


def _resolve(name: str, level: int, current: str, current_is_package: bool) -> str:
    if level == 0:
        return name
    base = current.split(".")
    if not current_is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


class Imports:
    """What one module imports: edges to softran modules and private names it takes."""

    def __init__(self, name: str, modules: dict[str, Path]):
        self.name = name
        self.edges: set[str] = set()
        self.private: list[str] = []
        tree = ast.parse(modules[name].read_text(), filename=str(modules[name]))
        aliases: dict[str, str] = {}  # local name -> softran module it names
        pkg = is_package(name, modules)
        for node in _walk_runtime(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] != "softran":
                        continue
                    self._take_module(alias.name, modules, node)
                    if alias.asname:
                        aliases[alias.asname] = alias.name
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(node.module or "", node.level, name, pkg)
                if target.split(".")[0] != "softran":
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in modules:  # `from package import module`
                        self._take_module(sub, modules, node)
                        aliases[alias.asname or alias.name] = sub
                    else:
                        self._take_module(target, modules, node)
                        if _private(alias.name):
                            self.private.append(
                                f"{name}:{node.lineno} takes {alias.name} from {target}")
        for node in _walk_runtime(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and _private(node.attr)):
                self.private.append(f"{name}:{node.lineno} uses "
                                    f"{aliases[node.value.id]}.{node.attr}")

    def _take_module(self, target: str, modules: dict[str, Path], node: ast.stmt) -> None:
        if target not in modules:
            raise AssertionError(f"{self.name}:{node.lineno} imports {target}, "
                                 "which is not a module of softran")
        parts = target.split(".")
        for i, part in enumerate(parts[1:], start=1):
            owner = ".".join(parts[:i])
            # a private module is for its own package's modules (its siblings) alone
            if _private(part) and owner != _package_of(self.name, modules):
                self.private.append(f"{self.name}:{node.lineno} imports {target}")
        if target != self.name:
            self.edges.add(target)


def _package_of(name: str, modules: dict[str, Path]) -> str:
    return name if is_package(name, modules) else name.rsplit(".", 1)[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@pytest.fixture(scope="module")
def imports() -> dict[str, Imports]:
    modules = all_modules()
    return {name: Imports(name, modules) for name in modules}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        comp.append(member)
                        if member == node:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_scc_finds_a_circle_and_no_false_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_walker_sees_deferred_and_skips_type_checking(tmp_path: Path) -> None:
    src = ("from typing import TYPE_CHECKING\n"
           "if TYPE_CHECKING:\n    from softran.validation import check_int\n"
           "def f():\n    from softran.tomlfile import load\n"
           "    from softran.validation import _hidden\n")
    tree = ast.parse(src)
    seen = [n.module for n in _walk_runtime(tree)
            if isinstance(n, ast.ImportFrom) and n.module.startswith("softran")]
    assert seen == ["softran.tomlfile", "softran.validation"]


def test_no_import_circle(imports: dict[str, Imports]) -> None:
    graph = {name: imp.edges for name, imp in imports.items()}
    circles = strongly_connected(graph)
    assert not circles, "import circles in softran:\n" + "\n".join(
        " <-> ".join(c) for c in circles)


def test_no_private_name_taken_from_another_module(imports: dict[str, Imports]) -> None:
    found = [p for imp in imports.values() for p in imp.private]
    assert not found, "private names taken across modules:\n" + "\n".join(found)


@pytest.mark.parametrize(("layer", "forbidden"), [
    ("softran.nr", ("softran.channel", "softran.oran", "softran.sim", "softran.cli",
                    "softran.optical", "softran.cell", "softran.phy", "softran.fapi",
                    "softran.ntn", "softran.security")),
    ("softran.channel", ("softran.sim", "softran.cli", "softran.oran", "softran.optical",
                         "softran.cell", "softran.phy", "softran.fapi")),
    ("softran.optical", ("softran.sim", "softran.cli", "softran.oran", "softran.channel",
                         "softran.cell", "softran.phy", "softran.fapi")),
    ("softran.oran", ("softran.sim", "softran.cli", "softran.cell", "softran.phy",
                      "softran.fapi")),
    ("softran.sim", ("softran.cli",)),
    ("softran.fapi", ("softran.sim", "softran.cli", "softran.cell", "softran.phy",
                      "softran.oran", "softran.channel", "softran.optical")),
    ("softran.security", ("softran.sim", "softran.cli", "softran.oran", "softran.nr",
                          "softran.channel", "softran.optical", "softran.cell", "softran.phy",
                          "softran.fapi", "softran.ntn")),
])
def test_layers_point_one_way(imports: dict[str, Imports], layer: str,
                              forbidden: tuple[str, ...]) -> None:
    bad = [f"{name} -> {edge}" for name, imp in imports.items()
           if name == layer or name.startswith(layer + ".")
           for edge in imp.edges if edge.startswith(forbidden)]
    assert not bad, f"{layer} reaches above itself:\n" + "\n".join(sorted(bad))


def test_every_package_exports_what_it_names() -> None:
    """Each package of softran has an ``__all__`` and every name in it resolves."""
    import importlib

    for name, path in all_modules().items():
        if path.name != "__init__.py":
            continue
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{name} has no __all__"
        missing = [n for n in exported if not hasattr(module, n)]
        assert not missing, f"{name}.__all__ names {missing}, which it does not define"

"""Every random draw in the tests is seeded: no call of torch's, NumPy's or ``random``'s
global-generator functions without an explicit generator (an AST scan of tests/)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
TORCH = {"rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
         "normal", "bernoulli", "multinomial", "poisson"}
RANDOM = {"random", "randint", "choice", "choices", "shuffle", "sample", "uniform", "gauss",
          "randrange", "getrandbits", "randbytes"}
NP_OK = {"default_rng", "Generator", "PCG64", "SeedSequence", "RandomState"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def _unseeded(call: ast.Call) -> bool:
    parts = _name(call.func).split(".")
    keywords = {k.arg for k in call.keywords}
    if parts[0] == "torch" and len(parts) == 2 and parts[1] in TORCH:
        return "generator" not in keywords
    if parts[:2] in (["np", "random"], ["numpy", "random"]):
        return parts[-1] not in NP_OK or (parts[-1] == "default_rng" and not call.args
                                          and not keywords)
    return parts[0] == "random" and len(parts) == 2 and parts[1] in RANDOM


def test_no_draw_from_a_global_generator():
    found = [f"{path.relative_to(TESTS)}:{node.lineno}"
             for path in sorted(TESTS.rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Call) and _unseeded(node)]
    assert not found, found

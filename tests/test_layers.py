"""The house's imports run one way: core → models → methods → metrics/influence → explanation →
session/explainer → widget/export → the package's own entry points. Read from the source (the
AST, so lazy imports inside functions count too; ``if TYPE_CHECKING:`` blocks do not)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "notebook_explain"

#: each layer's modules (a trailing ".*" takes a subpackage), lowest first
LAYERS = (
    (
        "core",
        (
            "errors",
            "outputs",
            "registry",
            "cache",
            "perturb",
            "device",
            "spans",
            "tabular",
            "data.*",
        ),
    ),
    ("models", ("models.*", "propagation.*")),
    ("methods", ("methods.*",)),
    ("metrics and influence", ("metrics.*", "influence.*")),
    ("explanation", ("explanation", "record_schema", "report", "dataset")),
    ("engine", ("engine",)),
    ("session and explainer", ("explainer", "session", "first_paint", "demo.*")),
    ("widget and export", ("widget", "export")),
    ("entry points", ("__init__", "__main__")),
)


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    for rank, (_, patterns) in enumerate(LAYERS):
        for pattern in patterns:
            if module == pattern.removesuffix(".*") or (
                pattern.endswith(".*") and module.startswith(pattern[:-1])
            ):
                return rank
    raise AssertionError(f"notebook_explain.{module} is in no layer: add it to LAYERS")


def _type_checking_nodes(tree) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    return skipped


def imports_of(module: str) -> set[str]:
    """The package modules that ``module`` imports (relative and absolute)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    if module == "__init__":
        package = []
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
            elif node.module and node.module.split(".")[0] == "notebook_explain":
                base = []
            else:
                continue
            target = [*base, *(node.module.split(".") if node.module else [])]
            if target[:1] == ["notebook_explain"]:
                target = target[1:]
            for alias in node.names:  # `from . import gradients` names a module
                candidate = ".".join([*target, alias.name])
                found.add(candidate if candidate in MODULES else ".".join(target) or "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("notebook_explain."):
                    found.add(alias.name.removeprefix("notebook_explain."))
    return {m for m in found if m != module}


GRAPH = {module: imports_of(module) for module in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_one_above_its_layer(module):
    mine = layer_of(module)
    above = sorted(m for m in GRAPH[module] if layer_of(m) > mine)
    assert not above, f"notebook_explain.{module} ({LAYERS[mine][0]}) imports " + ", ".join(
        f"{m} ({LAYERS[layer_of(m)][0]})" for m in above
    )


def test_imports_form_no_circle():
    state: dict[str, str] = {}

    def visit(module, trail):
        state[module] = "open"
        for other in sorted(GRAPH[module]):
            if state.get(other) == "open":
                cycle = [*trail[trail.index(other) :], other]
                raise AssertionError("import circle: " + " → ".join(cycle))
            if other not in state:
                visit(other, [*trail, other])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def test_the_checker_sees_relative_lazy_and_package_imports():
    """The reader must find what the layer rules are about, or the tests above pass vacuously."""
    assert "models.base" in GRAPH["methods.context"]  # from ..models.base import
    assert "influence.gradients" in GRAPH["influence.scorers"]  # from . import gradients
    assert "metrics" in GRAPH["explainer"]  # a lazy `from .metrics import evaluate`
    assert "explanation" not in GRAPH["report"]  # only under TYPE_CHECKING
    assert layer_of("widget") > layer_of("explanation") > layer_of("methods.context")


# ------------------------------------------------------------------ the call direction
#: the facade and what serves it: the only modules that may hold an Explainer
FACADE = layer_of("explainer")
FACADE_NAMES = {"explainer", "ex"}


def facade_uses(source: str) -> list[str]:
    """Where ``source`` receives an Explainer (a parameter named ``explainer`` or ``ex``, or
    annotated ``Explainer``) or reaches into a private attribute of an Explainer or an Engine
    (``explainer._x``, ``engine._x``, ``self.engine._x``)."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                annotation = ast.unparse(arg.annotation) if arg.annotation else ""
                if arg.arg in FACADE_NAMES or "Explainer" in annotation:
                    found.append(f"{node.name}({arg.arg}) at line {node.lineno}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            owner = ast.unparse(node.value)
            if owner in (*FACADE_NAMES, "engine", "self.engine", "run.engine"):
                if not node.attr.startswith("__"):
                    found.append(f"{owner}.{node.attr} at line {node.lineno}")
    return found


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer_of(m) < FACADE))
def test_no_module_below_the_facade_receives_an_explainer(module):
    uses = facade_uses(MODULES[module].read_text(encoding="utf-8"))
    assert not uses, f"notebook_explain.{module} takes the facade: {', '.join(uses)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "explainer"))
def test_no_module_calls_a_private_attribute_of_the_explainer_or_engine(module):
    uses = facade_uses(MODULES[module].read_text(encoding="utf-8"))
    private = [u for u in uses if "." in u.split(" at ")[0]]
    assert not private, f"notebook_explain.{module} reaches inside: {', '.join(private)}"


def test_the_call_checker_sees_a_facade_parameter_and_a_private_call():
    """The reader must find what the call rules are about, or they pass vacuously."""
    source = "def f(explainer):\n    return explainer._check_text('x')\n"
    assert facade_uses(source) == ["f(explainer) at line 1", "explainer._check_text at line 2"]

"""Message templates in a sandbox: a dedicated Django template ``Engine`` with no loaders and no builtins
but ``comms.templating.library`` (control flow and text filters), rendered from plain strings only.

A template is checked when it is saved (``validate``): a syntax error, a refused tag (``load``,
``include``, ``extends``, ``ssi``…) or a variable the kind does not document is an ``ApplicationError``
(400) naming the field and the line. ``render`` then never fails for a saved template; HTML renders
autoescape, text does not."""

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Node, Variable, VariableNode
from django.template.defaulttags import FirstOfNode, ForNode, IfNode, WithNode
from django.template.smartif import Literal

from comms.templating.defaults import DEFAULTS, PER_RECIPIENT, VARIABLES
from tenancy.errors import ApplicationError

__all__ = ["DEFAULTS", "PER_RECIPIENT", "VARIABLES", "render", "validate"]

MAX_TEMPLATE_CHARS = 20_000


class _SandboxEngine(Engine):
    default_builtins: list[str] = []


def _engine(autoescape: bool) -> Engine:
    return _SandboxEngine(loaders=[], builtins=["comms.templating.library"], libraries={}, debug=True,
                          autoescape=autoescape, string_if_invalid="")


TEXT_ENGINE = _engine(autoescape=False)
HTML_ENGINE = _engine(autoescape=True)


def _line(node: Node) -> int | None:
    token = getattr(node, "token", None)
    return getattr(token, "lineno", None)


def _condition_expressions(condition):
    if condition is None:
        return
    if isinstance(condition, Literal) or isinstance(getattr(condition, "value", None), FilterExpression):
        yield condition.value
        return
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        yield from _condition_expressions(part)


def _expressions(node: Node):
    if isinstance(node, VariableNode):
        yield node.filter_expression
    elif isinstance(node, IfNode):
        for condition, _nodelist in node.conditions_nodelists:
            yield from _condition_expressions(condition)
    elif isinstance(node, ForNode):
        yield node.sequence
    elif isinstance(node, WithNode):
        yield from node.extra_context.values()
    elif isinstance(node, FirstOfNode):
        yield from node.vars


def _variables(expression) -> list[Variable]:
    if not isinstance(expression, FilterExpression):
        return []
    found = [expression.var] if isinstance(expression.var, Variable) and expression.var.lookups else []
    for _func, args in expression.filters:
        found.extend(arg for lookup, arg in args if lookup and isinstance(arg, Variable) and arg.lookups)
    return found


def _children(node: Node):
    if isinstance(node, IfNode):
        return [nodelist for _condition, nodelist in node.conditions_nodelists]
    return [getattr(node, name) for name in node.child_nodelists if getattr(node, name, None) is not None]


def _scope(node: Node, names: frozenset) -> frozenset:
    if isinstance(node, ForNode):
        return names | set(node.loopvars) | {"forloop"}
    if isinstance(node, WithNode):
        return names | set(node.extra_context)
    return names


def _unknown(nodelist, names: frozenset, problems: list[str]) -> None:
    for node in nodelist:
        for expression in _expressions(node):
            for variable in _variables(expression):
                if variable.lookups[0] not in names:
                    problems.append(f"Line {_line(node)}: unknown variable '{variable.var}'. "
                                    f"Documented: {', '.join(sorted(names - {'forloop'}))}.")
        inner = _scope(node, names)
        for child in _children(node):
            _unknown(child, inner, problems)


def check(kind: str, source: str) -> list[str]:
    """What is wrong with ``source`` as a template of ``kind`` (empty if nothing)."""
    if len(source) > MAX_TEMPLATE_CHARS:
        return [f"At most {MAX_TEMPLATE_CHARS} characters."]
    try:
        template = TEXT_ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        line = (getattr(exc, "template_debug", None) or {}).get("line")
        prefix = f"Line {line}: " if line else ""
        return [f"{prefix}{exc}"]
    problems: list[str] = []
    _unknown(template.nodelist, frozenset(VARIABLES[kind]), problems)
    return problems


def validate(kind: str, **sources: str) -> None:
    """Raise a 400 naming each field (``body``, ``subject``…) whose source does not compile or uses an
    undocumented variable."""
    errors = {field: problems for field, source in sources.items() if (problems := check(kind, source or ""))}
    if errors:
        first_field, first = next(iter(errors.items()))
        raise ApplicationError(f"{first_field}: {first[0]}", errors)


def render(source: str, context: dict, *, html: bool = False) -> str:
    """Render a validated template with plain-string values (never model objects)."""
    engine = HTML_ENGINE if html else TEXT_ENGINE
    return engine.from_string(source).render(Context(context, autoescape=html))

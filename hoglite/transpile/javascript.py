"""Hog to JavaScript: the toolkit's second back end.

The output keeps the shape of the source: one Hog statement becomes one JavaScript statement, Hog
blocks become JavaScript blocks, Hog functions become JavaScript closures (which capture variables by
reference, as Hog closures do), and names are kept where that is safe. Every operation whose meaning
differs between Hog and JavaScript goes through a small runtime helper (`__get`, `__plus`, `__eq`, ...)
from prelude.js, so the program behaves exactly as it does on hoglite's VM; standard-library functions
come from stl.js, and only what a program uses is included.

Rules that keep the translation faithful:
- The program is first checked by hoglite's compiler, so both back ends accept exactly the same
  programs and reject the rest with the same positioned errors; what the JavaScript back end cannot do
  on top of that (`import()`) fails here, at transpile time, never at run time.
- Evaluation order is the VM's: binary operators evaluate their right operand first (helpers named
  `...RL` take it first), calls evaluate their arguments before the callee.
- Every Hog name reaches the output through `js_identifier` (or a renaming that only ever produces
  `__v<n>_...` names) and every string through `js_string`: no Hog text can be read as JavaScript.
- Where a Hog declaration would shadow a visible name, it gets a fresh JavaScript name, so a block
  that reads an outer `x` before declaring its own `x` never meets JavaScript's temporal dead zone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from hoglite.errors import HogSyntaxError
from hoglite.source import NO_SPAN, Span
from hoglite.syntax import ast

MAX_NESTING = 300  # the walk is recursive; deeper programs are rejected with a positioned error

_RESERVED_WORDS = """break case catch class const continue debugger default delete do else enum export extends false
    finally for function if import in instanceof new null return super switch this throw true try typeof
    var void while with yield let static implements interface package private protected public await
    async arguments eval undefined NaN Infinity globalThis of get set"""
JS_RESERVED = frozenset(_RESERVED_WORDS.split())
_PLAIN_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")

ASYNC_HOST_FUNCTIONS = frozenset({"fetch"})
ASYNC_BUILTINS = frozenset({"sleep"})

_ARITHMETIC = {"+": "__plus", "-": "__minus", "*": "__multiply", "/": "__divide", "%": "__mod"}
_COMPARE = {
    "==": "__eq",
    "!=": "__notEq",
    "<": "__lt",
    "<=": "__ltEq",
    ">": "__gt",
    ">=": "__gtEq",
    "like": "__like",
    "ilike": "__ilike",
    "not like": "__notLike",
    "not ilike": "__notILike",
    "in": "__in",
    "not in": "__notIn",
    "=~": "__regex",
    "!~": "__notRegex",
    "=~*": "__iregex",
    "!~*": "__notIRegex",
}
# Operators that can fail at run time (their position is recorded for error messages).
_FALLIBLE = frozenset({"in", "not in", "=~", "!~", "=~*", "!~*"})

SITE_START = "\x01"
SITE_END = "\x02"


def js_string(value: str) -> str:
    """THE quoting function for text: a JavaScript string literal that stays one literal whatever the
    text holds (pure ASCII, so no line terminator or quote can end it; `<` escaped, so `</script>`
    cannot end an HTML script element either)."""
    return json.dumps(value, ensure_ascii=True).replace("<", "\\u003c")


def js_identifier(name: str) -> str | None:
    """A Hog name as a JavaScript identifier when it is one as it stands and cannot clash with
    JavaScript or with the runtime (whose names all start with `__`); else None."""
    if _PLAIN_NAME.match(name) and name not in JS_RESERVED and not name.startswith("__"):
        return name
    return None


@dataclass
class TranspiledProgram:
    """The program function (`__program`) and what the runtime around it must provide."""

    code: str
    is_async: bool
    helpers: set[str]
    stl: set[str]
    hog_stl: set[str]
    sites: list[Span]


@dataclass
class _Scope:
    names: dict[str, str] = field(default_factory=dict)


class Transpiler:
    """Turns one parsed program (or one Hog-written built-in) into a JavaScript function."""

    def __init__(self, *, async_names: frozenset[str], natives: dict[str, tuple[int, int | None]],
                 hog_stl: dict[str, int], is_async: bool, record_sites: bool = True,
                 unsupported: frozenset[str] = frozenset()) -> None:
        self.async_names = async_names
        self.unsupported = unsupported
        self.natives = natives
        self.hog_stl_arity = hog_stl
        self.is_async = is_async
        self.record_sites = record_sites
        self.scopes: list[_Scope] = [_Scope()]
        self.counter = 0
        self.depth = 0
        self.indent = 1
        self.helpers: set[str] = set()
        self.stl: set[str] = set()
        self.hog_stl: set[str] = set()
        self.sites: list[Span] = []

    # -- names -------------------------------------------------------------------------------------

    def lookup(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope.names:
                return scope.names[name]
        return None

    def declare(self, name: str) -> str:
        plain = js_identifier(name)
        if plain is None or self.lookup(name) is not None or self._js_name_taken(plain):
            self.counter += 1
            cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)[:40]
            plain = f"__v{self.counter}_{cleaned}"
        self.scopes[-1].names[name] = plain
        return plain

    def _js_name_taken(self, js_name: str) -> bool:
        return any(js_name in scope.names.values() for scope in self.scopes)

    def temp(self, hint: str) -> str:
        self.counter += 1
        return f"__{hint}{self.counter}"

    def helper(self, name: str) -> str:
        self.helpers.add(name)
        return name

    def site(self, node: ast.Node) -> str:
        """A marker the assembler turns into a (line, column) -> Hog span entry, for error positions."""
        if not self.record_sites or node.span == NO_SPAN:
            return ""
        self.sites.append(node.span)
        return f"{SITE_START}{len(self.sites) - 1}{SITE_END}"

    def error(self, message: str, node: ast.Node) -> HogSyntaxError:
        return HogSyntaxError(message, span=None if node.span == NO_SPAN else node.span)

    def await_(self, text: str, site: str) -> str:
        return f"({site}await {text})" if self.is_async else text

    # -- program -----------------------------------------------------------------------------------

    def program(self, program: ast.Program) -> TranspiledProgram:
        body = self.statements(program.statements, 1)
        keyword = "async function" if self.is_async else "function"
        code = f"{keyword} __program(__rt) {{\n{body}  return null;\n}}\n"
        return TranspiledProgram(code, self.is_async, self.helpers, self.stl, self.hog_stl, self.sites)

    def hog_builtin(self, function: ast.Function) -> str:
        """A Hog-written built-in (hoglite/stl/hog/*.hog) as `function __hog_NAME(__rt, params...)`."""
        self.scopes.append(_Scope())
        params = [self.declare(param) for param in function.params]
        body = self.statements(function.body.statements, 1)
        self.scopes.pop()
        keyword = "async function" if self.is_async else "function"
        return f"{keyword} __hog_{function.name}(__rt{''.join(', ' + p for p in params)}) {{\n{body}  return null;\n}}\n"

    # -- statements --------------------------------------------------------------------------------

    def statements(self, statements: tuple[ast.Stmt, ...], indent: int) -> str:
        return "".join(self.statement(statement, indent) for statement in statements)

    def scoped_statements(self, node: ast.Stmt, indent: int) -> str:
        """The statements of `node` (a block or one statement) in a scope of their own, without braces:
        for loop bodies, whose JavaScript block is already a fresh scope on every iteration."""
        self.scopes.append(_Scope())
        try:
            if isinstance(node, ast.Block):
                return self.statements(node.statements, indent)
            return self.statement(node, indent)
        finally:
            self.scopes.pop()

    def block(self, node: ast.Stmt, indent: int, prologue: str = "") -> str:
        """A statement with its own scope, as `{ ... }` (no leading indentation, no newline)."""
        pad = "  " * indent
        self.scopes.append(_Scope())
        try:
            if isinstance(node, ast.Block):
                inner = self.statements(node.statements, indent + 1)
            else:
                inner = self.statement(node, indent + 1)
        finally:
            self.scopes.pop()
        return "{\n" + prologue + inner + pad + "}"

    def statement(self, node: ast.Stmt, indent: int) -> str:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error("Program is nested too deeply to transpile", node)
        saved, self.indent = self.indent, indent
        try:
            return self._statement(node, indent)
        finally:
            self.depth -= 1
            self.indent = saved

    def _statement(self, node: ast.Stmt, indent: int) -> str:
        pad = "  " * indent
        if isinstance(node, ast.ExprStmt):
            return f"{pad}{self.expr(node.expr)};\n"
        if isinstance(node, ast.VarDecl):
            # Declared before its initialiser is compiled: the initialiser can not read the variable
            # directly (the compiler rejects that), but a lambda in it may. If such a lambda runs during
            # the initialisation, the VM reads an unfinished slot; here it reads null (never JavaScript's
            # temporal dead zone).
            js_name = self.declare(node.name)
            value = self.expr(node.expr) if node.expr is not None else "null"
            if node.expr is not None and _mentions(node.expr, node.name):
                return f"{pad}let {js_name} = null;\n{pad}{js_name} = {value};\n"
            return f"{pad}let {js_name} = {value};\n"
        if isinstance(node, ast.Assign):
            return f"{pad}{self.assignment(node)};\n"
        if isinstance(node, ast.Return):
            value = self.expr(node.expr) if node.expr is not None else "null"
            return f"{pad}return {value};\n"
        if isinstance(node, ast.Throw):
            if node.expr is None:
                raise self.error("`throw` needs an error value", node)
            return f"{pad}throw {self.site(node)}{self.helper('__throwable')}({self.expr(node.expr)});\n"
        if isinstance(node, ast.Block):
            return pad + self.block(node, indent) + "\n"
        if isinstance(node, ast.If):
            text = f"{pad}if ({self.expr(node.cond)}) " + self.block(node.then, indent)
            if node.else_ is not None:
                if isinstance(node.else_, ast.If):
                    text += " else " + self.statement(node.else_, indent).lstrip()
                    return text
                text += " else " + self.block(node.else_, indent)
            return text + "\n"
        if isinstance(node, ast.While):
            cond = self.expr(node.cond)
            return f"{pad}while (__tick(__rt) && {cond}) " + self.block(node.body, indent) + "\n"
        if isinstance(node, ast.For):
            return self.for_loop(node, indent)
        if isinstance(node, ast.ForIn):
            return self.for_in(node, indent)
        if isinstance(node, ast.Function):
            js_name = self.declare(node.name)
            return f"{pad}let {js_name} = {self.function(node.name, node.params, node.body, indent)};\n"
        if isinstance(node, ast.Try):
            return self.try_catch(node, indent)
        raise self.error(f"{type(node).__name__} statements are not supported by the JavaScript back end", node)

    def assignment(self, node: ast.Assign) -> str:
        target = node.target
        if isinstance(target, ast.Field):
            js_name = self.lookup(str(target.chain[0]))
            if js_name is None:
                raise self.error(
                    f'Variable "{target.chain[0]}" not declared in this scope. Can not assign to globals.', target
                )
            if len(target.chain) == 1:
                return f"{js_name} = {self.expr(node.value)}"
            base = js_name
            for key in target.chain[1:-1]:
                base = f"{self.site(target)}{self.helper('__get')}({base}, {self.key(key)})"
            key_js = self.key(target.chain[-1])
        elif isinstance(target, ast.Index):
            base = self.expr(target.obj)
            key_js = self.expr(target.key)
        elif isinstance(target, ast.TupleAccess):
            base = self.expr(target.obj)
            key_js = str(target.index)
        else:
            raise self.error("Can not assign to this type of expression", target)
        return f"{self.site(node)}{self.helper('__set')}({base}, {key_js}, {self.expr(node.value)})"

    def header_part(self, node: ast.Stmt | None) -> str:
        if node is None:
            return ""
        if isinstance(node, ast.VarDecl):
            js_name = self.declare(node.name)
            value = self.expr(node.expr) if node.expr is not None else "null"
            return f"let {js_name} = {value};"
        if isinstance(node, ast.Assign):
            return self.assignment(node) + ";"
        if isinstance(node, ast.ExprStmt):
            return self.expr(node.expr) + ";"
        raise self.error("Unsupported for-loop header", node)

    def for_loop(self, node: ast.For, indent: int) -> str:
        # One loop variable for the whole loop (closures made in the body share it, as on the VM),
        # so this is a while loop in a block, not JavaScript's per-iteration `for (let ...)`.
        pad = "  " * indent
        inner = "  " * (indent + 1)
        self.scopes.append(_Scope())
        try:
            init = self.header_part(node.init)
            cond = self.expr(node.cond) if node.cond is not None else "true"
            step = self.header_part(node.step)
            body = self.scoped_statements(node.body, indent + 2)
        finally:
            self.scopes.pop()
        text = pad + "{\n"
        if init:
            text += inner + init + "\n"
        text += f"{inner}while (__tick(__rt) && {cond}) {{\n{body}"
        if step:
            text += f"{inner}  {step}\n"
        return text + inner + "}\n" + pad + "}\n"

    def for_in(self, node: ast.ForIn, indent: int) -> str:
        pad = "  " * indent
        inner = "  " * (indent + 1)
        self.scopes.append(_Scope())
        try:
            source, keys, values, count, index = (self.temp(h) for h in ("source", "keys", "values", "count", "i"))
            lines = [f"const {source} = {self.expr(node.expr)};"]
            if node.key is not None:
                self.stl.add("keys")
                lines.append(f"const {keys} = __stl_keys(__rt, {source});")
            self.stl.add("values")
            lines.append(f"const {values} = __stl_values(__rt, {source});")
            lines.append(f"const {count} = {values}.length;")
            # Key and value are declared once for the loop (closures in the body share them).
            key_js = self.declare(node.key) if node.key is not None else None
            value_js = self.declare(node.value)
            if key_js:
                lines.append(f"let {key_js} = null;")
            lines.append(f"let {value_js} = null;")
            assign = []
            if key_js:
                assign.append(f"{key_js} = {keys}[{index} - 1];")
            assign.append(f"{value_js} = {values}[{index} - 1];")
            body = self.scoped_statements(node.body, indent + 2)
        finally:
            self.scopes.pop()
        text = pad + "{\n" + "".join(inner + line + "\n" for line in lines)
        text += f"{inner}for (let {index} = 1; __tick(__rt) && {index} <= {count}; {index}++) {{\n"
        text += "".join(f"{inner}  {line}\n" for line in assign)
        return text + f"{body}{inner}}}\n{pad}}}\n"

    def try_catch(self, node: ast.Try, indent: int) -> str:
        if node.finally_ is not None:
            raise self.error("finally blocks are not yet supported", node.finally_)
        if not node.catches:
            raise self.error("try statement must have at least one catch block", node)
        pad = "  " * indent
        inner = "  " * (indent + 1)
        caught = self.temp("caught")
        text = f"{pad}try " + self.block(node.body, indent) + f" catch ({caught}) {{\n"
        self.scopes.append(_Scope())
        try:
            # As on the VM, `e` (the error) and `type` (its type) exist in every clause.
            e_js = self.declare("e")
            type_js = self.declare("type")
            text += f"{inner}let {e_js} = {self.helper('__caught')}({caught});\n"
            text += f"{inner}let {type_js} = __get({e_js}, \"type\");\n"
            self.helpers.add("__get")
            branches: list[tuple[str | None, str]] = []
            for clause in node.catches:
                self.scopes.append(_Scope())
                try:
                    prologue = ""
                    if clause.var is not None and clause.var != "e":
                        var_js = self.declare(clause.var)
                        prologue = f"{inner}  let {var_js} = {e_js};\n"
                    body = self.block(clause.body, indent + 1, prologue)
                finally:
                    self.scopes.pop()
                if clause.type in (None, "Error"):
                    branches.append((None, body))
                    break  # a catch-all: later clauses can never run
                branches.append((f"{self.helper('__eq')}({type_js}, {js_string(clause.type)})", body))
        finally:
            self.scopes.pop()
        parts = []
        for condition, body in branches:
            if condition is None:
                parts.append(body)
                break
            parts.append(f"if ({condition}) {body}")
        else:
            parts.append(f"{{\n{inner}  throw {caught};\n{inner}}}")
        return text + inner + " else ".join(parts) + f"\n{pad}}}\n"

    def function(self, name: str, params: tuple[str, ...], body: ast.Block | ast.Expr, indent: int,
                 arrow: bool = False) -> str:
        pad = "  " * indent
        self.scopes.append(_Scope())
        try:
            js_params = ", ".join(self.declare(param) for param in params)
            if isinstance(body, ast.Block):
                text = "{\n" + self.statements(body.statements, indent + 1) + f"{pad}  return null;\n{pad}}}"
            elif isinstance(body, ast.Placeholder):
                text = "{\n" + f"{pad}  {self.expr(body.expr)};\n{pad}  return null;\n{pad}}}"
            else:
                text = self.expr(body)
                if not arrow:
                    text = "{\n" + f"{pad}  return {text};\n{pad}}}"
        finally:
            self.scopes.pop()
        prefix = "async " if self.is_async else ""
        impl = f"{prefix}({js_params}) => {text}" if arrow else f"{prefix}function ({js_params}) {text}"
        return f"{self.helper('__fn')}({js_string(name)}, {len(params)}, {impl})"

    # -- expressions -------------------------------------------------------------------------------

    def expr(self, node: ast.Expr) -> str:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error("Expression is nested too deeply to transpile", node)
        try:
            return self._expr(node)
        finally:
            self.depth -= 1

    def key(self, key: str | int) -> str:
        if isinstance(key, int) and not isinstance(key, bool):
            return self.number(key)
        return js_string(str(key))

    def _expr(self, node: ast.Expr) -> str:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Field):
            return self.field(node)
        if isinstance(node, ast.Index):
            return f"{self.site(node)}{self.helper('__get')}({self.expr(node.obj)}, {self.expr(node.key)})"
        if isinstance(node, ast.TupleAccess):
            return f"{self.site(node)}{self.helper('__get')}({self.expr(node.obj)}, {node.index})"
        if isinstance(node, ast.Arithmetic):
            return self.binary(_ARITHMETIC[node.op], node.left, node.right, "arithmetic", None)
        if isinstance(node, ast.Negate):
            self.helpers.add("arithmetic")
            return f"__minus(0, {self.expr(node.expr)})"
        if isinstance(node, ast.Compare):
            if node.op not in _COMPARE:
                raise self.error(f"Operator `{node.op}` is not supported by the JavaScript back end", node)
            section = "membership" if "in" in node.op.split() else "regex" if "~" in node.op or "like" in node.op else "compare"
            site = self.site(node) if node.op in _FALLIBLE else ""
            return self.binary(_COMPARE[node.op], node.left, node.right, section, site)
        if isinstance(node, ast.IsNull):
            return f"({self.expr(node.expr)} {'!==' if node.negated else '==='} null)"
        if isinstance(node, ast.Between):
            self.helpers.add("compare")
            fn = "__notBetween" if node.negated else "__between"
            return f"{fn}({self.expr(node.expr)}, {self.expr(node.low)}, {self.expr(node.high)})"
        if isinstance(node, (ast.And, ast.Or)):
            return self.logic(node)
        if isinstance(node, ast.Not):
            return f"!{self.operand(node.expr)}"
        if isinstance(node, ast.NullishCoalesce):
            return f"({self.expr(node.left)} ?? {self.expr(node.right)})"
        if isinstance(node, ast.Ternary):
            return f"({self.truthy(node.cond)} ? {self.expr(node.then)} : {self.expr(node.else_)})"
        if isinstance(node, ast.Concat):
            return self.builtin_call("concat", [self.expr(e) for e in node.exprs], node)
        if isinstance(node, ast.TemplateString):
            if not node.parts:
                return '""'
            if len(node.parts) == 1:
                return self.expr(node.parts[0])
            return self.builtin_call("concat", [self.expr(e) for e in node.parts], node)
        if isinstance(node, ast.ArrayLit):
            return "[" + ", ".join(self.expr(e) for e in node.items) + "]"
        if isinstance(node, ast.TupleLit):
            return f"{self.helper('__tuple')}([{', '.join(self.expr(e) for e in node.items)}])"
        if isinstance(node, ast.DictLit):
            pairs = ", ".join(f"[{self.expr(k)}, {self.expr(v)}]" for k, v in node.items)
            return f"{self.site(node)}{self.helper('__dict')}([{pairs}])"
        if isinstance(node, ast.Lambda):
            return self.function("lambda", node.params, node.body, self.indent, arrow=True)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.ExprCall):
            args = ", ".join(self.expr(a) for a in node.args)
            return self.local_call(args, self.expr(node.callee), node)
        raise self.error(f"{type(node).__name__} is not supported by the JavaScript back end", node)

    def operand(self, node: ast.Expr) -> str:
        """An expression in a position where JavaScript's operator precedence could bind it wrongly."""
        text = self.expr(node)
        if re.fullmatch(r"[A-Za-z0-9_$.\"]+|\(.*\)", text) and not text.startswith("-"):
            return text
        return f"({text})"

    def truthy(self, node: ast.Expr) -> str:
        return self.expr(node)

    def binary(self, helper: str, left: ast.Expr, right: ast.Expr, section: str, site: str | None) -> str:
        self.helpers.add(section)
        site = site or ""
        right_js = self.expr(right)
        left_js = self.expr(left)
        if _order_free(left) or _order_free(right) or (self.is_local_read(left) and self.is_local_read(right)):
            return f"{site}{helper}({left_js}, {right_js})"
        return f"{site}{helper}RL({right_js}, {left_js})"

    def is_local_read(self, node: ast.Expr) -> bool:
        """Reading a local variable: no effect, and when both operands are such reads, no order."""
        return isinstance(node, ast.Field) and len(node.chain) == 1 and self.lookup(str(node.chain[0])) is not None

    def logic(self, node: ast.And | ast.Or) -> str:
        # The VM evaluates every operand (no short-circuit) and gives a boolean.
        items = [self.expr(e) for e in node.exprs]
        joiner = " && " if isinstance(node, ast.And) else " || "
        if all(_order_free(e) for e in node.exprs):
            return "(" + joiner.join(f"!!{_paren(i)}" for i in items) + ")"
        helper = "__all" if isinstance(node, ast.And) else "__any"
        return f"{helper}([{', '.join(items)}])"

    def constant(self, node: ast.Constant) -> str:
        value = node.value
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, str):
            return js_string(value)
        return self.number(value)

    def number(self, value: int | float) -> str:
        if isinstance(value, float):
            if value != value:
                return "(0 / 0)"
            if value in (float("inf"), float("-inf")):
                return "(1 / 0)" if value > 0 else "(-1 / 0)"
            text = repr(value)
        else:
            text = str(value)
        return f"({text})" if text.startswith("-") else text

    def field(self, node: ast.Field) -> str:
        root = str(node.chain[0])
        js_name = self.lookup(root)
        if js_name is not None:
            text = js_name
            for key in node.chain[1:]:
                text = f"{self.site(node)}{self.helper('__get')}({text}, {self.key(key)})"
            return text
        if len(node.chain) == 1:
            if root in self.unsupported:
                raise self.error(f"{root}() is not supported by the JavaScript back end", node)
            self.note_builtin_value(root)
        chain = ", ".join(self.key(k) for k in node.chain)
        return f"{self.site(node)}__global(__rt, [{chain}])"

    def note_builtin_value(self, name: str) -> None:
        """A bare name that is no local may be a built-in used as a value: include it."""
        if name in self.natives and name not in self.async_names:
            self.stl.add(name)
        elif name in self.hog_stl_arity:
            self.hog_stl.add(name)

    # -- calls -------------------------------------------------------------------------------------

    def local_call(self, args: str, callee: str, node: ast.Node) -> str:
        site = self.site(node)
        if self.is_async:
            return f"({site}await {site}__callAsync(__rt, [{args}], {callee}))"
        return f"{site}__call(__rt, [{args}], {callee})"

    def call(self, node: ast.Call) -> str:
        if node.params is not None:
            args = ", ".join(self.expr(a) for a in node.args)
            inner = self.call(ast.Call(node.name, node.params, span=node.span))
            return self.local_call(args, inner, node)
        special = self.special_call(node)
        if special is not None:
            return special
        args = [self.expr(a) for a in node.args]
        local = self.lookup(node.name)
        if local is not None:
            return self.local_call(", ".join(args), local, node)
        return self.builtin_call(node.name, args, node)

    def special_call(self, node: ast.Call) -> str | None:
        """Calls the compiler turns into operators and jumps (checked before locals, as it does)."""
        name, args = node.name, node.args
        if name == "not" and len(args) == 1:
            return f"!{self.operand(args[0])}"
        if name in ("and", "or") and len(args) > 1:
            return self.logic(ast.And(args) if name == "and" else ast.Or(args))
        if name == "if" and len(args) in (2, 3):
            otherwise = self.expr(args[2]) if len(args) == 3 else "null"
            return f"({self.expr(args[0])} ? {self.expr(args[1])} : {otherwise})"
        if name == "multiIf" and len(args) >= 2:
            return self.expr(_multi_if(args, node))
        if name == "ifNull" and len(args) == 2:
            return f"({self.expr(args[0])} ?? {self.expr(args[1])})"
        if name == "import":
            raise self.error("import() is not supported by the JavaScript back end", node)
        return None

    def builtin_call(self, name: str, args: list[str], node: ast.Node) -> str:
        """A call of a name that is no local: async host function, built-in, or host function."""
        site = self.site(node)
        joined = ", ".join(args)
        if name in self.unsupported:
            raise self.error(f"{name}() is not supported by the JavaScript back end", node)
        if name in self.async_names:
            return f"({site}await {site}__asyncCall(__rt, {js_string(name)}, [{joined}]))"
        if name in self.natives:
            low, high = self.natives[name]
            if len(args) > 300 or len(args) < low or (high is not None and len(args) > high):
                high_js = "null" if high is None else str(high)
                return f"{site}__arityError({js_string(name)}, [{joined}].length, {low}, {high_js})"
            self.stl.add(name)
            padded = args + ["null"] * ((high or 0) - len(args))
            return f"{site}__stl_{name}(__rt{''.join(', ' + a for a in padded)})"
        if name in self.hog_stl_arity:
            self.hog_stl.add(name)
            count = self.hog_stl_arity[name]
            call = f"{site}__callHogStl(__rt, {js_string(name)}, {count}, __hog_{name}, [{joined}])"
            return f"({site}await {call})" if self.is_async else call
        return f"{site}__callGlobal(__rt, {js_string(name)}, [{joined}])"


def _mentions(node: object, name: str) -> bool:
    """Whether `name` is read or called anywhere inside `node`."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Field) and current.chain and current.chain[0] == name:
            return True
        if isinstance(current, ast.Call) and current.name == name:
            return True
        if isinstance(current, ast.Node):
            for value in vars(current).values():
                if isinstance(value, ast.Node):
                    stack.append(value)
                elif isinstance(value, tuple):
                    for item in value:
                        if isinstance(item, ast.Node):
                            stack.append(item)
                        elif isinstance(item, tuple):
                            stack.extend(x for x in item if isinstance(x, ast.Node))
    return False


def _paren(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_$.\"]+|\(.*\)", text) else f"({text})"


def _order_free(node: ast.Expr) -> bool:
    """True when evaluating `node` has no effect and can not be affected by other code: a constant.
    (Reading a variable is not enough: the other operand may be a call that assigns it.)"""
    return isinstance(node, ast.Constant)


def _multi_if(args: tuple[ast.Expr, ...], node: ast.Call) -> ast.Expr:
    """`multiIf(c1, a1, c2, a2, ..., else)` as nested ternaries built from the last pair backwards."""
    if len(args) % 2 == 1:
        result: ast.Expr = args[-1]
        pairs = args[:-1]
    else:
        pairs = args[:-2]
        result = ast.Ternary(args[-2], args[-1], ast.Constant(None), span=node.span)
    for index in range(len(pairs) - 2, -1, -2):
        result = ast.Ternary(pairs[index], pairs[index + 1], result, span=node.span)
    return result


def uses_async(node: object, async_names: frozenset[str]) -> bool:
    """Whether the program calls or names an async function anywhere: then every Hog function becomes
    an async JavaScript function and every call is awaited."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call) and current.name in async_names:
            return True
        if isinstance(current, ast.Field) and current.chain and current.chain[0] in async_names:
            return True
        if isinstance(current, ast.Node):
            for value in vars(current).values():
                if isinstance(value, ast.Node):
                    stack.append(value)
                elif isinstance(value, tuple):
                    for item in value:
                        if isinstance(item, ast.Node):
                            stack.append(item)
                        elif isinstance(item, tuple):
                            stack.extend(x for x in item if isinstance(x, ast.Node))
    return False


# ---------------------------------------------------------------------------------------------------
# Front door

FORMATS = ("module", "script", "runner")


@dataclass
class TranspileResult:
    """The JavaScript text, and the facts a host needs about it."""

    code: str
    format: str
    is_async: bool
    async_names: frozenset[str]


def transpile_program(program: ast.Program, *, format: str = "module", source: str | None = None,
                      name: str = "<source>",
                      async_functions: frozenset[str] | set[str] = ASYNC_HOST_FUNCTIONS) -> TranspileResult:
    """Translate a parsed program into JavaScript.

    format="module": a standalone ES module exporting `run(globals, host)` (async; resolves to the
    returned value as plain JSON). format="script": a node script that runs the program with empty
    globals and prints its output (and any error) as `hoglite run` does. format="runner": the text the
    batch runner (hoglite.transpile.node) evaluates. `async_functions` names the host's async functions
    (`fetch` by default); `sleep` is always async. Raises HogSyntaxError (positioned) for a program
    either back end rejects.
    """
    from hoglite.compiler import compile_program
    from hoglite.transpile import runtime

    if format not in FORMATS:
        raise ValueError(f"unknown output format {format!r} (expected one of {', '.join(FORMATS)})")
    compile_program(program, source=source, name=name)  # the same checks (and errors) as the VM back end
    async_names = frozenset(async_functions) | ASYNC_BUILTINS
    is_async = uses_async(program, async_names)
    transpiler = Transpiler(
        async_names=async_names, natives=runtime.native_arities(), hog_stl=runtime.hog_stl_arities(),
        is_async=is_async, record_sites=format != "module", unsupported=runtime.unsupported_natives(),
    )
    result = transpiler.program(program)
    helpers = set(result.helpers) | {"run"} | ({"script"} if format == "script" else set())
    runtime_text = runtime.collect(helpers, result.stl, result.hog_stl, is_async)
    names_js = json.dumps(sorted(async_names))
    header = "'use strict';\n// Generated by hoglite from Hog source: the runtime it uses, then the program.\n"
    if format == "module":
        tail = (
            "export async function run(globals = {}, host = {}) {\n"
            f"  const rt = __runtime(globals, host, {names_js});\n"
            "  return __toJson(await __program(rt));\n"
            "}\n"
            "export { __HogRuntimeError as HogRuntimeError, __HogThrow as HogThrow, __printValue as printValue };\n"
        )
        text = header + runtime_text + "\n" + result.code + "\n" + tail
        return TranspileResult(_strip_sites(text), format, is_async, async_names)
    body = header + runtime_text + "\n" + result.code + "\n"
    marker = "\x03SOURCE\x03"
    if format == "script":
        body += f"__runScript(__program, {names_js}, {marker});\n"
    else:
        body += (
            f"globalThis.__hogliteProgram = {{ program: __program, asyncNames: {names_js}, source: {marker}, "
            "HogThrow: __HogThrow, HogRuntimeError: __HogRuntimeError };\n"
        )
    text, positions = runtime.site_table(body, result.sites)
    sites = [[s.start, s.end, s.line, s.column, s.end_line, s.end_column] for s in result.sites]
    source_js = (
        f"{{ name: {js_string(name)}, text: {'null' if source is None else js_string(source)}, "
        f"sites: {json.dumps(sites, separators=(',', ':'))}, "
        f"siteAt: {json.dumps(positions, separators=(',', ':'))} }}"
    )
    return TranspileResult(text.replace(marker, source_js), format, is_async, async_names)


def _strip_sites(text: str) -> str:
    return re.sub(f"{SITE_START}[0-9]+{SITE_END}", "", text)


def transpile_source(source: str, *, name: str = "<source>", format: str = "module",
                     async_functions: frozenset[str] | set[str] = ASYNC_HOST_FUNCTIONS) -> TranspileResult:
    """Parse and transpile Hog source (see `transpile_program`). Errors carry the source for rendering."""
    from hoglite.syntax import parse_program

    try:
        program = parse_program(source, name=name)
        return transpile_program(program, format=format, source=source, name=name,
                                 async_functions=async_functions)
    except HogSyntaxError as error:
        if error.source is None:
            error.source = source
            error.source_name = name
        raise

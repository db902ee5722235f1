"""Hog to JavaScript.

The output keeps the shape of the source: one Hog statement becomes one JavaScript statement, Hog
blocks become JavaScript blocks, Hog functions become JavaScript closures (which capture variables by
reference, as Hog closures do). Every operation whose meaning differs between Hog and JavaScript goes
through a small runtime helper (`__get`, `__plus`, `__eq`, ...), so the program behaves exactly as it
does on the VM. Helpers and standard-library functions are emitted only when the program uses them.

Two rules keep the translation faithful:
- evaluation order is the VM's: binary operators evaluate their right operand first, calls evaluate
  their arguments before the callee;
- every name and string literal reaches the output through `js_identifier` / `js_string`, so no Hog
  text can ever be read as JavaScript.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from hoglite.errors import HogSyntaxError
from hoglite.syntax import ast
from hoglite.transpile.runtime import STL_FUNCTIONS, collect_runtime

MAX_NESTING = 400  # a recursive walk over the AST; deeper programs are rejected with a clear error

_JS_RESERVED = frozenset(
    """break case catch class const continue debugger default delete do else enum export extends false
    finally for function if import in instanceof new null return super switch this throw true try typeof
    var void while with yield let static implements interface package private protected public await
    async arguments eval undefined NaN Infinity globalThis""".split()
)
_PLAIN_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")

# Built-ins the compiler turns into operators or jumps; they never reach the standard library.
_SPECIAL_CALLS = frozenset({"if", "multiIf", "ifNull", "not", "and", "or"})
ASYNC_HOST_FUNCTIONS = frozenset({"fetch", "sleep"})

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


def js_string(value: str) -> str:
    """A JavaScript string literal for any text: pure ASCII, so nothing in it can end the literal."""
    return json.dumps(value, ensure_ascii=True)


@dataclass
class _Scope:
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class TranspiledProgram:
    """The JavaScript text plus what it needs from its host."""

    code: str
    is_async: bool
    runtime_helpers: list[str]


class Transpiler:
    def __init__(self, *, async_functions: frozenset[str] = ASYNC_HOST_FUNCTIONS) -> None:
        self.async_functions = async_functions
        self.scopes: list[_Scope] = []
        self.used: set[str] = set()
        self.counter = 0
        self.is_async = False
        self.depth = 0
        self.function_depth = 0

    # -- names -------------------------------------------------------------------------------------

    def js_identifier(self, name: str) -> str:
        """A safe JavaScript name for a Hog local. Names that could clash with the runtime or with
        JavaScript itself are renamed; the mapping is per declaration, so shadowing still works."""
        if _PLAIN_NAME.match(name) and name not in _JS_RESERVED and not name.startswith("__"):
            return name
        self.counter += 1
        cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)[:40]
        return f"_v{self.counter}_{cleaned}"

    def declare(self, name: str) -> str:
        js_name = self.js_identifier(name)
        self.scopes[-1].names[name] = js_name
        return js_name

    def lookup(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope.names:
                return scope.names[name]
        return None

    def temp(self, hint: str) -> str:
        self.counter += 1
        return f"__{hint}{self.counter}"

    def helper(self, name: str) -> str:
        self.used.add(name)
        return name

    def error(self, message: str, node: ast.Node) -> HogSyntaxError:
        return HogSyntaxError(message, span=node.span)

    # -- program -----------------------------------------------------------------------------------

    def transpile_program(self, program: ast.Program) -> TranspiledProgram:
        self.is_async = _uses_async(program, self.async_functions)
        self.scopes = [_Scope()]
        body = self.statements(program.statements, indent=1)
        fn = "async function" if self.is_async else "function"
        code = f"{fn} __program(__globals, __host) {{\n{body}  return null;\n}}\n"
        return TranspiledProgram(code=code, is_async=self.is_async, runtime_helpers=sorted(self.used))

    # -- statements --------------------------------------------------------------------------------

    def statements(self, statements: tuple[ast.Stmt, ...], indent: int) -> str:
        return "".join(self.statement(statement, indent) for statement in statements)

    def block(self, block: ast.Stmt, indent: int, *, prologue: str = "") -> str:
        """A statement that opens its own scope, as `{ ... }` text (without leading indentation)."""
        pad = "  " * indent
        self.scopes.append(_Scope())
        try:
            if isinstance(block, ast.Block):
                inner = self.statements(block.statements, indent + 1)
            else:
                inner = self.statement(block, indent + 1)
        finally:
            self.scopes.pop()
        return "{\n" + prologue + inner + pad + "}"

    def statement(self, node: ast.Stmt, indent: int) -> str:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error("Program is nested too deeply to transpile", node)
        try:
            return self._statement(node, indent)
        finally:
            self.depth -= 1

    def _statement(self, node: ast.Stmt, indent: int) -> str:
        pad = "  " * indent
        if isinstance(node, ast.ExprStmt):
            return f"{pad}{self.expr(node.expr)};\n"
        if isinstance(node, ast.VarDecl):
            # Declare first: the initialiser may be a lambda that calls itself by this name.
            js_name = self.declare(node.name)
            value = self.expr(node.expr) if node.expr is not None else "null"
            return f"{pad}let {js_name} = {value};\n"
        if isinstance(node, ast.Assign):
            return pad + self.assignment(node) + ";\n"
        if isinstance(node, ast.Return):
            value = self.expr(node.expr) if node.expr is not None else "null"
            return f"{pad}return {value};\n"
        if isinstance(node, ast.Throw):
            if node.expr is None:
                raise self.error("throw needs an error value", node)
            return f"{pad}throw {self.helper('__throwable')}({self.expr(node.expr)});\n"
        if isinstance(node, ast.Block):
            return pad + self.block(node, indent) + "\n"
        if isinstance(node, ast.If):
            text = f"{pad}if ({self.expr(node.cond)}) " + self.block(node.then, indent)
            if node.else_ is not None:
                text += " else " + self.block(node.else_, indent)
            return text + "\n"
        if isinstance(node, ast.While):
            return f"{pad}while ({self.expr(node.cond)}) " + self.block(node.body, indent) + "\n"
        if isinstance(node, ast.For):
            return self.for_loop(node, indent)
        if isinstance(node, ast.ForIn):
            return self.for_in(node, indent)
        if isinstance(node, ast.Function):
            js_name = self.declare(node.name)
            return f"{pad}let {js_name} = {self.function(node.name, node.params, node.body, indent)};\n"
        if isinstance(node, ast.Try):
            return self.try_catch(node, indent)
        raise self.error(f"Statement {type(node).__name__} is not supported by the JavaScript back end", node)

    def assignment(self, node: ast.Assign) -> str:
        target = node.target
        if isinstance(target, ast.Field) and len(target.chain) == 1:
            js_name = self.lookup(str(target.chain[0]))
            if js_name is None:
                raise self.error(
                    f'Variable "{target.chain[0]}" not declared in this scope. Can not assign to globals.', target
                )
            return f"{js_name} = {self.expr(node.value)}"
        if isinstance(target, ast.Field):
            base = self.field(ast.Field(target.chain[:-1], span=target.span))
            key = target.chain[-1]
            key_js = js_string(key) if isinstance(key, str) else str(key)
        elif isinstance(target, ast.Index):
            base = self.expr(target.obj)
            key_js = self.expr(target.key)
        elif isinstance(target, ast.TupleAccess):
            base = self.expr(target.obj)
            key_js = str(target.index)
        else:
            raise self.error("Can not assign to this type of expression", target)
        return f"{self.helper('__set')}({base}, {key_js}, {self.expr(node.value)})"

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
        # One loop variable for the whole loop (closures made in the body see its latest value), so
        # the loop is a while loop in a block rather than JavaScript's per-iteration `for (let ...)`.
        pad = "  " * indent
        inner_pad = "  " * (indent + 1)
        self.scopes.append(_Scope())
        try:
            init = self.header_part(node.init)
            cond = self.expr(node.cond) if node.cond is not None else "true"
            body = self.block(node.body, indent + 1)
            step = self.header_part(node.step)
        finally:
            self.scopes.pop()
        text = pad + "{\n"
        if init:
            text += inner_pad + init + "\n"
        text += f"{inner_pad}while ({cond}) {{\n{inner_pad}  {body}\n"
        if step:
            text += f"{inner_pad}  {step}\n"
        text += inner_pad + "}\n" + pad + "}\n"
        return text

    def for_in(self, node: ast.ForIn, indent: int) -> str:
        pad = "  " * indent
        inner = "  " * (indent + 1)
        self.scopes.append(_Scope())
        try:
            source = self.temp("source")
            keys = self.temp("keys")
            values = self.temp("values")
            index = self.temp("i")
            lines = [f"const {source} = {self.expr(node.expr)};"]
            if node.key is not None:
                lines.append(f"const {keys} = {self.stl_call('keys', [source])};")
            lines.append(f"const {values} = {self.stl_call('values', [source])};")
            limit = self.temp("limit")
            lines.append(f"const {limit} = {self.stl_call('length', [values])};")
            key_js = self.declare(node.key) if node.key is not None else None
            value_js = self.declare(node.value)
            if key_js:
                lines.append(f"let {key_js} = null;")
            lines.append(f"let {value_js} = null;")
            get = self.helper("__get")
            loop_lines = []
            if key_js:
                loop_lines.append(f"{key_js} = {get}({keys}, {index});")
            loop_lines.append(f"{value_js} = {get}({values}, {index});")
            body = self.block(node.body, indent + 2)
        finally:
            self.scopes.pop()
        lte = self.helper("__ltEq")
        text = pad + "{\n" + "".join(inner + line + "\n" for line in lines)
        text += f"{inner}for (let {index} = 1; {lte}({index}, {limit}); {index}++) {{\n"
        text += "".join(inner + "  " + line + "\n" for line in loop_lines)
        text += f"{inner}  {body}\n{inner}}}\n{pad}}}\n"
        return text

    def try_catch(self, node: ast.Try, indent: int) -> str:
        if node.finally_ is not None:
            raise self.error("finally blocks are not yet supported", node)
        if not node.catches:
            raise self.error("try statement must have at least one catch block", node)
        pad = "  " * indent
        inner = "  " * (indent + 1)
        caught = self.temp("caught")
        text = pad + "try " + self.block(node.body, indent) + f" catch ({caught}) {{\n"
        text += f"{inner}if (!({caught} instanceof {self.helper('HogThrow')})) throw {caught};\n"
        self.scopes.append(_Scope())
        try:
            # As in PostHog's compiler, `e` (the error) and `type` (its type) are visible in every clause.
            e_js = self.declare("e")
            type_js = self.declare("type")
            text += f"{inner}let {e_js} = {caught}.value;\n"
            text += f"{inner}let {type_js} = {self.helper('__get')}({e_js}, 'type');\n"
            branches = []
            for clause in node.catches:
                prologue = ""
                self.scopes.append(_Scope())
                try:
                    if clause.var is not None and clause.var != "e":
                        var_js = self.declare(clause.var)
                        prologue = f"{inner}  let {var_js} = {e_js};\n"
                    body = self.statements(clause.body.statements, indent + 2)
                finally:
                    self.scopes.pop()
                condition = (
                    "true"
                    if clause.type in (None, "Error")
                    else f"{self.helper('__eq')}({type_js}, {js_string(clause.type)})"
                )
                branches.append((condition, "{\n" + prologue + body + inner + "}"))
        finally:
            self.scopes.pop()
        first = True
        for condition, body in branches:
            keyword = "if" if first else " else if"
            text += (inner if first else "") + f"{keyword} ({condition}) {body}"
            first = False
        text += f" else {{\n{inner}  throw {caught};\n{inner}}}\n{pad}}}\n"
        return text

    def function(self, name: str, params: tuple[str, ...], body: ast.Block | ast.Expr, indent: int) -> str:
        pad = "  " * indent
        self.scopes.append(_Scope())
        self.function_depth += 1
        try:
            js_params = [self.declare(param) for param in params]
            prologue = "".join(f"{pad}  if ({p} === undefined) {p} = null;\n" for p in js_params)
            if isinstance(body, ast.Block):
                inner = self.statements(body.statements, indent + 1)
                text = "{\n" + prologue + inner + f"{pad}  return null;\n{pad}}}"
            elif isinstance(body, ast.Placeholder):
                inner = f"{pad}  {self.expr(body.expr)};\n"
                text = "{\n" + prologue + inner + f"{pad}  return null;\n{pad}}}"
            else:
                text = "{\n" + prologue + f"{pad}  return {self.expr(body)};\n{pad}}}"
        finally:
            self.function_depth -= 1
            self.scopes.pop()
        keyword = "async function" if self.is_async else "function"
        return f"{self.helper('__fn')}({js_string(name)}, {len(params)}, {keyword} ({', '.join(js_params)}) {text})"

    # -- expressions -------------------------------------------------------------------------------

    def expr(self, node: ast.Expr) -> str:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error("Expression is nested too deeply to transpile", node)
        try:
            return self._expr(node)
        finally:
            self.depth -= 1

    def _expr(self, node: ast.Expr) -> str:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Field):
            return self.field(node)
        if isinstance(node, ast.Index):
            if isinstance(node.key, ast.Constant) and node.key.value == 0 and not isinstance(node.key.value, bool):
                raise self.error("Array access starts from 1", node.key)
            return f"{self.helper('__get')}({self.expr(node.obj)}, {self.expr(node.key)})"
        if isinstance(node, ast.TupleAccess):
            if node.index == 0:
                raise self.error("Array access starts from 1", node)
            return f"{self.helper('__get')}({self.expr(node.obj)}, {node.index})"
        if isinstance(node, ast.Arithmetic):
            # The VM evaluates the right operand first.
            return f"{self.helper(_ARITHMETIC[node.op] + 'RL')}({self.expr(node.right)}, {self.expr(node.left)})"
        if isinstance(node, ast.Negate):
            return f"{self.helper('__minusRL')}({self.expr(node.expr)}, 0)"
        if isinstance(node, ast.Compare):
            return f"{self.helper(_COMPARE[node.op] + 'RL')}({self.expr(node.right)}, {self.expr(node.left)})"
        if isinstance(node, ast.IsNull):
            fn = "__notEqRL" if node.negated else "__eqRL"
            return f"{self.helper(fn)}(null, {self.expr(node.expr)})"
        if isinstance(node, ast.Between):
            fn = "__notBetween" if node.negated else "__between"
            return f"{self.helper(fn)}({self.expr(node.expr)}, {self.expr(node.low)}, {self.expr(node.high)})"
        if isinstance(node, ast.And):
            return f"{self.helper('__and')}({', '.join(self.expr(e) for e in node.exprs)})"
        if isinstance(node, ast.Or):
            return f"{self.helper('__or')}({', '.join(self.expr(e) for e in node.exprs)})"
        if isinstance(node, ast.Not):
            return f"(!{self.expr(node.expr)})"
        if isinstance(node, ast.NullishCoalesce):
            return f"({self.expr(node.left)} ?? {self.expr(node.right)})"
        if isinstance(node, ast.Ternary):
            return f"({self.expr(node.cond)} ? {self.expr(node.then)} : {self.expr(node.else_)})"
        if isinstance(node, ast.Concat):
            return self.stl_call("concat", [self.expr(e) for e in node.exprs])
        if isinstance(node, ast.TemplateString):
            if not node.parts:
                return '""'
            if len(node.parts) == 1:
                return self.expr(node.parts[0])
            return self.stl_call("concat", [self.expr(e) for e in node.parts])
        if isinstance(node, ast.ArrayLit):
            return "[" + ", ".join(self.expr(e) for e in node.items) + "]"
        if isinstance(node, ast.TupleLit):
            return f"{self.helper('__tuple')}([{', '.join(self.expr(e) for e in node.items)}])"
        if isinstance(node, ast.DictLit):
            pairs = ", ".join(f"[{self.expr(k)}, {self.expr(v)}]" for k, v in node.items)
            return f"new Map([{pairs}])"
        if isinstance(node, ast.Lambda):
            return self.function("lambda", node.params, node.body, 1 + self.function_depth)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.ExprCall):
            args = ", ".join(self.expr(a) for a in node.args)
            return self.await_(f"{self.helper('__call')}([{args}], {self.expr(node.callee)})")
        if isinstance(node, ast.Placeholder):
            raise self.error("Placeholders are not allowed in this context", node)
        raise self.error(f"Expression {type(node).__name__} is not supported by the JavaScript back end", node)

    def await_(self, text: str) -> str:
        return f"(await {text})" if self.is_async else text

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
        if isinstance(value, float):
            if value != value:
                return "NaN"
            if value in (float("inf"), float("-inf")):
                return "Infinity" if value > 0 else "(-Infinity)"
            return f"({value!r})"
        return f"({value})" if value < 0 else str(value)

    def field(self, node: ast.Field) -> str:
        root = str(node.chain[0])
        js_name = self.lookup(root)
        if js_name is not None:
            text = js_name
            for key in node.chain[1:]:
                key_js = js_string(key) if isinstance(key, str) else str(key)
                text = f"{self.helper('__get')}({text}, {key_js})"
            return text
        if len(node.chain) == 1 and root in STL_FUNCTIONS:
            self.used.add(f"stl:{root}")  # a built-in used as a value
        chain = ", ".join(js_string(k) if isinstance(k, str) else str(k) for k in node.chain)
        return f"{self.helper('__global')}(__globals, __host, [{chain}])"

    def stl_call(self, name: str, args: list[str]) -> str:
        self.used.add(f"stl:{name}")
        return f"__stl_{name}([{', '.join(args)}])"

    def call(self, node: ast.Call) -> str:
        if node.params is not None:
            inner = ast.Call(node.name, node.params, span=node.span)
            args = ", ".join(self.expr(a) for a in node.args)
            return self.await_(f"{self.helper('__call')}([{args}], {self.call(inner)})")
        name = node.name
        args = [self.expr(a) for a in node.args]
        local = self.lookup(name)
        if local is not None:
            return self.await_(f"{self.helper('__call')}([{', '.join(args)}], {local})")
        if name in _SPECIAL_CALLS:
            return self.special_call(node, args)
        if name in self.async_functions:
            return f"(await {self.helper('__hostAsync')}(__host, {js_string(name)}, [{', '.join(args)}]))"
        if name in STL_FUNCTIONS:
            spec = STL_FUNCTIONS[name]
            if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
                return f"{self.helper('__arity')}({js_string(name)}, {len(args)}, __host, [{', '.join(args)}])"
            call = self.stl_call(name, args)
            return self.await_(call) if spec.calls_back else call
        return f"{self.helper('__callGlobal')}(__host, {js_string(name)}, [{', '.join(args)}])"

    def special_call(self, node: ast.Call, args: list[str]) -> str:
        name = node.name
        if name == "not":
            if len(args) != 1:
                return self.arity_error(name, args)
            return f"(!{args[0]})"
        if name in ("and", "or"):
            return f"{self.helper('__' + name)}({', '.join(args)})"
        if name == "ifNull":
            if len(args) != 2:
                return self.arity_error(name, args)
            return f"({args[0]} ?? {args[1]})"
        if name == "if":
            if len(args) == 2:
                return f"({args[0]} ? {args[1]} : null)"
            if len(args) != 3:
                return self.arity_error(name, args)
            return f"({args[0]} ? {args[1]} : {args[2]})"
        # multiIf(c1, v1, c2, v2, ..., default)
        if len(args) < 3:
            return self.arity_error(name, args)
        default = args[-1] if len(args) % 2 == 1 else "null"
        pairs = args[: len(args) - (len(args) % 2)]
        text = default
        for index in range(len(pairs) - 2, -1, -2):
            text = f"({pairs[index]} ? {pairs[index + 1]} : {text})"
        return text

    def arity_error(self, name: str, args: list[str]) -> str:
        return f"{self.helper('__arity')}({js_string(name)}, {len(args)}, __host, [{', '.join(args)}])"


def _uses_async(node: object, async_functions: frozenset[str]) -> bool:
    """Whether the program calls (or names) an async host function anywhere: then every Hog function
    becomes an async JavaScript function and every call is awaited."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call) and current.name in async_functions:
            return True
        if isinstance(current, ast.Field) and current.chain and current.chain[0] in async_functions:
            return True
        if isinstance(current, (ast.Node,)):
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


def transpile_program(program: ast.Program, *, format: str = "module",
                      async_functions: frozenset[str] = ASYNC_HOST_FUNCTIONS) -> str:
    """Translate a parsed program into a standalone ES module (`format='module'`) or a Node script
    (`format='script'`) that runs the program with empty globals and prints its output."""
    transpiler = Transpiler(async_functions=async_functions)
    result = transpiler.transpile_program(program)
    entry = "__runProgram" if format == "module" else "__runScript"
    runtime = collect_runtime([*result.runtime_helpers, entry], is_async=result.is_async)
    header = "// Generated by hoglite from Hog source. Runtime helpers first, then the program.\n"
    if format == "module":
        tail = (
            "export async function run(globals = {}, host = {}) {\n"
            "  return __runProgram(__program, globals, host);\n"
            "}\n"
        )
        return header + runtime + "\n" + result.code + "\n" + tail
    if format == "script":
        tail = "__runScript(__program);\n"
        return header + runtime + "\n" + result.code + "\n" + tail
    raise ValueError(f"unknown output format {format!r}")


def transpile_source(source: str, *, name: str = "<source>", format: str = "module") -> str:
    from hoglite.syntax import parse_program

    try:
        program = parse_program(source, name=name)
        return transpile_program(program, format=format)
    except HogSyntaxError as error:
        if error.source is None:
            error.source = source
            error.source_name = name
        raise

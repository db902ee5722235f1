"""Tiny AST builders shared by the compiler tests (hand-built trees keep these tests independent of the
parser; tests that go through `compile_source` live beside them)."""

from __future__ import annotations

from hoglite.source import Span
from hoglite.syntax import ast as A


def S(start: int, end: int, line: int = 1) -> Span:
    """A one-line span; columns are offsets + 1."""
    return Span(start, end, line, start + 1, line, end + 1)


def C(value, span: Span | None = None) -> A.Constant:
    return A.Constant(value, span=span) if span else A.Constant(value)


def F(*chain, span: Span | None = None) -> A.Field:
    return A.Field(tuple(chain), span=span) if span else A.Field(tuple(chain))


def call(name: str, *args, span: Span | None = None) -> A.Call:
    return A.Call(name, tuple(args), span=span) if span else A.Call(name, tuple(args))


def block(*statements) -> A.Block:
    return A.Block(tuple(statements))


def let(name: str, expr=None, span: Span | None = None) -> A.VarDecl:
    return A.VarDecl(name, expr, span=span) if span else A.VarDecl(name, expr)


def expr(e) -> A.ExprStmt:
    return A.ExprStmt(e)


def prog(*statements) -> A.Program:
    return A.Program(tuple(statements))


def printed(*args) -> A.ExprStmt:
    return A.ExprStmt(call("print", *args))


def lam(params, body) -> A.Lambda:
    return A.Lambda(tuple(params), body)


def fun(name: str, params, *statements) -> A.Function:
    return A.Function(name, tuple(params), block(*statements))


def assign(target, value, span: Span | None = None) -> A.Assign:
    return A.Assign(target, value, span=span) if span else A.Assign(target, value)


def add(left, right) -> A.Arithmetic:
    return A.Arithmetic("+", left, right)


def catch(body, var=None, type_=None) -> A.Catch:
    return A.Catch(var, type_, body)

"""Hog syntax: lexer, LALR parser (lark), AST and printer."""

from hoglite.syntax.parser import parse_expression, parse_program, parse_template
from hoglite.syntax.printer import print_expr, print_program

__all__ = ["parse_program", "parse_expression", "parse_template", "print_program", "print_expr"]

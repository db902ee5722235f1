"""Exact bytecode for every construct (hog-bytecode.md §5 and the worked examples of §10)."""

from __future__ import annotations

import json

import pytest
from test_compiler_helpers import C, F, S, add, assign, block, call, catch, expr, fun, lam, let, printed, prog

from hoglite.compiler import CompiledProgram, Op, compile_program
from hoglite.compiler.disasm import disassemble
from hoglite.compiler.emit import compile_function_body
from hoglite.errors import HogSyntaxError
from hoglite.syntax import ast as A


def code(*statements) -> list:
    """The bytecode of a program, header stripped."""
    bytecode = compile_program(prog(*statements)).bytecode
    assert bytecode[:2] == ["_H", 1]
    return bytecode[2:]


def expr_code(e) -> list:
    """The bytecode of an expression statement, without its final POP."""
    result = code(expr(e))
    assert result[-1] == 35
    return result[:-1]


# ---------------------------------------------------------------------------------------------------
# opcodes


def test_op_table_has_the_57_posthog_names():
    assert len(Op) == 57
    assert [op.value for op in Op] == list(range(1, 58))
    assert Op(1).name == "GET_GLOBAL" and Op(47).name == "JUMP_IF_STACK_NOT_NULL" and Op(57).name == "CLOSE_UPVALUE"
    assert Op.GET_PROPERTY_NULLISH == 48 and Op.CALLABLE == 52 and Op.IN_COHORT == 27


# ---------------------------------------------------------------------------------------------------
# expressions (§5.2)


def test_constants():
    assert expr_code(C(True)) == [29]
    assert expr_code(C(False)) == [30]
    assert expr_code(C(None)) == [31]
    assert expr_code(C(42)) == [33, 42]
    assert expr_code(C("s")) == [32, "s"]


def test_floats_stay_floats_and_big_ints_stay_ints():
    result = expr_code(C(1.0))
    assert result == [34, 1.0] and isinstance(result[1], float)
    assert json.dumps(result) == "[34, 1.0]"
    big = 2**53 + 1
    assert expr_code(C(big)) == [33, big]
    assert json.dumps(expr_code(C(big))) == f"[33, {big}]"


def test_binary_ops_push_right_then_left():
    assert code(expr(add(C(1), C(2)))) == [33, 2, 33, 1, 6, 35]
    assert expr_code(A.Compare("=~", C("string"), C("regex"))) == [32, "regex", 32, "string", 23]
    ops = {"-": 7, "*": 8, "/": 9, "%": 10}
    for op, number in ops.items():
        assert expr_code(A.Arithmetic(op, C(1), C(2))) == [33, 2, 33, 1, number]


@pytest.mark.parametrize(
    ("op", "number"),
    [("==", 11), ("!=", 12), (">", 13), (">=", 14), ("<", 15), ("<=", 16), ("like", 17), ("ilike", 18),
     ("not like", 19), ("not ilike", 20), ("in", 21), ("not in", 22), ("=~", 23), ("!~", 24), ("=~*", 25),
     ("!~*", 26)],
)  # fmt: skip
def test_comparison_ops(op, number):
    assert expr_code(A.Compare(op, C("a"), C("b"))) == [32, "b", 32, "a", number]


def test_and_or_are_n_ary_without_short_circuit():
    e = A.Or((C(1), A.And((C(2), C(1))), C(2)))
    assert expr_code(e) == [33, 1, 33, 2, 33, 1, 3, 2, 33, 2, 4, 3]
    assert expr_code(A.Not(C(True))) == [29, 5]


def test_not_and_or_written_as_calls_compile_to_ops():
    assert expr_code(call("not", C(1))) == [33, 1, 5]
    assert expr_code(call("and", C(1), C(0), C(1))) == [33, 1, 33, 0, 33, 1, 3, 3]
    assert expr_code(call("or", C(1), C(0))) == [33, 1, 33, 0, 4, 2]
    # one-argument and() is an ordinary call, as in PostHog
    assert expr_code(call("and", C(1))) == [33, 1, 2, "and", 1]


def test_unary_minus_is_zero_minus():
    assert expr_code(A.Negate(F("x"))) == [32, "x", 1, 1, 33, 0, 7]


def test_is_null():
    assert expr_code(A.IsNull(F("x"))) == [31, 32, "x", 1, 1, 11]
    assert expr_code(A.IsNull(F("x"), negated=True)) == [31, 32, "x", 1, 1, 12]


def test_global_field_chain_is_reversed():
    assert expr_code(F("properties", "bla")) == [32, "bla", 32, "properties", 1, 2]
    assert expr_code(F("event", "properties", "x")) == [32, "x", 32, "properties", 32, "event", 1, 3]


def test_local_field_chain_reads_properties():
    assert code(let("obj", A.DictLit(())), expr(F("obj", "a", "b"))) == [
        42, 0, 36, 0, 32, "a", 45, 32, "b", 45, 35, 35,
    ]  # fmt: skip
    assert code(let("t", A.ArrayLit(())), expr(F("t", "a", 2))) == [43, 0, 36, 0, 32, "a", 45, 33, 2, 45, 35, 35]


def test_index_and_tuple_access():
    assert code(let("arr"), expr(A.Index(F("arr"), C(1)))) == [31, 36, 0, 33, 1, 45, 35, 35]
    assert code(let("arr"), expr(A.Index(F("arr"), C(1), nullish=True))) == [31, 36, 0, 33, 1, 48, 35, 35]
    assert code(let("t"), expr(A.TupleAccess(F("t"), 1))) == [31, 36, 0, 33, 1, 45, 35, 35]
    assert code(let("t"), expr(A.TupleAccess(F("t"), 2, nullish=True))) == [31, 36, 0, 33, 2, 48, 35, 35]


def test_containers():
    assert expr_code(A.DictLit(((C("a"), C(1)), (C("b"), C(2))))) == [32, "a", 33, 1, 32, "b", 33, 2, 42, 2]
    assert expr_code(A.ArrayLit((C(1), C(2), C(3)))) == [33, 1, 33, 2, 33, 3, 43, 3]
    assert expr_code(A.TupleLit((C(1), C(2)))) == [33, 1, 33, 2, 44, 2]
    assert expr_code(A.ArrayLit(())) == [43, 0]


def test_global_call():
    assert expr_code(call("concat", C("arg"), C("another"))) == [32, "arg", 32, "another", 2, "concat", 2]


def test_concat_operator_is_a_concat_call():
    assert expr_code(A.Concat((C("a"), C("b"), C(1)))) == [32, "a", 32, "b", 33, 1, 2, "concat", 3]


def test_call_of_local_and_upvalue():
    assert code(let("f"), expr(call("f", C(1), C(2)))) == [31, 33, 1, 33, 2, 36, 0, 54, 2, 35, 35]
    program = [let("f"), expr(lam(["x"], call("f", F("x"))))]
    assert code(*program) == [
        31,
        52, "lambda", 1, 1, 7, 36, 0, 55, 0, 54, 1, 38, 53, 1, True, 0,
        35,
        57,
    ]  # fmt: skip


def test_expression_call():
    assert expr_code(A.ExprCall(F("g"), (C(1),))) == [33, 1, 32, "g", 1, 1, 54, 1]
    identity = lam(["x"], F("x"))
    assert expr_code(A.ExprCall(identity, (C(1),))) == [33, 1, 52, "lambda", 1, 0, 3, 36, 0, 38, 53, 0, 54, 1]


def test_parametric_call():
    e = A.Call("quantile", (F("x"),), params=(C(0.5),))
    assert expr_code(e) == [32, "x", 1, 1, 34, 0.5, 2, "quantile", 1, 54, 1]


def test_lambda_bodies():
    # expression body
    assert expr_code(lam(["x"], A.Arithmetic("*", F("x"), C(2)))) == [
        52, "lambda", 1, 0, 6, 33, 2, 36, 0, 8, 38, 53, 0,
    ]  # fmt: skip
    # block body: implicit return null inside the block
    assert expr_code(lam([], block(printed(C("side effect"))))) == [
        52, "lambda", 0, 0, 8, 32, "side effect", 2, "print", 1, 35, 31, 38, 53, 0,
    ]  # fmt: skip
    # `x -> {x * 2}`: the placeholder is evaluated as a statement and null is returned
    body = A.Placeholder(A.Arithmetic("*", F("x"), C(2)))
    assert expr_code(lam(["x"], body)) == [52, "lambda", 1, 0, 8, 33, 2, 36, 0, 8, 35, 31, 38, 53, 0]
    # a block that is a single assignment (PostHog fails to compile it)
    assert code(let("m"), expr(lam(["x"], block(assign(F("m"), F("x")))))) == [
        31, 52, "lambda", 1, 1, 6, 36, 0, 56, 0, 31, 38, 53, 1, True, 0, 35, 57,
    ]  # fmt: skip


def test_template_strings():
    assert expr_code(A.TemplateString(())) == [32, ""]
    assert expr_code(A.TemplateString((F("n"),))) == [32, "n", 1, 1]
    assert expr_code(A.TemplateString((C("abc"),))) == [32, "abc"]
    assert expr_code(A.TemplateString((C("a "), F("n")))) == [32, "a ", 32, "n", 1, 1, 2, "concat", 2]


def test_if_null_and_nullish():
    e = call("ifNull", F("properties", "email"), C(False))
    assert expr_code(e) == [32, "email", 32, "properties", 1, 2, 47, 2, 35, 30]
    assert expr_code(A.NullishCoalesce(C(None), C("d"))) == [31, 47, 3, 35, 32, "d"]


def test_if_function_and_ternary():
    assert expr_code(call("if", C(True), C(1), C(2))) == [29, 40, 4, 33, 1, 39, 2, 33, 2]
    assert expr_code(A.Ternary(C(True), C(1), C(2))) == [29, 40, 4, 33, 1, 39, 2, 33, 2]
    # without an else value we push null (PostHog pushes nothing, leaving the stack unbalanced)
    assert expr_code(call("if", C(True), C(1))) == [29, 40, 4, 33, 1, 39, 1, 31]


def test_multi_if_nests_from_the_back():
    e = call("multiIf", C(True), C(1), C(False), C(2), C(3))
    assert expr_code(e) == [29, 40, 4, 33, 1, 39, 9, 30, 40, 4, 33, 2, 39, 2, 33, 3]


def test_between_top_level_matches_the_snapshot():
    e = A.Between(C(5), C(1), C(10))
    assert code(printed(e)) == [
        31, 33, 5, 33, 1, 33, 10,
        36, 2, 31, 12, 36, 3, 31, 12, 36, 1, 31, 12, 3, 3,
        40, 14,
        36, 2, 36, 1, 14, 36, 3, 36, 1, 16, 3, 2,
        39, 1,
        30,
        37, 0,
        35, 35, 35,
        2, "print", 1, 35,
    ]  # fmt: skip


def test_not_between_uses_lt_gt_or():
    result = expr_code(A.Between(C(5), C(1), C(10), negated=True))
    assert result[23:35] == [36, 2, 36, 1, 15, 36, 3, 36, 1, 13, 4, 2]


def test_between_addresses_the_real_stack_height():
    # second argument of a call: one value (0) is already on the stack
    result = code(printed(C(0), A.Between(C(5), C(1), C(10))))
    assert result[:3] == [33, 0, 31]
    assert result[9:11] == [36, 3]  # low is slot 3, not 2
    assert 37 in result and result[result.index(37) + 1] == 1
    # in a `let` initialiser the declared variable has no slot yet
    result = code(let("a", C(1)), let("x", A.Between(C(5), C(1), C(10))))
    assert result[result.index(37) + 1] == 1


def test_literal_zero_index_is_a_compile_error():
    with pytest.raises(HogSyntaxError, match="Array access starts from 1") as info:
        compile_program(prog(expr(A.Index(F("x"), C(0, span=S(2, 3))))))
    assert info.value.span == S(2, 3)
    with pytest.raises(HogSyntaxError, match="Array access starts from 1"):
        compile_program(prog(expr(A.TupleAccess(F("x"), 0, span=S(0, 3)))))
    with pytest.raises(HogSyntaxError, match="Array access starts from 1"):
        compile_program(prog(expr(F("x", 0))))


def test_cohort_comparisons_are_rejected():
    with pytest.raises(HogSyntaxError) as info:
        compile_program(prog(expr(A.Compare("in cohort", F("person_id"), C(5), span=S(0, 20)))))
    assert info.value.message == (
        "Can't use cohorts in real-time filters. Please inline the relevant expressions (cohort id=5)."
    )
    assert info.value.span == S(0, 20)


def test_placeholder_outside_a_lambda_is_rejected():
    with pytest.raises(HogSyntaxError, match="Placeholders are not allowed in this context"):
        compile_program(prog(expr(A.Placeholder(C(1)))))


# ---------------------------------------------------------------------------------------------------
# statements (§5.3)


def test_let_and_scopes():
    assert code(let("x", C(1)), let("y")) == [33, 1, 31, 35, 35]
    inner = block(let("a", C(2)), printed(F("a")))
    assert code(let("a", C(1)), inner, printed(F("a"))) == [
        33, 1, 33, 2, 36, 1, 2, "print", 1, 35, 35, 36, 0, 2, "print", 1, 35, 35,
    ]  # fmt: skip


def test_assignments():
    assert code(let("x"), assign(F("x"), C(5))) == [31, 33, 5, 37, 0, 35]
    assert code(let("x"), assign(F("x", "a", "b"), C(5))) == [31, 36, 0, 32, "a", 45, 32, "b", 33, 5, 46, 35]
    assert code(let("x"), assign(A.Index(F("x"), C(2)), C(5))) == [31, 36, 0, 33, 2, 33, 5, 46, 35]
    assert code(let("x"), assign(A.TupleAccess(F("x"), 3), C(5))) == [31, 36, 0, 33, 3, 33, 5, 46, 35]
    upvalue = lam([], block(assign(F("x"), C(1)), assign(F("x", "k"), C(2))))
    assert code(let("x"), expr(upvalue)) == [
        31,
        52, "lambda", 0, 1, 13, 33, 1, 56, 0, 55, 0, 32, "k", 33, 2, 46, 31, 38, 53, 1, True, 0,
        35,
        57,
    ]  # fmt: skip


def test_return_and_throw():
    assert code(A.Return(C(1))) == [33, 1, 38]
    assert code(A.Return()) == [31, 38]
    assert code(A.Throw(call("Error", C("x")))) == [32, "x", 2, "Error", 1, 49]


def test_if_else_derived_example():
    cond = A.Compare(">", F("x"), C(1))
    statement = A.If(cond, block(printed(C("big"))), block(printed(C("small"))))
    assert code(let("x", C(5)), statement) == [
        33, 5,
        33, 1, 36, 0, 13, 40, 8, 32, "big", 2, "print", 1, 35, 39, 6, 32, "small", 2, "print", 1, 35,
        35,
    ]  # fmt: skip


def test_if_without_else_and_with_empty_else():
    assert code(A.If(C(True), block(printed(C(1))))) == [29, 40, 6, 33, 1, 2, "print", 1, 35]
    assert code(A.If(C(True), block(printed(C(1))), block())) == [29, 40, 6, 33, 1, 2, "print", 1, 35]


def test_while():
    body = block(assign(F("i"), add(F("i"), C(1))))
    assert code(let("i", C(0)), A.While(A.Compare("<", F("i"), C(3)), body)) == [
        33, 0,
        33, 3, 36, 0, 15, 40, 9, 33, 1, 36, 0, 6, 37, 0, 39, -16,
        35,
    ]  # fmt: skip


def test_for():
    loop = A.For(
        let("i", C(0)), A.Compare("<", F("i"), C(3)), assign(F("i"), add(F("i"), C(1))), block(printed(F("i")))
    )
    assert code(loop) == [
        33, 0,
        33, 3, 36, 0, 15,
        40, 15,
        36, 0, 2, "print", 1, 35,
        33, 1, 36, 0, 6, 37, 0,
        39, -22,
        35,
    ]  # fmt: skip


def test_for_with_missing_parts_is_balanced():
    # for (;;) { return 1 }: the missing condition is `true`
    assert code(A.For(None, None, None, block(A.Return(C(1))))) == [29, 40, 5, 33, 1, 38, 39, -8]
    # expression init and step are popped
    loop = A.For(A.ExprStmt(call("f")), C(False), A.ExprStmt(call("g")), block())
    assert code(loop) == [2, "f", 0, 35, 30, 40, 6, 2, "g", 0, 35, 39, -9]


def test_for_in_values_and_keys():
    assert code(A.ForIn(None, "v", F("xs"), block(printed(F("v"))))) == [
        32, "xs", 1, 1,
        36, 0, 2, "values", 1,
        33, 1,
        36, 1, 2, "length", 1,
        31,
        36, 3, 36, 2, 16, 40, 22,
        36, 1, 36, 2, 45, 37, 4,
        36, 4, 2, "print", 1, 35,
        36, 2, 33, 1, 6, 37, 2,
        39, -29,
        35, 35, 35, 35, 35,
    ]  # fmt: skip
    result = code(A.ForIn("k", "v", F("xs"), block()))
    assert result[:24] == [
        32, "xs", 1, 1,
        36, 0, 2, "keys", 1,
        36, 0, 2, "values", 1,
        33, 1,
        36, 2, 2, "length", 1,
        31, 31, 36,
    ]  # fmt: skip
    assert result[24:] == [
        4, 36, 3, 16, 40, 23,
        36, 1, 36, 3, 45, 37, 5,
        36, 2, 36, 3, 45, 37, 6,
        36, 3, 33, 1, 6, 37, 3,
        39, -30,
        35, 35, 35, 35, 35, 35, 35,
    ]  # fmt: skip


def test_function_declaration_and_recursion():
    body = [A.Return(call("f", F("n")))]
    assert code(fun("f", ["n"], *body)) == [
        52, "f", 1, 1, 7, 36, 0, 55, 0, 54, 1, 38, 53, 1, True, 0, 57,
    ]  # fmt: skip
    # implicit return null, then the body's scope end (dead code)
    assert code(fun("h", [], let("x", C(1)))) == [52, "h", 0, 0, 5, 33, 1, 31, 38, 35, 53, 0, 35]


def test_nested_upvalues_are_not_local():
    # fun outer(a) { return () -> () -> a }
    inner = lam([], lam([], F("a")))
    assert code(fun("outer", ["a"], A.Return(inner))) == [
        52, "outer", 1, 0, 23,
        52, "lambda", 0, 1, 13,
        52, "lambda", 0, 1, 3, 55, 0, 38, 53, 1, False, 0,
        38,
        53, 1, True, 0,
        38,
        53, 0,
        35,
    ]  # fmt: skip


def test_example_10_1_closure_over_a_local():
    program = prog(
        let("x", C(2)),
        let("l", lam(["a", "b"], add(add(F("a"), F("b")), F("x")))),
        expr(call("sleep", C(2))),
        assign(F("x"), C(10)),
        A.Return(call("l", C(4), C(3))),
    )
    assert compile_program(program).bytecode == [
        "_H", 1, 33, 2, 52, "lambda", 2, 1, 9, 55, 0, 36, 1, 36, 0, 6, 6, 38, 53, 1, True, 0, 33, 2, 2,
        "sleep", 1, 35, 33, 10, 37, 0, 33, 4, 33, 3, 36, 1, 54, 2, 38, 35, 57,
    ]  # fmt: skip


CATCH_AFTER_RETURN = prog(
    fun("safeParse", ["text"], A.Try(block(A.Return(call("jsonParse", F("text")))), (catch(block(A.Return(C(None))), "e"),))),
    fun("fail", ["reason"], A.Throw(call("Error", F("reason")))),
    A.Try(
        block(
            let("parsed", call("safeParse", C('{"score": 1}'))),
            printed(F("parsed", "score")),
            expr(call("fail", C("outer"))),
        ),
        (catch(block(printed(A.TemplateString((C("outer catch: "), F("e", "message"))))), "e"),),
    ),
)


def test_example_10_2_catch_after_return():
    assert compile_program(CATCH_AFTER_RETURN).bytecode == [
        "_H", 1,
        52, "safeParse", 1, 0, 26,
        50, 10, 36, 0, 2, "jsonParse", 1, 38, 51, 39, 13,
        36, 1, 32, "type", 45, 31, 38, 39, 2, 35, 49, 35, 35,
        31, 38,
        53, 0,
        52, "fail", 1, 0, 8, 36, 0, 2, "Error", 1, 49, 31, 38, 53, 0,
        50, 27,
        32, '{"score": 1}', 36, 0, 54, 1,
        36, 2, 32, "score", 45, 2, "print", 1, 35,
        32, "outer", 36, 1, 54, 1, 35,
        35, 51, 39, 25,
        36, 2, 32, "type", 45,
        32, "outer catch: ", 36, 2, 32, "message", 45, 2, "concat", 2, 2, "print", 1, 35,
        39, 2, 35, 49, 35, 35,
        35, 35,
    ]  # fmt: skip


def test_typed_catch_clauses():
    clauses = (
        catch(block(printed(C("food"))), "e", "FoodError"),
        catch(block(printed(C("any")))),
    )
    assert code(A.Try(block(), clauses)) == [
        50, 4, 51, 39, 32,
        36, 0, 32, "type", 45,
        32, "FoodError", 36, 1, 11, 40, 8, 32, "food", 2, "print", 1, 35, 39, 10,
        32, "any", 2, "print", 1, 35, 39, 2,
        35, 49,
        35, 35,
    ]  # fmt: skip


def test_typed_catch_with_own_variable_skips_its_scope_end():
    clauses = (catch(block(printed(F("err", "message"))), "err", "MyError"),)
    assert code(A.Try(block(), clauses)) == [
        50, 4, 51, 39, 30,
        36, 0, 32, "type", 45,
        32, "MyError", 36, 1, 11, 40, 14,
        36, 0,
        36, 2, 32, "message", 45, 2, "print", 1, 35,
        35,
        39, 2,
        35, 49,
        35, 35,
    ]  # fmt: skip


def test_example_10_3_array_map_call():
    e = call("arrayMap", lam(["x"], A.Arithmetic("*", F("x"), C(2))), A.ArrayLit((C(1), C(2), C(3))))
    assert expr_code(e) == [
        52, "lambda", 1, 0, 6, 33, 2, 36, 0, 8, 38, 53, 0, 33, 1, 33, 2, 33, 3, 43, 3, 2, "arrayMap", 2,
    ]  # fmt: skip


def test_example_10_4_fetch():
    program = prog(
        let("res", call("fetch", F("inputs", "url"), A.DictLit(((C("method"), C("POST")),)))),
        A.Return(F("res", "status")),
    )
    assert compile_program(program).bytecode == [
        "_H", 1, 32, "url", 32, "inputs", 1, 2, 32, "method", 32, "POST", 42, 1, 2, "fetch", 2, 36, 0, 32,
        "status", 45, 38, 35,
    ]  # fmt: skip


def test_function_body_for_the_stl_has_no_header():
    function = fun("arrayExists", ["func", "arr"], A.Return(C(False)))
    assert compile_function_body(function) == (["func", "arr"], [30, 38])


# ---------------------------------------------------------------------------------------------------
# compile errors (§8.1)


def test_redeclaration():
    with pytest.raises(HogSyntaxError) as info:
        compile_program(prog(let("x", C(1)), let("x", C(2), span=S(11, 21))))
    assert info.value.message == "Variable `x` already declared in this scope"
    assert info.value.span == S(11, 21)
    # shadowing in an inner block is fine
    compile_program(prog(let("x", C(1)), block(let("x", C(2)))))


def test_duplicate_parameters():
    node = A.Function("f", ("a", "a"), block(), span=S(0, 20))
    with pytest.raises(HogSyntaxError, match="Variable `a` already declared in this scope"):
        compile_program(prog(node))


def test_assign_to_global():
    with pytest.raises(HogSyntaxError) as info:
        compile_program(prog(assign(F("x", span=S(0, 1)), C(1))))
    assert info.value.message == 'Variable "x" not declared in this scope. Can not assign to globals.'
    assert info.value.span == S(0, 1)
    with pytest.raises(HogSyntaxError, match="Can not assign to globals"):
        compile_program(prog(assign(F("event", "x"), C(1))))


def test_assign_to_other_expression():
    with pytest.raises(HogSyntaxError) as info:
        compile_program(prog(assign(call("f", span=S(0, 3)), C(1))))
    assert info.value.message == "Can not assign to this type of expression"
    assert info.value.span == S(0, 3)


def test_try_errors():
    finally_block = A.Block((), span=S(30, 32))
    with pytest.raises(HogSyntaxError) as info:
        compile_program(prog(A.Try(block(), (catch(block()),), finally_block)))
    assert info.value.message == "finally blocks are not yet supported"
    assert info.value.span == S(30, 32)
    with pytest.raises(HogSyntaxError) as info:
        compile_program(prog(A.Try(block(), (), span=S(0, 8))))
    assert info.value.message == "try statement must have at least one catch block"
    assert info.value.span == S(0, 8)


def test_throw_without_value():
    with pytest.raises(HogSyntaxError, match="`throw` needs an error value") as info:
        compile_program(prog(A.Throw(span=S(0, 5))))
    assert info.value.span == S(0, 5)


def test_reading_a_variable_in_its_own_initialiser():
    with pytest.raises(HogSyntaxError, match="Variable `a` is used in its own initialiser") as info:
        compile_program(prog(let("a", add(F("a", span=S(9, 10)), C(1)))))
    assert info.value.span == S(9, 10)
    with pytest.raises(HogSyntaxError, match="used in its own initialiser"):
        compile_program(prog(let("a", call("a"))))
    # but recursion through a lambda body works
    fib = lam(["n"], call("fib", A.Arithmetic("-", F("n"), C(1))))
    assert code(let("fib", fib)) == [52, "lambda", 1, 1, 10, 33, 1, 36, 0, 7, 55, 0, 54, 1, 38, 53, 1, True, 0, 57]


def test_let_as_for_step():
    with pytest.raises(HogSyntaxError, match="can not be the step"):
        compile_program(prog(A.For(None, C(True), let("x"), block())))


def test_errors_carry_source_for_rendering():
    source = "x := 1"
    with pytest.raises(HogSyntaxError) as info:
        compile_program(prog(assign(F("x", span=S(0, 1)), C(1))), source=source, name="p.hog")
    rendered = info.value.render()
    assert "p.hog:1:1" in rendered and "x := 1" in rendered


# ---------------------------------------------------------------------------------------------------
# warnings, source map, JSON


def test_warnings():
    program = prog(expr(A.Compare("==", F("a"), C(1))), expr(call("nope")))
    result = compile_program(program, known_globals={"event"}, known_functions={"print"})
    assert [w.message for w in result.warnings] == [
        "You must use ':=' for assignment instead of '='.",
        "Unknown global variable: a",
        "Hog function `nope` is not implemented",
    ]
    assert compile_program(prog(expr(F("a")))).warnings == []


def test_source_map_points_at_failing_ops():
    source = "print(a.b + 1)"
    e = call("print", A.Arithmetic("+", F("a", "b", span=S(6, 9)), C(1), span=S(6, 13)), span=S(0, 14))
    result = compile_program(prog(expr(e)), source=source)
    # 2: INTEGER 1, 4: STRING b, 6: STRING a, 8: GET_GLOBAL 2, 10: PLUS, 11: CALL_GLOBAL
    assert result.bytecode == ["_H", 1, 33, 1, 32, "b", 32, "a", 1, 2, 6, 2, "print", 1, 35]
    assert result.source_map == {8: S(6, 9), 10: S(6, 13), 11: S(0, 14)}
    assert result.span_at(10) == S(6, 13)
    assert result.nearest_span(14) == S(0, 14)


def test_json_round_trip():
    source = "print(a.b + 1)"
    e = call("print", A.Arithmetic("+", F("a", "b", span=S(6, 9)), C(1.0), span=S(6, 13)), span=S(0, 14))
    result = compile_program(prog(expr(e)), source=source, name="x.hog")
    data = json.loads(json.dumps(result.to_json()))
    assert "source_map" not in json.dumps(data["bytecode"])
    assert data["bytecode"][:4] == ["_H", 1, 34, 1.0]
    back = CompiledProgram.from_json(data)
    assert back == result
    assert CompiledProgram.from_json(result.dumps()) == result


def test_disassembler_lists_ops_and_bodies():
    program = compile_program(prog(let("f", lam(["a"], F("a"))), printed(call("f", C(1)))))
    listing = disassemble(program.bytecode)
    assert listing.splitlines() == [
        "; _H bytecode, version 1",
        "   2  CALLABLE               \"lambda\" args=1 upvalues=0 body=3",
        "   7    GET_LOCAL            0",
        "   9    RETURN",
        "  10  CLOSURE                0",
        "  12  INTEGER                1",
        "  14  GET_LOCAL              0",
        "  16  CALL_LOCAL             1",
        "  18  CALL_GLOBAL            \"print\" args=1",
        "  21  POP",
        "  22  POP",
    ]


def test_disassembler_with_source_and_other_headers():
    source = "print(1)"
    result = compile_program(prog(expr(call("print", C(1), span=S(0, 8)))), source=source)
    listing = disassemble(result.bytecode, source_map=result.source_map, source=source)
    assert '  4  CALL_GLOBAL            "print" args=1  ; 1:1  print(1)' in listing
    assert disassemble(["_h", 33, 1]).splitlines() == ["; _h bytecode (legacy, version 0)", "   1  INTEGER                1"]
    assert disassemble([40, 2, 50, 3, 99, 36]).splitlines() == [
        "   0  JUMP_IF_FALSE          +2  -> 4",
        "   2  TRY                    +3  catch -> 6",
        "   4  ??? 99",
        "   5  GET_LOCAL  ; truncated: operands run past the end",
    ]

"""hoglite.vm.plain: each fast path equals the general walker it stands in for, or refuses (NotPlain)."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoglite.vm import plain
from hoglite.vm.frames import root_closure
from hoglite.vm.memory import value_cost
from hoglite.vm.state import _order_dicts
from hoglite.vm.values import HogDate, from_json_value, to_json_value

keys = st.one_of(st.text(max_size=6), st.sampled_from(["0", "7", "10", "01", "2x", "__hogDate__", "é", "😀"]))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=5)),
    max_leaves=40,
)


def _same(left, right) -> bool:
    """Equal, with the same key order and types at every level (NaN equal to NaN)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return left == right


@settings(max_examples=200, deadline=None)
@given(trees)
def test_from_json_equals_from_json_value(tree):
    if not isinstance(tree, (dict, list)):
        return
    try:
        fast = plain.from_json(tree)
    except plain.NotPlain:
        return
    assert _same(fast, from_json_value(tree))


@settings(max_examples=200, deadline=None)
@given(trees)
def test_to_json_equals_to_json_value(tree):
    if not isinstance(tree, (dict, list)):
        return
    try:
        fast = plain.to_json(tree)
    except plain.NotPlain:
        return
    assert _same(fast, to_json_value(tree))


@settings(max_examples=200, deadline=None)
@given(trees)
def test_cost_and_settle_equal_the_general_walks(tree):
    if not isinstance(tree, (dict, list)):
        return
    try:
        fast = plain.cost_cached(tree, 10_000, {}, [], {})
    except plain.NotPlain:
        fast = None
    if fast is not None:
        assert fast == value_cost(tree)
    settled = copy.deepcopy(tree)
    general = copy.deepcopy(tree)
    try:
        settled_cost = plain.settle(settled)
    except plain.NotPlain:
        return
    _order_dicts([general])
    assert settled_cost == value_cost(general)
    assert _same(settled, general)


def test_plain_trees_take_the_fast_path():
    event = {"event": "$pageview", "properties": {"price": 9.5, "tags": ["a", "b"], "nested": {"x": None}}}
    assert plain.from_json(event) == event
    assert plain.from_json(event) is not event
    assert plain.to_json([event, 1, True]) == [event, 1, True]
    assert plain.cost_cached(event, 64, {}, [], {}) == value_cost(event)
    assert plain.settle({"b": 1, "2": 2, "1": {"10": 1, "9": 2}}) == value_cost({"b": 1, "2": 2, "1": {"10": 1, "9": 2}})


def test_settle_orders_index_keys_as_javascript_does():
    value = {"b": 1, "2": 2, "1": {"10": 1, "9": 2, "a": 0}}
    plain.settle(value)
    assert list(value) == ["1", "2", "b"]
    assert list(value["1"]) == ["9", "10", "a"]


@pytest.mark.parametrize("value", [
    {"__hogDate__": True, "year": 2024, "month": 1, "day": 2},  # from_json_value builds a date
    {"1": "digit keys are reordered by from_json_value"},
    {"big": 2**60},  # becomes a float
    [(1, 2)],  # tuples
])
def test_from_json_refuses_what_needs_conversion(value):
    with pytest.raises(plain.NotPlain):
        plain.from_json(value)


def test_shared_and_cyclic_values_are_refused_or_equal():
    shared = {"a": 1}
    with pytest.raises(plain.NotPlain):
        plain.from_json([shared, shared])  # from_json_value keeps the sharing
    assert plain.to_json([shared, shared]) == to_json_value([shared, shared])  # copied per reference
    cyclic: list = [1]
    cyclic.append(cyclic)
    for walk in (plain.from_json, plain.to_json, plain.settle, lambda value: plain.cost_cached(value, 1 << 30, {}, [], {})):
        with pytest.raises(plain.NotPlain):
            walk(cyclic)


def test_doubling_trees_go_to_the_memoised_walk():
    tree: list = [1]
    for _ in range(30):
        tree = [tree, tree]  # 2**30 references: a per-reference walk would never end
    with pytest.raises(plain.NotPlain):
        plain.settle(tree)
    # The cached walk costs each distinct container once: the same figure, in linear time.
    assert plain.cost_cached(tree, 64, {}, [], {}) == value_cost(tree)


def test_hog_records_are_refused():
    for value in ([HogDate(2024, 1, 2)], {"f": root_closure()}, {1: "int key"}):
        with pytest.raises(plain.NotPlain):
            plain.to_json(value)
        with pytest.raises(plain.NotPlain):
            plain.settle(value)


@settings(max_examples=200, deadline=None)
@given(trees)
def test_cached_cost_fills_the_memo_as_the_general_walk_does(tree):
    if not isinstance(tree, (dict, list)):
        return
    memo: dict = {}
    keep: list = []
    holders: dict = {}
    try:
        fast = plain.cost_cached(tree, 10_000, memo, keep, holders)
    except plain.NotPlain:
        return
    general_memo: dict = {}
    general_holders: dict = {}
    assert fast == value_cost(tree, None, general_memo, [], general_holders)
    assert memo == general_memo
    assert holders == general_holders


@settings(max_examples=200, deadline=None)
@given(trees)
def test_copy_with_cost_gives_the_copy_and_its_cost(tree):
    if not isinstance(tree, (dict, list)):
        return
    try:
        copied, cost = plain.from_json_with_cost(tree)
    except plain.NotPlain:
        return
    assert _same(copied, from_json_value(tree))
    assert cost == value_cost(copied)


@settings(max_examples=200, deadline=None)
@given(trees)
def test_recorded_costs_are_those_of_the_general_walk(tree):
    if not isinstance(tree, (dict, list)):
        return
    memo: dict = {}
    keep: list = []
    holders: dict = {}
    try:
        copied, cost = plain.from_json_with_cost(tree, (memo, keep, holders))
    except plain.NotPlain:
        return
    general_memo: dict = {}
    general_holders: dict = {}
    assert cost == value_cost(copied, None, general_memo, [], general_holders)
    assert memo == general_memo
    assert holders == general_holders


def test_reading_a_host_container_in_a_loop_keeps_the_cost_cache_bounded():
    from hoglite.compiler import compile_source
    from hoglite.vm import execute

    program = compile_source("let n := 0\nfor (let i := 0; i < 3000; i := i + 1) { let p := event.properties\n"
                             "n := n + length(keys(p)) }\nreturn n")
    event = {"properties": {f"k{i}": {"nested": [i, {"deep": i}]} for i in range(30)}}
    assert execute(program.bytecode, globals={"event": event}).value == 90_000

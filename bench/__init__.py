"""hoglite benchmarks: `python -m bench` (see docs/performance.md).

Workload groups:
- compute: Hog programs (bench/programs/*.hog) run on the hoglite VM and, with the same bytecode, on
  PostHog's `@posthog/hogvm` under Node; the runner prints the ratio hoglite / oracle;
- compile: parse + compile of every bundled template and of a generated 500-line program;
- template: end-to-end template invocations per second (filters, globals, inputs, code) with mocked fetch;
- pause: executing to a pause, the JSON round trip of a paused state, and resuming it.

Everything is timed in-process (no process start-up), after warm-up runs, several times; the table
shows the median and the spread. Performance is never asserted in tests: tests/unit/test_bench_smoke.py
only checks that the runner works and that every workload computes the right answer.
"""

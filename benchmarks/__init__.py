"""Benchmarks of the course package: speed and accuracy as ratios against named baselines.

Run ``python -m benchmarks`` (or ``make bench``). Every noisy figure is a ratio of two
measurements taken in the same run on the same machine; results go to
``benchmarks/results/*.json`` and a summary in ``benchmarks/RESULTS.md``. Benchmarks are not
part of the test suite's pass/fail.
"""

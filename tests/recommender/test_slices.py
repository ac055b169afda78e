"""Slice heights: both tried in turn on large blocks, then the faster kept; small blocks low."""

from __future__ import annotations

from recommender.slices import TRIALS, SliceHeights


def test_both_heights_are_tried_in_turn_then_the_faster_is_kept():
    slices = SliceHeights()
    seconds = {125: 130e-6, 250: 120e-6}
    tried = []
    for _ in range(2 * TRIALS):
        height = slices.height(50_000, 1024, lower=125)
        tried.append(height)
        slices.record(50_000, height, seconds[height])
    assert tried == [125, 250] * TRIALS
    assert slices.height(50_000, 1024, lower=125) == 250
    assert slices.height(50_000, 10, lower=125) == 125  # a few members: one slice anyway
    assert slices.height(20_000, 1024, lower=125) == 125  # another catalogue: tried anew


def test_one_slow_first_block_does_not_decide():
    slices = SliceHeights()
    timings = iter([900e-6, 120e-6, 100e-6, 125e-6, 101e-6, 126e-6])  # 125 warms up first
    for _ in range(2 * TRIALS):
        height = slices.height(50_000, 1024, lower=125)
        slices.record(50_000, height, next(timings))
    assert slices.height(50_000, 1024, lower=125) == 125


def test_the_tallest_slice_is_capped():
    slices = SliceHeights()
    assert slices.height(100_000, 5_000, lower=256) == 256  # twice is past the cap: no trial

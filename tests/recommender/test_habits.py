import numpy as np
import pandas as pd

from recommender.habits import HALF_LIVES, Habits


def events(triples):
    """``(row, col, day)`` purchase events as the engine's frame."""
    return pd.DataFrame(triples, columns=["row", "col", "day"]).astype({"day": float})


def test_habits_count_trips_per_product_and_day_with_known_answers():
    # Out of order, twice on one day (one trip), a member who bought nothing (row 1).
    lines = [(2, 1, 30.5), (0, 2, 10.2), (0, 0, 9.0), (0, 2, 10.9), (0, 2, 3.0), (2, 0, 30.0)]
    habits = Habits.from_events(events(lines), (3, 3), 40.0)
    assert habits.indptr.tolist() == [0, 2, 2, 4]
    assert habits.indices.tolist() == [0, 2, 0, 1]
    assert habits.values["trips"].tolist() == [1, 2, 1, 1]
    assert habits.values["first_day"].tolist() == [9, 3, 30, 30]
    assert habits.values["last_day"].tolist() == [9, 10, 30, 30]
    expected = 0.5 ** ((40 - 3) / HALF_LIVES[1]) + 0.5 ** ((40 - 10) / HALF_LIVES[1])
    assert np.isclose(habits.values["recent_long"][1], expected, rtol=1e-15)
    assert np.isclose(habits.values["recent_short"][0], 0.5 ** (31 / HALF_LIVES[0]), rtol=1e-15)
    # Member rhythm: distinct shopping days, first and last of them; none for row 1.
    assert habits.member_trips.tolist() == [3, 0, 1]
    np.testing.assert_array_equal(habits.member_first_day, [3, np.nan, 30])
    np.testing.assert_array_equal(habits.member_last_day, [10, np.nan, 30])


def test_habits_of_many_members_split_across_threads_match_one_member_at_a_time():
    rng = np.random.default_rng(0)
    lines = np.column_stack(
        [rng.integers(0, 500, 20_000), rng.integers(0, 50, 20_000), rng.uniform(0, 300, 20_000)]
    )
    frame = pd.DataFrame(lines, columns=["row", "col", "day"]).astype({"row": int, "col": int})
    habits = Habits.from_events(frame, (500, 50), 301.0)
    for row in (0, 137, 499):
        alone = Habits.from_events(frame[frame["row"] == row].assign(row=0), (1, 50), 301.0)
        mine = habits.member_habits(row)
        assert mine.indices.tolist() == alone.indices.tolist()
        for name, values in alone.values.items():
            np.testing.assert_allclose(mine.values[name], values, rtol=1e-12)
        assert mine.member_trips[0] == alone.member_trips[0]

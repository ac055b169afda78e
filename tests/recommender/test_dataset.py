import numpy as np
import pandas as pd
import pytest

from recommender.dataset import Dataset
from recommender.errors import EmptyHistoryError, UnknownMemberError, UnknownProductError


def test_ids_map_to_indices_and_back(transactions):
    dataset = Dataset.from_transactions(transactions)
    rows = dataset.member_rows(["m03", "m00"])
    assert list(dataset.member_ids[rows]) == ["m03", "m00"]
    assert dataset.shape == (20, 10)


def test_unknown_ids_are_named(transactions):
    dataset = Dataset.from_transactions(transactions)
    with pytest.raises(UnknownMemberError, match="'ghost'"):
        dataset.member_rows(["m01", "ghost"])
    with pytest.raises(UnknownProductError, match="'p99'"):
        dataset.product_columns(["p99"])
    assert dataset.member_rows(["ghost"], missing="ignore")[0] == -1


@pytest.mark.parametrize("order", ["sorted", "unsorted"])
def test_a_block_of_members_is_found_the_same_by_binary_search_or_hashing(order):
    ids = np.array([f"M{i:05d}" for i in range(0, 4000, 2)])  # sorted: binary search
    dataset = Dataset(ids if order == "sorted" else ids[::-1], ["p"])
    asked = np.concatenate([ids[500:1500], ["M00001", "M99999", "", "M0"], ids[:30][::-1]])
    expected = [dataset.member_ids.tolist().index(m) if m in ids else -1 for m in asked]
    assert dataset.member_rows(asked, missing="ignore").tolist() == expected  # 1,034 ids
    assert dataset.member_rows(pd.Series(asked[:20]), missing="ignore").tolist() == expected[:20]
    with pytest.raises(UnknownMemberError, match="'M99999'"):
        dataset.member_rows(asked)


def test_empty_transactions_are_refused(transactions):
    with pytest.raises(EmptyHistoryError):
        Dataset.from_transactions(transactions.iloc[:0])


def test_id_maps_survive_savez_without_pickle(tmp_path, transactions):
    dataset = Dataset.from_transactions(transactions)
    np.savez(tmp_path / "ids.npz", **dataset.to_arrays())
    with np.load(tmp_path / "ids.npz", allow_pickle=False) as arrays:
        again = Dataset.from_arrays(arrays)
    assert list(again.product_ids) == list(dataset.product_ids)


def test_purchase_events_drop_unknown_lines(transactions):
    dataset = Dataset.from_transactions(transactions)
    extra = pd.DataFrame(
        {
            "member_id": ["ghost"],
            "product_id": ["p00"],
            "timestamp": [pd.Timestamp("2024-02-01")],
            "quantity": [1.0],
        }
    )
    events = dataset.purchase_events(pd.concat([transactions, extra]))
    assert len(events) == len(transactions)


def test_ids_and_events_read_at_once_match_reading_them_apart(transactions):
    shuffled = transactions.sample(frac=1.0, random_state=0)  # ids in no particular order
    lines = pd.concat([shuffled.iloc[:50], shuffled.iloc[50:]])  # Arrow strings in two chunks
    lines.loc[lines.index[:3], "member_id"] = None  # lines without a member drop
    dataset, events = Dataset.with_purchase_events(lines)
    apart = Dataset.from_transactions(lines.dropna(subset=["member_id"]))
    assert list(dataset.member_ids) == list(apart.member_ids)
    assert list(dataset.product_ids) == list(apart.product_ids)
    pd.testing.assert_frame_equal(events, apart.purchase_events(lines.iloc[3:]))


def test_ids_as_categories_give_the_same_ids_and_events(transactions):
    lines = transactions.sample(frac=1.0, random_state=0).reset_index(drop=True)
    lines.loc[:2, "member_id"] = None  # lines without a member drop
    as_text = Dataset.with_purchase_events(lines)
    # Codes into every member and product of the shop, some of whom bought nothing.
    categorical = lines.assign(
        member_id=pd.Categorical(
            lines["member_id"],
            categories=["m-none", *sorted(lines["member_id"].dropna().unique(), reverse=True)],
        ),
        product_id=pd.Categorical(
            lines["product_id"],
            categories=[*sorted(lines["product_id"].unique(), reverse=True), "p-none"],
        ),
    )
    dataset, events = Dataset.with_purchase_events(categorical)
    assert list(dataset.member_ids) == list(as_text[0].member_ids)
    assert list(dataset.product_ids) == list(as_text[0].product_ids)
    pd.testing.assert_frame_equal(events, as_text[1])

import numpy as np
import pytest

from recommender.errors import ModelNotFoundError
from recommender.selection import recommend
from recommender.store import ModelStore


def test_save_load_roundtrip_gives_the_same_selection(tmp_path, model):
    store = ModelStore(tmp_path / "models")
    version = store.save(model, {"window": ["2024-01-01", "2024-03-24"]})
    loaded = store.load()
    assert store.current_version() == version
    assert np.array_equal(loaded.user_factors_, model.user_factors_)
    assert recommend(loaded, ["m05"], n=5).equals(recommend(model, ["m05"], n=5))
    assert store.metadata()["window"] == ["2024-01-01", "2024-03-24"]


def test_versions_switch_and_prune(tmp_path, model):
    store = ModelStore(tmp_path)
    first, second, third = (store.save(model) for _ in range(3))
    assert store.versions() == [first, second, third]
    store.set_current(first)
    assert store.prune(keep=1) == [second]
    assert store.versions() == [first, third]
    assert store.current_version() == first


def test_missing_models_are_a_clear_error(tmp_path):
    store = ModelStore(tmp_path)
    with pytest.raises(ModelNotFoundError, match="run training"):
        store.load()
    with pytest.raises(ModelNotFoundError, match="v0042"):
        store.set_current("v0042")

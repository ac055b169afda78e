import numpy as np
import pytest

from recommender.errors import ModelNotFoundError
from recommender.model import SelectionModel
from recommender.selection import recommend
from recommender.store import ModelStore, read_npz


def test_save_load_roundtrip_gives_the_same_selection(tmp_path, model):
    store = ModelStore(tmp_path / "models")
    version = store.save(model, {"window": ["2024-01-01", "2024-03-24"]})
    loaded = store.load()
    assert store.current_version() == version
    assert np.array_equal(loaded.user_factors_, model.user_factors_)
    assert recommend(loaded, ["m05"], n=5).equals(recommend(model, ["m05"], n=5))
    assert store.metadata()["window"] == ["2024-01-01", "2024-03-24"]


def test_scoring_arrays_saved_with_the_model_are_the_ones_worked_out(model):
    arrays = model.to_arrays()
    saved = SelectionModel.from_arrays(arrays, model.get_params())
    older = {k: v for k, v in arrays.items() if not k.startswith(("affinity", "member_vol"))}
    worked_out = SelectionModel.from_arrays(older, model.get_params())  # saved before them
    for loaded in (saved, worked_out):
        assert (loaded._affinity != model._affinity).nnz == 0
        assert loaded._affinity.shape == model._affinity.shape
        assert np.array_equal(loaded._volumes, model._volumes)


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


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed], ids=["stored", "compressed"])
def test_npz_arrays_read_as_numpy_reads_them_and_stay_private(tmp_path, save):
    written = {
        "factors": np.arange(12, dtype=np.float32).reshape(3, 4),
        "by_column": np.asfortranarray(np.arange(6, dtype=np.int64).reshape(2, 3)),
        "ids": np.array(["M1", "M22", "Ω3"]),
        "empty": np.zeros((0, 5), dtype=np.float64),
        "one": np.array(2.5),
        "wide": np.zeros(70_000, dtype=np.int8),  # longer than the slice its header is read from
    }
    save(tmp_path / "model.npz", **written)
    read = read_npz(tmp_path / "model.npz")
    assert read.keys() == written.keys()
    for name, values in written.items():
        assert read[name].dtype == values.dtype and read[name].shape == values.shape
        assert np.array_equal(read[name], values)
    read["factors"][0, 0] = 99.0  # a change stays in this process: the file keeps its values
    assert read_npz(tmp_path / "model.npz")["factors"][0, 0] == 0.0

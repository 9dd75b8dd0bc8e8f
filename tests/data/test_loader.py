"""DataLoader: batches cover the data once per epoch, in a shuffled order fixed by (seed, epoch) alone."""

import numpy as np
import pytest

from tinygrad_cnn.data import DataLoader, Dataset


def _data(n=10, shape=(1, 3, 3)):
    x = np.arange(n * int(np.prod(shape)), dtype=np.float32).reshape(n, *shape)
    return Dataset(x, np.arange(n) % 3, name="toy")


def _labels(loader):
    return [y.numpy().tolist() for _, y in loader]


@pytest.mark.parametrize(("n", "batch", "drop_last", "sizes"), [
    (10, 4, False, [4, 4, 2]), (10, 4, True, [4, 4]), (8, 4, True, [4, 4]), (3, 5, False, [3]), (3, 5, True, []),
    (0, 2, False, []),
])  # fmt: skip
def test_batches_have_the_right_sizes_dtypes_and_layout(n, batch, drop_last, sizes):
    loader = DataLoader(_data(n), batch, shuffle=True, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes) and [len(x) for x, _ in batches] == sizes
    for x, y in batches:
        assert x.shape[1:] == (1, 3, 3) and x.dtype == np.float32 and y.dtype == np.int64


def test_without_shuffle_the_order_is_the_datasets():
    data = _data(7)
    x = np.concatenate([x.numpy() for x, _ in DataLoader(data, 3)])
    np.testing.assert_array_equal(x, data.x)


def test_each_epoch_is_a_permutation_and_epochs_differ():
    loader = DataLoader(_data(12), 5, shuffle=True, seed=3)
    epochs = [sum(_labels(loader), []) for _ in range(3)]
    orders = [loader.order(e) for e in range(3)]
    assert all(sorted(order) == list(range(12)) for order in orders)
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    assert epochs[0] == (np.arange(12) % 3)[orders[0]].tolist()


def test_order_depends_only_on_seed_and_epoch():
    a, b = DataLoader(_data(20), 4, shuffle=True, seed=7), DataLoader(_data(20), 4, shuffle=True, seed=7)
    for _ in range(3):  # a has run three epochs; b jumps straight to epoch 3
        list(a)
    b.set_epoch(3)
    assert _labels(a) == _labels(b)
    assert not np.array_equal(DataLoader(_data(20), 4, shuffle=True, seed=8).order(0), a.order(0))


def test_set_epoch_can_start_part_way_through_an_epoch():
    loader = DataLoader(_data(10), 3, shuffle=True, seed=1)
    whole = _labels(loader)
    loader.set_epoch(0, batch=2)
    assert _labels(loader) == whole[2:]
    fresh = DataLoader(_data(10), 3, shuffle=True, seed=1)
    fresh.set_epoch(1)
    assert _labels(loader) == _labels(fresh)  # the next pass is epoch 1 again from its first batch


def test_regression_targets_stay_float():
    data = Dataset(np.zeros((4, 1, 2, 2), np.float32), np.ones((4, 1, 2, 2), np.float64))
    _, y = next(iter(DataLoader(data, 2)))
    assert y.dtype == np.float64 and y.shape == (2, 1, 2, 2)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"batch_size": 0}, "batch_size must be an integer ≥ 1, got 0"),
    ({"batch_size": 2.5}, "batch_size must be an integer ≥ 1, got 2.5"),
    ({"batch_size": True}, "batch_size must be an integer ≥ 1, got True"),
    ({"batch_size": 2, "seed": -1}, "seed must be an integer ≥ 0, got -1"),
])  # fmt: skip
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(_data(), **kwargs)


def test_bad_dataset_and_epoch_are_refused():
    with pytest.raises(TypeError, match="dataset must be a Dataset, got list"):
        DataLoader([1, 2, 3], 2)
    loader = DataLoader(_data(10), 4)
    with pytest.raises(ValueError, match="batch 4 is past the 3 batches"):
        loader.set_epoch(0, batch=4)
    with pytest.raises(ValueError, match="epoch must be an integer ≥ 0"):
        loader.set_epoch(-1)

"""fit / resume / evaluate: a resumed run ends bit-identical to an uninterrupted one, a NaN loss stops training
and keeps the last good checkpoint, early stopping and schedules behave, and bad input is refused clearly."""

import json

import numpy as np
import pytest

from derivations.summary import format_table, summarize_checkpoint
from tinygrad_cnn import manual_seed, nn, optim, save
from tinygrad_cnn.data import DataLoader, Dataset
from tinygrad_cnn.models import ARCHITECTURES, build
from tinygrad_cnn.optim.lr_scheduler import StepLR
from tinygrad_cnn.train import (
    CheckpointError,
    EarlyStopping,
    TrainingDiverged,
    evaluate,
    fit,
    read_checkpoint,
    resume,
)


def _data(n=48, seed=0, noise=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1, 6, 6)).astype(np.float32)
    y = (x[:, 0, :, :3].sum(axis=(1, 2)) > x[:, 0, :, 3:].sum(axis=(1, 2))).astype(np.int64)
    return Dataset(x, rng.integers(0, 2, n) if noise else y, "toy")


def _model(seed=0):
    g = np.random.default_rng(seed)
    return nn.Sequential(nn.Conv2d(1, 3, 3, generator=g), nn.ReLU(), nn.Dropout(0.2), nn.Flatten(),
                         nn.Linear(48, 2, generator=g))  # fmt: skip


def _run(model, path, *, resume_run=False, loss=None, **budget):
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    return fit(model, _data(), _data(16, seed=1), loss, optimizer, batch_size=10, seed=3, scheduler=scheduler,
               checkpoint=path, resume=resume_run, progress=False, **budget)  # fmt: skip


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k].data, sb[k].data) for k in sa)


def _without_time(history):
    return [{k: v for k, v in record.items() if k != "seconds"} for record in history.records]


class Interrupt:
    """A cross-entropy that raises KeyboardInterrupt at call number ``at`` (an interrupted run)."""

    def __init__(self, at):
        self.at, self.calls = at, 0

    def __call__(self, out, y):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return nn.functional.cross_entropy(out, y)


def test_interrupted_and_resumed_run_ends_bit_identical(tmp_path):
    manual_seed(0)  # dropout draws from the default generator: the checkpoint must carry its state
    whole = _model()
    whole_history = _run(whole, tmp_path / "whole.npz", epochs=5)

    manual_seed(0)
    with pytest.raises(KeyboardInterrupt):
        _run(_model(), tmp_path / "cut.npz", loss=Interrupt(at=13), epochs=5)  # 5 batches/epoch: dies in epoch 3
    assert read_checkpoint(tmp_path / "cut.npz")[1]["epoch"] == 2
    manual_seed(12345)  # whatever the generator holds now, the checkpoint restores it
    resumed = _model(seed=99)  # other initial weights: all of them come from the checkpoint
    history = _run(resumed, tmp_path / "cut.npz", resume_run=True, epochs=5)

    assert _same_weights(whole, resumed)
    assert _without_time(history) == _without_time(whole_history) and len(history) == 5
    assert [record["lr"] for record in history.records] == [0.01, 0.01, 0.005, 0.005, 0.0025]


def test_a_step_budget_ending_mid_epoch_resumes_exactly(tmp_path):
    manual_seed(1)
    whole = _model()
    _run(whole, tmp_path / "whole.npz", steps=12)
    manual_seed(1)
    part = _model()
    history = _run(part, tmp_path / "part.npz", steps=7)  # stops at batch 2 of epoch 2
    assert [r["batches"] for r in history.records] == [5, 2] and history.stopped == "completed 7 steps"
    _, meta = read_checkpoint(tmp_path / "part.npz")
    assert (meta["epoch"], meta["batch"], meta["step"]) == (1, 2, 7)
    resumed = _model(seed=5)
    history = _run(resumed, tmp_path / "part.npz", resume_run=True, steps=12)
    assert _same_weights(whole, resumed)
    assert [r["batches"] for r in history.records] == [5, 2, 3, 2] and history.last["steps"] == 12


class NaNAt:
    def __init__(self, at):
        self.at, self.calls = at, 0

    def __call__(self, out, y):
        self.calls += 1
        value = nn.functional.cross_entropy(out, y)
        return value * float("nan") if self.calls >= self.at else value


def test_a_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    manual_seed(2)
    reference = _model()
    _run(reference, tmp_path / "reference.npz", epochs=2)
    manual_seed(2)
    model = _model()
    with pytest.raises(TrainingDiverged, match=r"loss became nan at epoch 3, step 11 \(batch 1 of 5\)") as caught:
        _run(model, tmp_path / "run.npz", loss=NaNAt(13), epochs=5)  # calls 6 and 12 evaluate val
    assert len(caught.value.history) == 2
    tree, meta = read_checkpoint(tmp_path / "run.npz")
    assert meta["epoch"] == 2 and meta["step"] == 10
    kept, expected = tree["model"], reference.state_dict()
    assert all(np.array_equal(kept[k].data, expected[k].data) for k in expected)


def test_early_stopping_stops_and_restores_the_best_weights():
    manual_seed(0)
    model = _model()
    val = _data(16, seed=4, noise=True)  # random labels: the validation loss cannot keep improving
    history = fit(model, _data(), val, optimizer=optim.Adam(model.parameters(), lr=0.05), epochs=60,
                  batch_size=8, early_stopping=EarlyStopping(patience=3), progress=False)  # fmt: skip
    losses = history.column("val_loss")
    best = int(np.argmin(losses))
    assert history.stopped.startswith(f"early stopping after epoch {len(losses)}") and len(losses) == best + 4
    assert evaluate(model, val)["loss"] == pytest.approx(losses[best], rel=1e-6)


def test_checkpoint_names_a_registered_architecture_so_summary_prints_its_table(tmp_path):
    model = build(ARCHITECTURES["digits_cnn"], generator=np.random.default_rng(0))
    data = Dataset(np.zeros((20, 1, 8, 8), np.float32), np.arange(20) % 10)
    fit(model, data, epochs=1, batch_size=10, checkpoint=tmp_path / "c.npz", progress=False,
        metadata={"task": "digits"})  # fmt: skip
    _, meta = read_checkpoint(tmp_path / "c.npz")
    assert meta["architecture"] == "digits_cnn" and meta["task"] == "digits" and meta["input_shape"] == [1, 8, 8]
    table = format_table(summarize_checkpoint(tmp_path / "c.npz"))
    assert "conv 3×3 p1 + relu" in table and "1,370" in table and "its arrays hold 1,370 parameters" in table


def test_a_model_outside_the_registry_is_stored_as_layers(tmp_path):
    fit(_model(), _data(), epochs=1, checkpoint=tmp_path / "c.npz", progress=False)
    _, meta = read_checkpoint(tmp_path / "c.npz")
    assert [layer["kind"] for layer in meta["architecture"]] == ["conv", "dense"]
    assert summarize_checkpoint(tmp_path / "c.npz").params == _model().num_parameters()


def test_progress_bar_only_when_asked(capsys):
    fit(_model(), _data(), epochs=1, progress=True)
    assert "epoch 1" in capsys.readouterr().err
    fit(_model(), _data(), epochs=1)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""


def test_regression_targets_use_mse_and_no_accuracy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 1, 5, 5)).astype(np.float32)
    data = Dataset(x, x.copy())
    model = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1, generator=rng))
    history = fit(model, data, data, optimizer=optim.Adam(model.parameters(), lr=0.05), epochs=20, progress=False)
    assert history.last["train_accuracy"] is None and history.last["val_loss"] < 0.02
    assert evaluate(model, data)["accuracy"] is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "give exactly one of epochs and steps"),
    ({"epochs": 1, "steps": 2}, "give exactly one of epochs and steps"),
    ({"epochs": 0}, "epochs must be a positive integer, got 0"),
    ({"steps": 1.5}, "steps must be a positive integer, got 1.5"),
    ({"epochs": 1, "early_stopping": 2}, "early stopping watches the validation loss"),
    ({"epochs": 1, "batch_size": 100, "drop_last": True}, "the training data give no batch"),
])  # fmt: skip
def test_bad_arguments_are_refused(kwargs, message):
    train = _data()
    if kwargs.pop("drop_last", False):
        train = DataLoader(train, kwargs.pop("batch_size"), drop_last=True)
    with pytest.raises(ValueError, match=message):
        fit(_model(), train, **kwargs)


def test_resume_refuses_what_is_not_this_run(tmp_path):
    path = tmp_path / "run.npz"
    with pytest.raises(FileNotFoundError, match="there is no checkpoint at"):
        resume(path, _model(), _data(), epochs=2)
    fit(_model(), _data(), epochs=1, batch_size=10, checkpoint=path, progress=False)
    other = nn.Sequential(nn.Flatten(), nn.Linear(36, 2))
    with pytest.raises(CheckpointError, match=r"holds a model of 2 layers \(conv, dense\), but this model is a model"):
        resume(path, other, _data(), epochs=2, batch_size=10)
    with pytest.raises(CheckpointError, match="batching would not continue the same run"):
        resume(path, _model(), _data(), epochs=2, batch_size=12)
    with pytest.raises(CheckpointError, match="trained with optimizer Adam, this run has SGD"):
        model = _model()
        resume(path, model, _data(), optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=2, batch_size=10)


def test_foreign_and_tampered_checkpoints_are_refused(tmp_path):
    plain = tmp_path / "plain.npz"
    save(_model().state_dict(), plain)
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        read_checkpoint(plain)
    path = tmp_path / "run.npz"
    fit(_model(), _data(), epochs=1, batch_size=10, checkpoint=path, progress=False)
    tree, meta = read_checkpoint(path)
    for key, value, message in [("step", -1, "'step' must be a count ≥ 0, got -1"),
                                ("version", 99, "training checkpoint version 99"),
                                ("rng", {"bit_generator": "MT19937"}, "unreadable random generator state"),
                                ("history", {"records": [{"epoch": "x"}]}, "record 0 must have exactly the keys")]:
        save(tree, tmp_path / "bad.npz", metadata={**meta, key: value})  # fmt: skip
        with pytest.raises(CheckpointError, match=message):
            resume(tmp_path / "bad.npz", _model(), _data(), epochs=2, batch_size=10)
    json.dumps(meta)  # the metadata is plain JSON

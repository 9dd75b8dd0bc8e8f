"""Optimizers and schedulers: trajectories and learning rates equal PyTorch's, state dicts round-trip,
bad hyperparameters are rejected, and a tiny network trained with SGD gets better."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.nn.loss_functions import cross_entropy
from tinygrad_cnn.optim import SGD, Adam, AdamW
from tinygrad_cnn.optim.lr_scheduler import CosineAnnealingLR, StepLR

STEPS = 10


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4).astype(np.float32)]


def run_ours(make_optimizer, arrays, grads):
    params = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = make_optimizer(params)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else Tensor(g)
        opt.step()
        history.append([p.numpy().copy() for p in params])
    return history


def run_torch(torch, make_optimizer, arrays, grads):
    params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = make_optimizer(params)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else torch.from_numpy(g.copy())
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def random_grads(arrays, seed=1, skip_second_at=(3,)):
    """Gradients for STEPS steps; the second parameter has none at some steps (it must be skipped)."""
    rng = np.random.default_rng(seed)
    return [
        [
            rng.standard_normal(a.shape).astype(np.float32) if not (i == 1 and t in skip_second_at) else None
            for i, a in enumerate(arrays)
        ]  # fmt: skip
        for t in range(STEPS)
    ]


OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, betas=(0.5, 0.9), weight_decay=0.3)),
    ("Adam", dict(lr=0.05, betas=(0.5, 0.6), amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.05, betas=(0.5, 0.6), amsgrad=True)),
]


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS)
def test_trajectory_matches_pytorch(torch, name, kwargs):
    ours_class = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW}[name]
    arrays = make_params()
    grads = random_grads(arrays)
    ours = run_ours(lambda ps: ours_class(ps, **kwargs), arrays, grads)
    theirs = run_torch(torch, lambda ps: getattr(torch.optim, name)(ps, **kwargs), arrays, grads)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for pa, pb in zip(a, b):
            np.testing.assert_allclose(pa, pb, rtol=1e-6, atol=1e-6, err_msg=f"{name} {kwargs} step {step}")


def test_param_groups_with_their_own_learning_rates_match_pytorch(torch):
    arrays = make_params()
    grads = random_grads(arrays, skip_second_at=())

    def groups(ps):
        return [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.5, "momentum": 0.0}]

    ours = run_ours(lambda ps: SGD(groups(ps), lr=0.1, momentum=0.9), arrays, grads)
    theirs = run_torch(torch, lambda ps: torch.optim.SGD(groups(ps), lr=0.1, momentum=0.9), arrays, grads)
    np.testing.assert_allclose(ours[-1][0], theirs[-1][0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours[-1][1], theirs[-1][1], rtol=1e-6, atol=1e-6)


def test_sgd_and_adam_by_hand():
    w = Tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.5)
    for _ in range(2):
        w.grad = Tensor(np.array([1.0, 1.0]))
        opt.step()
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.1 * 1 - 0.1 * 1.5, -2.0 - 0.1 - 0.15])  # b = 1, then 1.5
    w = Tensor([0.0], dtype=np.float64, requires_grad=True)
    adam = Adam([w], lr=0.1)
    w.grad = Tensor(np.array([3.0]))
    adam.step()  # first step: m̂ = g, v̂ = g², so the step is lr · g / (|g| + eps) ≈ lr
    np.testing.assert_allclose(w.numpy(), [-0.1 * 3 / (3 + 1e-8)])


def test_parameters_without_gradients_are_untouched():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    opt = Adam([a, b], weight_decay=0.1)
    a.grad = Tensor([1.0])
    opt.step()
    assert b.numpy()[0] == 2.0 and b not in opt.state
    opt.zero_grad()
    assert a.grad is None


def test_updates_are_in_place():
    layer = nn.Linear(2, 2)
    data = layer.weight.data
    opt = SGD(layer.parameters(), lr=0.1)
    layer(Tensor(np.ones((1, 2), np.float32))).sum().backward()
    opt.step()
    assert layer.weight.data is data


def test_optimizer_state_dict_round_trip():
    arrays = make_params()
    grads = random_grads(arrays, skip_second_at=())
    full = run_ours(lambda ps: Adam(ps, lr=0.01), arrays, grads)

    params = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = Adam(params, lr=0.01)
    for step_grads in grads[:5]:
        for p, g in zip(params, step_grads):
            p.grad = Tensor(g)
        opt.step()
    saved = opt.state_dict()
    assert sorted(saved) == ["param_groups", "state"] and saved["param_groups"][0]["params"] == [0, 1]
    assert saved["state"][0]["step"] == 5 and saved["state"][0]["exp_avg"].shape == (3, 4)

    resumed_params = [Tensor(p.numpy().copy(), requires_grad=True) for p in params]
    resumed = Adam(resumed_params, lr=0.5)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == 0.01
    for step_grads in grads[5:]:
        for p, g in zip(resumed_params, step_grads):
            p.grad = Tensor(g)
        resumed.step()
    for p, expected in zip(resumed_params, full[-1]):
        np.testing.assert_array_equal(p.numpy(), expected)


def test_optimizer_state_dict_mismatch_errors():
    opt = SGD([Tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    other = SGD([Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=r"saved groups have \[2\] parameters, this optimizer's have \[1\]"):
        opt.load_state_dict(other.state_dict())
    bad = {"state": {0: {"momentum_buffer": np.zeros(3)}}, "param_groups": opt.state_dict()["param_groups"]}
    with pytest.raises(ValueError, match=r"momentum_buffer' of parameter 0 has shape \(3,\)"):
        opt.load_state_dict(bad)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda ps: SGD(ps, lr=-0.1), "SGD: lr must be a finite real number ≥ 0"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), r"Adam: betas must be two numbers in \[0, 1\)"),
        (lambda ps: AdamW(ps, eps=-1.0), "AdamW: eps must be a finite real number ≥ 0"),
        (lambda ps: SGD([], lr=0.1), "SGD: got an empty parameter list"),
        (lambda ps: SGD(ps + ps, lr=0.1), "appears in more than one place"),
        (lambda ps: SGD([Tensor([1.0])], lr=0.1), "only optimise leaf tensors that require grad"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make([Tensor([1.0], requires_grad=True)])


# ---- schedulers ----


@pytest.mark.parametrize(
    "ours_make, torch_make",
    [
        (lambda o: StepLR(o, step_size=3), lambda t, o: t.optim.lr_scheduler.StepLR(o, step_size=3)),
        (lambda o: StepLR(o, 2, gamma=0.5), lambda t, o: t.optim.lr_scheduler.StepLR(o, 2, gamma=0.5)),
        (lambda o: CosineAnnealingLR(o, T_max=7), lambda t, o: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7)),
        (
            lambda o: CosineAnnealingLR(o, 5, eta_min=0.01),
            lambda t, o: t.optim.lr_scheduler.CosineAnnealingLR(o, 5, eta_min=0.01),
        ),
    ],
)
def test_scheduler_learning_rates_match_pytorch(torch, ours_make, torch_make):
    def groups(ps):
        return [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.3}]

    ours_opt = SGD(groups([Tensor([1.0], requires_grad=True) for _ in range(2)]), lr=0.1)
    theirs_opt = torch.optim.SGD(groups([torch.zeros(1, requires_grad=True) for _ in range(2)]), lr=0.1)
    ours, theirs = ours_make(ours_opt), torch_make(torch, theirs_opt)
    for _ in range(16):  # past T_max, where the cosine turns back up
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-9, atol=1e-12)
        assert [g["lr"] for g in ours_opt.param_groups] == ours.get_last_lr()
        ours_opt.step(), theirs_opt.step()
        ours.step(), theirs.step()


def test_scheduler_state_dict_and_errors():
    opt = SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    sched = CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        sched.step()
    state = sched.state_dict()
    assert state["last_epoch"] == 4 and "optimizer" not in state
    fresh = CosineAnnealingLR(SGD([Tensor([1.0], requires_grad=True)], lr=1.0), T_max=10)
    fresh.load_state_dict(state)
    fresh.step(), sched.step()
    assert fresh.get_last_lr() == sched.get_last_lr()
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive integer"):
        CosineAnnealingLR(opt, T_max=2.5)


# ---- training ----


def test_tiny_network_trained_with_sgd_gets_better():
    gen = np.random.default_rng(0)
    x = gen.standard_normal((64, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)  # XOR of the signs: not linearly separable
    model = nn.Sequential(nn.Linear(2, 16, generator=gen), nn.ReLU(), nn.Linear(16, 2, generator=gen))
    opt = SGD(model.parameters(), lr=0.2, momentum=0.9)
    sched = StepLR(opt, step_size=100, gamma=0.5)
    losses = []
    for _ in range(150):
        opt.zero_grad()
        loss = cross_entropy(model(Tensor(x)), Tensor(y))
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert np.mean(losses[-10:]) < np.mean(losses[:10])
    accuracy = (model(Tensor(x)).numpy().argmax(1) == y).mean()
    assert accuracy > 0.9


def test_amsgrad_changes_the_steps_and_keeps_pytorchs_state_name(torch):
    arrays = make_params()
    grads = random_grads(arrays)
    plain = run_ours(lambda ps: Adam(ps, lr=0.05, betas=(0.5, 0.6)), arrays, grads)
    ams = run_ours(lambda ps: Adam(ps, lr=0.05, betas=(0.5, 0.6), amsgrad=True), arrays, grads)
    assert not np.allclose(plain[-1][0], ams[-1][0])  # the running maximum of v matters for these gradients
    params = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = Adam(params, amsgrad=True)
    for p in params:
        p.grad = Tensor(np.ones(p.shape, np.float32))
    opt.step()
    theirs = torch.optim.Adam([torch.zeros(3, 4, requires_grad=True)], amsgrad=True)
    theirs.param_groups[0]["params"][0].grad = torch.ones(3, 4)
    theirs.step()
    assert set(opt.state_dict()["state"][0]) == set(theirs.state_dict()["state"][0])
    assert opt.state_dict()["param_groups"][0]["amsgrad"] is True


def test_a_checkpoint_from_before_amsgrad_continues_without_it_as_in_pytorch():
    w = Tensor(np.zeros(3, np.float32), requires_grad=True)
    old = Adam([w], lr=0.1)
    w.grad = Tensor(np.ones(3, np.float32))
    old.step()
    saved = old.state_dict()
    del saved["param_groups"][0]["amsgrad"]  # as written by a version without amsgrad
    resumed = Adam([w], lr=0.1, amsgrad=True)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["amsgrad"] is False
    resumed.step()  # no KeyError for the missing running maximum
    assert resumed.state_dict()["state"][0]["step"] == 2

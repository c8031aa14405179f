import os
import sys

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_lib.data.datasets import EpochSeeded, clip_rng, make_loader, set_epoch
from course_lib.train import Trainer, plot_history


def _data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return TensorDataset(x, y)


def _loader(ds, shuffle=True):
    return DataLoader(ds, batch_size=8, shuffle=shuffle, generator=torch.Generator())


def _model():
    torch.manual_seed(123)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))


def _trainer(tmp_path=None, **kw):
    return Trainer(
        _model(),
        nn.functional.cross_entropy,
        lr=0.01,
        device="cpu",
        seed=7,
        checkpoint_dir=tmp_path,
        progress=False,
        verbose=False,
        **kw,
    )


def test_training_reduces_loss_and_logs(tmp_path):
    trainer = _trainer(tmp_path, metrics_fn=lambda o, t: {"acc": (o.argmax(1) == t).float().mean()})
    history = trainer.fit(_loader(_data()), _loader(_data(32, 1), False), num_epochs=8)
    assert len(history) == 8 and history[-1]["train_loss"] < history[0]["train_loss"] * 0.7
    assert history[-1]["valid_acc"] > 0.8
    assert {"epoch", "train_loss", "valid_loss", "valid_acc", "lr"} <= set(history[0])
    assert (tmp_path / "last.pt").exists() and (tmp_path / "best.pt").exists()
    lines = (tmp_path / "history.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,train_loss") and len(lines) == 9
    assert len(plot_history(history)) == 2  # train_loss and valid_loss curves


def test_resume_reproduces_an_uninterrupted_run(tmp_path):
    full = _trainer(tmp_path / "full")
    full.fit(_loader(_data()), num_epochs=6)
    part = _trainer(tmp_path / "part")
    part.fit(_loader(_data()), num_epochs=3)  # "disconnect" after 3 epochs
    resumed = _trainer(tmp_path / "part")  # a fresh process: new model and optimiser
    resumed.fit(_loader(_data()), num_epochs=6, resume=True)
    assert resumed.epoch == 6 and len(resumed.history) == 6
    for a, b in zip(full.model.state_dict().values(), resumed.model.state_dict().values()):
        torch.testing.assert_close(a, b)
    assert [r["train_loss"] for r in full.history] == pytest.approx(
        [r["train_loss"] for r in resumed.history]
    )


def test_a_crash_during_save_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    trainer = _trainer(tmp_path)
    trainer.fit(_loader(_data()), num_epochs=2)
    good = (tmp_path / "last.pt").read_bytes()

    def crash(obj, f, *args, **kwargs):
        with open(f, "wb") as handle:
            handle.write(b"half a checkpoint")
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(_loader(_data()), num_epochs=3)
    assert (tmp_path / "last.pt").read_bytes() == good
    monkeypatch.undo()
    again = _trainer(tmp_path)
    again.fit(_loader(_data()), num_epochs=2, resume=True)  # loads cleanly, nothing left to do
    assert again.epoch == 2


def test_foreign_checkpoint_is_reported(tmp_path):
    torch.save({"weights": 1}, tmp_path / "last.pt")
    with pytest.raises(ValueError, match=r"not a Trainer checkpoint: missing \['epoch'"):
        _trainer(tmp_path).fit(_loader(_data()), num_epochs=2, resume=True)


def test_checkpoint_every_and_rng_state(tmp_path):
    trainer = _trainer(tmp_path, checkpoint_every=2)
    trainer.fit(_loader(_data()), num_epochs=3)
    state = torch.load(tmp_path / "last.pt", weights_only=False)
    assert state["epoch"] == 3  # the final epoch is always saved
    assert set(state["rng"]) >= {"python", "numpy", "torch"}
    trainer = _trainer(tmp_path / "b", checkpoint_every=2)
    trainer.fit(_loader(_data()), num_epochs=1)
    assert (tmp_path / "b" / "last.pt").exists()
    with pytest.raises(ValueError, match="checkpoint_every"):
        _trainer(checkpoint_every=0)


def test_early_stopping(tmp_path):
    trainer = Trainer(
        _model(),
        nn.functional.cross_entropy,
        lr=0.0,
        device="cpu",
        patience=2,
        progress=False,
        verbose=False,
    )  # lr 0: never improves
    history = trainer.fit(_loader(_data()), _loader(_data(16, 2), False), num_epochs=20)
    assert len(history) == 3  # best at epoch 1, then 2 epochs without improvement


def test_bad_settings_and_nan_loss():
    with pytest.raises(ValueError, match="mode"):
        Trainer(_model(), nn.functional.cross_entropy, mode="best", device="cpu")
    with pytest.raises(ValueError, match="patience"):
        Trainer(_model(), nn.functional.cross_entropy, patience=0, device="cpu")
    with pytest.raises(ValueError, match="checkpoint_dir"):
        _trainer().fit(_loader(_data()), num_epochs=1, resume=True)
    bad = TensorDataset(torch.full((8, 8), float("nan")), torch.zeros(8, dtype=torch.long))
    with pytest.raises(FloatingPointError, match="learning rate"):
        _trainer().fit(_loader(bad), num_epochs=1)
    with pytest.raises(ValueError, match="empty"):
        plot_history([])


DDP_SCRIPT = r"""
import os, sys, torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from course_lib.train import Trainer, setup_distributed, shard_loader

rank, world = setup_distributed("gloo")
g = torch.Generator().manual_seed(0)
x = torch.randn(64, 8, generator=g); y = (x[:, 0] > 0).long()
ds = TensorDataset(x, y)
loader = shard_loader(DataLoader(ds, batch_size=8 // world), shuffle=False)
assert len(loader.dataset) == 64 and len(loader) == 64 // 8  # each rank: half of each batch
assert (world == 1) == (loader.sampler.__class__.__name__ == "SequentialSampler")
torch.manual_seed(1)
model = nn.Linear(8, 2)
sgd = torch.optim.SGD(model.parameters(), lr=0.1)
trainer = Trainer(model, nn.functional.cross_entropy, optimizer=sgd, device="cpu",
                  progress=False, verbose=False)
trainer.fit(loader, num_epochs=3)
torch.save(trainer.model.module.state_dict() if world > 1 else trainer.model.state_dict(),
           os.path.join(sys.argv[1], f"rank{rank}_of{world}.pt"))
"""


def test_ddp_on_cpu_with_gloo_matches_single_process(tmp_path, monkeypatch):
    import runpy
    import subprocess

    script = tmp_path / "ddp_train.py"
    script.write_text(DDP_SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # the single-process reference runs in this process (no torchrun variables: world size 1)
    monkeypatch.setattr(sys, "argv", [str(script), str(tmp_path)])
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    runpy.run_path(str(script), run_name="__main__")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            "--standalone",  # a free port: parallel test runs do not collide
            str(script),
            str(tmp_path),
        ],
        check=True,
        env=env,
        timeout=180,
        capture_output=True,
    )
    single = torch.load(tmp_path / "rank0_of1.pt")
    r0, r1 = torch.load(tmp_path / "rank0_of2.pt"), torch.load(tmp_path / "rank1_of2.pt")
    for key in single:
        torch.testing.assert_close(r0[key], r1[key])  # replicas stay in sync
        # two ranks x 4 examples with averaged gradients == one process with batches of 8
        torch.testing.assert_close(r0[key], single[key], rtol=1e-5, atol=1e-6)
    assert not np.allclose(single["weight"].numpy(), 0)


class _Noisy(EpochSeeded, torch.utils.data.Dataset):
    """A toy dataset drawing from clip_rng, recording the epochs it was set to."""

    def __init__(self, n=16, seed=0):
        self.n, self.seed, self.epochs = n, seed, []

    def set_epoch(self, epoch):
        self.epochs.append(epoch)
        super().set_epoch(epoch)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = torch.from_numpy(self.clip_rng(i).standard_normal(8).astype(np.float32))
        return x, torch.tensor(int(x[0] > 0))


def test_clip_rng_depends_on_seed_epoch_index_and_salt_only():
    draw = clip_rng(3, 1, 7).random(4)
    np.testing.assert_array_equal(draw, clip_rng(3, 1, 7).random(4))
    for other in ((4, 1, 7), (3, 2, 7), (3, 1, 8), (3, 1, 7, "mix"), (3, 1, 7, 1)):
        assert not np.array_equal(draw, clip_rng(*other).random(4)), other
    np.testing.assert_array_equal(
        clip_rng(0, 0, 0, "a").random(2), clip_rng(0, 0, 0, "a").random(2)
    )
    with pytest.raises(ValueError, match=">= 0"):
        clip_rng(-1, 0, 0)


def test_set_epoch_reaches_wrapped_datasets_and_trainer_calls_it():
    from torch.utils.data import ConcatDataset, Subset

    a, b = _Noisy(), _Noisy(seed=1)
    assert set_epoch(Subset(ConcatDataset([a, Subset(b, [0, 1])]), [0, 17]), 5) == 2
    assert a.epochs == [5] and b.epochs == [5] and set_epoch(_data(), 1) == 0
    ds = _Noisy()
    _trainer().fit(make_loader(Subset(ds, range(12)), 4, shuffle=True), num_epochs=3)
    assert ds.epochs == [0, 1, 2]


def test_draws_do_not_depend_on_workers_and_persistent_workers_are_refused():
    def epoch_batches(num_workers):
        ds = _Noisy()
        ds.set_epoch(2)
        loader = make_loader(ds, 4, num_workers=num_workers)
        assert not loader.persistent_workers  # workers must see each new epoch
        return torch.cat([x for x, _ in loader])

    torch.testing.assert_close(epoch_batches(0), epoch_batches(2), rtol=0, atol=0)
    kept = DataLoader(_Noisy(), batch_size=4, num_workers=1, persistent_workers=True)
    with pytest.raises(ValueError, match="persistent_workers=False"):
        _trainer().fit(kept, num_epochs=1)


def test_mix_dataset_and_augment_draw_from_the_example_generator():
    from course_lib.data.datasets import Augment, MixDataset

    inner = _Noisy()
    mixed = MixDataset(inner, prob=0.5, seed=4)
    first = [mixed[i][0] for i in range(8)]
    mixed.set_epoch(1)
    assert inner.epochs == [1]  # the wrapped dataset follows
    assert not all(torch.equal(a, mixed[i][0]) for i, a in enumerate(first))
    mixed.set_epoch(0)
    assert all(torch.equal(a, mixed[i][0]) for i, a in enumerate(first))
    augment, y = Augment(time_shift=0.01, sr=1000), np.linspace(-1, 1, 500, dtype=np.float32)
    np.testing.assert_array_equal(augment(y, clip_rng(0, 2, 3)), augment(y, clip_rng(0, 2, 3)))
    torch.manual_seed(5)
    again = augment(y)
    torch.manual_seed(5)
    np.testing.assert_array_equal(again, augment(y))  # without rng: torch's seed decides

"""Exact resume on real tasks: a run interrupted mid-epoch and resumed from its checkpoint
folder (fresh ``build_task``, fresh ``Trainer``) ends with the same weights, bit for bit, as
the uninterrupted run: every random draw depends only on (seed, epoch, index)."""

import pytest
import torch

from course_lib.tasks import build_task
from course_lib.train import Trainer


def _trainer(setup, run_dir):
    return Trainer(
        setup.model,
        setup.loss_fn,
        lr=setup.lr,
        device="cpu",
        seed=3,
        checkpoint_dir=run_dir,
        metrics_fn=setup.metrics_fn,
        monitor=setup.monitor,
        mode=setup.mode,
        progress=False,
        verbose=False,
    )


def _interrupt_at_step(trainer, step):
    """Make the optimiser raise KeyboardInterrupt after its ``step``-th update (a disconnect
    in the middle of an epoch: the weights in memory have moved past the last checkpoint)."""
    real, calls = trainer.optimizer.step, [0]

    def step_then_maybe_die(*args, **kwargs):
        out = real(*args, **kwargs)
        calls[0] += 1
        if calls[0] == step:
            raise KeyboardInterrupt("disconnected")
        return out

    trainer.optimizer.step = step_then_maybe_die


def _assert_resume_is_exact(tmp_path, task, epochs, **options):
    def fresh():
        return build_task(task, "smoke", seed=1, num_epochs=epochs, **options)

    full_setup = fresh()
    steps_per_epoch = len(full_setup.train_loader)
    full = _trainer(full_setup, tmp_path / "full")
    full.fit(full_setup.train_loader, full_setup.valid_loader, num_epochs=epochs)

    part_setup = fresh()
    part = _trainer(part_setup, tmp_path / "part")
    _interrupt_at_step(part, steps_per_epoch + 1)  # one update into epoch 2
    with pytest.raises(KeyboardInterrupt):
        part.fit(part_setup.train_loader, part_setup.valid_loader, num_epochs=epochs)
    assert torch.load(tmp_path / "part" / "last.pt", weights_only=False)["epoch"] == 1

    again_setup = fresh()  # a new process: data, model and trainer built again
    again = _trainer(again_setup, tmp_path / "part")
    again.fit(again_setup.train_loader, again_setup.valid_loader, num_epochs=epochs, resume=True)
    assert again.epoch == epochs
    a, b = full.model.state_dict(), again.model.state_dict()
    assert list(a) == list(b)
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different
    assert [r["train_loss"] for r in again.history] == [r["train_loss"] for r in full.history]


def test_onset_resume_after_an_interruption_is_exact(tmp_path):
    _assert_resume_is_exact(tmp_path, "onset", 3, max_clips=2)


def test_activity_with_augmentation_resume_is_exact(tmp_path):
    setup = build_task("activity", "smoke", seed=1, max_clips=3, augment=True)
    train = setup.train_loader.dataset
    first = train[0][0]
    train.set_epoch(1)
    assert not torch.equal(first, train[0][0])  # another chunk and augmentation next epoch
    train.set_epoch(0)
    assert torch.equal(first, train[0][0])  # the same example again: (seed, epoch, index)
    _assert_resume_is_exact(tmp_path, "activity", 3, max_clips=3, augment=True)

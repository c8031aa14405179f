"""Fine-tuning a shipped network against training it from scratch, with the same budget.

Lecture: transfer learning (08 section 11 "Transfer: from tags to genres") and the sections
that run a task on a real corpus (08 section 8 on GTZAN, 10 section 4 on NSynth).

:func:`train_and_test` trains a :class:`~course_lib.tasks.TaskSetup` (built with or without
``warm_start``, see :func:`course_lib.tasks.warm_start_model`) for a fixed number of epochs
and scores it on its test split; :func:`compare_runs` puts two such runs side by side, song
by song, and says in words only what the numbers show.
"""

from __future__ import annotations

import math
import time

import numpy as np

from . import TaskSetup

__all__ = ["train_and_test", "compare_runs", "mcnemar_p"]


def train_and_test(setup: TaskSetup, *, seed: int = 0, num_epochs: int | None = None) -> dict:
    """Train ``setup.model`` for a fixed number of epochs, then score it on the test split.

    Lecture: transfer learning (08 section 11) and the real-corpus sections (08 section 8,
    10 section 4). The recipe is the task's (loss, learning rate, batches); no early
    stopping, so two runs with the same ``num_epochs`` and ``seed`` differ only in where
    their weights started.

    Parameters
    ----------
    setup : TaskSetup
        A single-label classification task with a ``test_loader`` (genre, instrument).
    seed : int
        The :class:`~course_lib.train.Trainer` seed (batch order, dropout).
    num_epochs : int, optional
        Default: ``setup.num_epochs``.

    Returns
    -------
    dict
        ``accuracy``, ``right`` and ``n_test`` (test clips classified correctly, of how
        many), ``chance`` (the accuracy of always answering the most frequent test class),
        ``correct`` (one bool per test clip), ``train_loss`` (per epoch), ``seconds``,
        ``warm_start`` (the checkpoint, or ``None``) and ``model`` (the trained network).
    """
    from ..train import Trainer

    if setup.test_loader is None:
        raise ValueError(f"the {setup.name} task has no test split to score on (test_loader)")
    trainer = Trainer(
        setup.model, setup.loss_fn, lr=setup.lr, seed=seed, progress=False, verbose=False
    )
    start = time.perf_counter()
    history = trainer.fit(setup.train_loader, num_epochs=int(num_epochs or setup.num_epochs))
    outputs, targets = trainer.predict(setup.test_loader)
    y_true = targets.numpy()
    if y_true.ndim != 1:
        raise ValueError("train_and_test scores single-label tasks (one class per clip)")
    correct = outputs.numpy().argmax(1) == y_true
    return {
        "accuracy": float(correct.mean()),
        "right": int(correct.sum()),
        "n_test": len(correct),
        "chance": float(np.bincount(y_true).max() / len(y_true)),
        "correct": correct.tolist(),
        "train_loss": [float(r["train_loss"]) for r in history],
        "seconds": time.perf_counter() - start,
        "warm_start": setup.info.get("warm_start"),
        "model": trainer.model,
    }


def mcnemar_p(only_a: int, only_b: int) -> float:
    """Exact two-sided McNemar p-value: how surprising ``only_a`` against ``only_b`` is.

    Lecture: transfer learning (is one model really better on the same test clips?).
    ``only_a``: clips model A got right and B wrong; ``only_b``: the reverse. If the two
    models were equally good, each disagreement would go either way with probability 1/2;
    the p-value is the probability of a split at least this lopsided (1.0 for no
    disagreement).
    """
    n, k = only_a + only_b, min(only_a, only_b)
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def compare_runs(a: dict, b: dict, name_a: str, name_b: str, what: str = "test clips") -> str:
    """Two runs of :func:`train_and_test` on the same test clips, compared in words.

    Lecture: transfer learning (08 section 11). Counts the clips each run got right, the
    clips only one of them got right, the exact McNemar p-value of that split
    (:func:`mcnemar_p`) and the last epoch's training loss; the verdict names a winner only
    when ``p < 0.05``, otherwise it says the test set cannot tell them apart.
    """
    if a["n_test"] != b["n_test"]:
        raise ValueError("the two runs were scored on different test sets")
    n = a["n_test"]
    only_a = sum(x and not y for x, y in zip(a["correct"], b["correct"]))
    only_b = sum(y and not x for x, y in zip(a["correct"], b["correct"]))
    p = mcnemar_p(only_a, only_b)
    lines = [
        f"{name_a}: {a['right']} of {n} {what} right (accuracy {a['accuracy']:.3f}), "
        f"final training loss {a['train_loss'][-1]:.3f}",
        f"{name_b}: {b['right']} of {n} {what} right (accuracy {b['accuracy']:.3f}), "
        f"final training loss {b['train_loss'][-1]:.3f}",
        f"right only with {name_a}: {only_a}; only with {name_b}: {only_b}; "
        f"exact McNemar p = {p:.2f}",
    ]
    if a["right"] == b["right"]:
        verdict = f"same number of {what} right"
    else:
        better, worse = (name_a, name_b) if a["right"] > b["right"] else (name_b, name_a)
        diff = abs(a["right"] - b["right"])
        verdict = f"{better} got {diff} more of the {n} {what} right than {worse}"
    if p < 0.05:
        verdict += f"; a split this lopsided is unlikely by chance (p = {p:.2f})"
    else:
        verdict += (
            f"; {only_a + only_b} of the {n} {what} were right for only one of them, and a "
            f"split like this happens by chance (p = {p:.2f} >= 0.05): this test set cannot "
            "tell the two apart"
        )
    return "\n".join(lines + [verdict])

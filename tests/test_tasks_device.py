"""Every public function that runs a model feeds it tensors on the model's device.

Without a GPU: the shipped model is moved to PyTorch's ``meta`` device (tensors with shapes and
no data), and a forward pre-hook on every submodule records the device of the first input that
reaches the model, then stops the call. A function that builds a CPU tensor and hands it to a
model on another device (what fails on a Colab GPU) records ``cpu`` instead of ``meta``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import checkpoints, explain, tasks
from course_lib.tasks import (
    _common,
    activity,
    instrument,
    model_device,
    multif0,
    onset,
    pitch,
    tagging,
)

SR = 22050


class Reached(Exception):
    """Raised by the hook once an input has reached the model."""


def on_meta(name: str, move: bool = True) -> tuple[torch.nn.Module, list[torch.device]]:
    """The shipped checkpoint ``name`` (on the meta device if ``move``) and the list its hook
    fills."""
    model, _ = checkpoints.load_checkpoint(name)
    if move:
        model.to("meta")
    seen: list[torch.device] = []

    def hook(_module, inputs):
        tensors = [t for t in inputs if isinstance(t, torch.Tensor)]
        if tensors:
            seen.append(tensors[0].device)
            raise Reached

    for module in model.modules():
        module.register_forward_pre_hook(hook)
    return model, seen


def tone(seconds: float = 1.5, sr: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (t % 0.5 < 0.3)).astype(np.float32)


CALLS = {
    "detect_onsets": ("onset_cnn", lambda m, **kw: tasks.detect_onsets(tone(), SR, model=m, **kw)),
    "onset_activation": (
        "onset_cnn",
        lambda m, **kw: onset.onset_activation(tone(), SR, model=m, **kw),
    ),
    "estimate_pitch": (
        "crepe_tiny",
        lambda m, **kw: tasks.estimate_pitch(tone(), SR, model=m, **kw),
    ),
    "pitch_activation": (
        "crepe_tiny",
        lambda m, **kw: pitch.pitch_activation(tone(), SR, model=m, **kw),
    ),
    "estimate_multi_f0": (
        "salience_small",
        lambda m, **kw: tasks.estimate_multi_f0(tone(), SR, model=m, **kw),
    ),
    "salience_map": (
        "salience_small",
        lambda m, **kw: multif0.salience_map(tone(), SR, model=m, **kw),
    ),
    "predict_tags": (
        "short_chunk_tagger",
        lambda m, **kw: tasks.predict_tags(tone(), SR, model=m, **kw),
    ),
    "tag_probabilities": (
        "short_chunk_tagger",
        lambda m, **kw: tagging.tag_probabilities(tone(), SR, model=m, **kw),
    ),
    "predict_instrument": (
        "instrument_cnn",
        lambda m, **kw: tasks.predict_instrument(tone(), SR, model=m, **kw),
    ),
    "instrument_probabilities": (
        "instrument_cnn",
        lambda m, **kw: instrument.instrument_probabilities(tone(), SR, model=m, **kw),
    ),
    "detect_activity": (
        "activity_cnn",
        lambda m, **kw: tasks.detect_activity(tone(), SR, model=m, **kw),
    ),
    "activity_probability": (
        "activity_cnn",
        lambda m, **kw: activity.activity_probability(tone(), SR, model=m, **kw),
    ),
    "compute_activations": (
        "short_chunk_tagger",
        lambda m, **kw: explain.compute_activations(m, tone(), next(iter(explain.conv_layers(m)))),
    ),
}


@pytest.mark.parametrize("fn", sorted(CALLS))
def test_inputs_reach_the_model_on_its_device(fn):
    name, call = CALLS[fn]
    model, seen = on_meta(name)
    with pytest.raises(Reached):
        call(model)
    assert seen == [torch.device("meta")], f"{fn} fed the model a tensor on {seen}"


@pytest.mark.parametrize(
    "fn", ["detect_onsets", "estimate_pitch", "predict_tags", "detect_activity"]
)
def test_explicit_device_moves_the_model_there(fn):
    name, call = CALLS[fn]
    model, seen = on_meta(name, move=False)  # on the CPU: the call must move it
    with pytest.raises(Reached):
        call(model, device="meta")
    assert seen == [torch.device("meta")] and model_device(model) == torch.device("meta")


def test_the_six_functions_share_one_signature():
    import inspect

    six = [name for name in tasks.__all__ if name in tasks._TASK_FUNCTIONS]
    assert len(six) == 6
    for fn in six:
        params = inspect.signature(getattr(tasks, fn)).parameters
        assert list(params)[:2] == ["y", "sr"], fn
        for keyword in ("model", "threshold", "device"):
            assert params[keyword].kind is inspect.Parameter.KEYWORD_ONLY, (fn, keyword)
            assert params[keyword].default is None, (fn, keyword)


def test_results_are_numpy_on_the_cpu_and_match_an_explicit_cpu_device():
    y = tone()
    default = tasks.detect_onsets(y, SR)
    explicit = tasks.detect_onsets(y, SR, device="cpu")
    assert isinstance(default, np.ndarray)
    np.testing.assert_array_equal(default, explicit)
    times, f0, confidence = tasks.estimate_pitch(y, SR, device=torch.device("cpu"))
    assert isinstance(f0, np.ndarray) and f0.shape == times.shape == confidence.shape
    # the tone is 220 Hz: the voiced frames say so (within a semitone)
    voiced = f0 > 0
    assert voiced.mean() > 0.3
    assert np.median(np.abs(1200 * np.log2(f0[voiced] / 220))) < 100


def test_shipped_checkpoint_is_read_and_hash_checked_once_per_process(monkeypatch):
    calls = []
    real = checkpoints.sha256_of
    monkeypatch.setattr(checkpoints, "sha256_of", lambda p: calls.append(p) or real(p))
    checkpoints._verified_state.cache_clear()
    _common._shipped_model.cache_clear()
    y = tone()
    first = tasks.detect_onsets(y, SR)
    second = tasks.detect_onsets(y, SR)
    np.testing.assert_array_equal(first, second)
    assert len(calls) == 1


def test_a_model_carries_its_normalisation_and_threshold():
    model, meta = checkpoints.load_checkpoint("onset_cnn")
    carried = tasks.preprocessing_of(model)
    np.testing.assert_array_equal(carried["mean"], meta["mean"])
    assert carried["threshold"] == pytest.approx(meta["threshold"])
    bare = type(model)()
    with pytest.raises(ValueError, match="attach_preprocessing"):
        tasks.detect_onsets(tone(), SR, model=bare)
    tasks.attach_preprocessing(bare, mean=meta["mean"], std=meta["std"])
    assert isinstance(tasks.detect_onsets(tone(), SR, model=bare), np.ndarray)


def test_grading_runs_a_students_model_on_its_device():
    from course_lib.grading.calls import call_for

    seen = []

    class Student(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 2)

        def forward(self, x):
            seen.append(x.device)
            raise Reached

    student = Student().to("meta")
    case = {"X": None, "y": None, "X_test": np.zeros((4, 3), np.float32)}
    with pytest.raises(Reached):
        call_for("a2/test_training")(lambda X, y: student, case)
    assert seen == [torch.device("meta")]

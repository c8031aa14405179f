"""Checkpoint registry: every shipped file exists, is small, matches its sha256 and loads."""

import pytest
import torch

from course_lib import checkpoints


def test_every_entry_loads_and_is_documented():
    shipped = {"onset_cnn", "crepe_tiny", "salience_small", "instrument_cnn", "activity_cnn"}
    shipped.add("short_chunk_tagger")
    assert shipped <= set(checkpoints.REGISTRY)
    for name, entry in checkpoints.REGISTRY.items():
        path = checkpoints.checkpoint_path(name)
        assert path.stat().st_size < 2_000_000, name  # small enough to ship in the wheel
        assert entry["file"].startswith(name) and entry["sha256"][:8] in entry["file"]
        for key in ("preprocessing", "trained_on", "test_metrics"):
            assert entry[key], (name, key)
        model, meta = checkpoints.load_checkpoint(name)
        assert not model.training
        assert all(p.dtype == torch.float32 for p in model.parameters())
        assert meta["entry"]["sha256"] == entry["sha256"]


def test_a_corrupted_or_unknown_checkpoint_is_refused(monkeypatch, tmp_path):
    entry = dict(checkpoints.REGISTRY["onset_cnn"], sha256="0" * 64)
    monkeypatch.setitem(checkpoints.REGISTRY, "onset_cnn", entry)
    with pytest.raises(ValueError, match="corrupted or was replaced"):
        checkpoints.load_checkpoint("onset_cnn")
    with pytest.raises(ValueError, match="unknown checkpoint"):
        checkpoints.load_checkpoint("beat_tracker")
    missing = dict(entry, file="nowhere.pt")
    monkeypatch.setitem(checkpoints.REGISTRY, "onset_cnn", missing)
    with pytest.raises(ValueError, match="missing"):
        checkpoints.load_checkpoint("onset_cnn")


def test_save_checkpoint_halves_weights_and_keeps_metadata(tmp_path):
    import numpy as np

    model = torch.nn.Linear(3, 2)
    sha = checkpoints.save_checkpoint(
        model, {"mean": np.ones(3), "threshold": 0.4}, tmp_path / "m.pt"
    )
    assert sha == checkpoints.sha256_of(tmp_path / "m.pt")
    state = torch.load(tmp_path / "m.pt", weights_only=True)
    assert state["model"]["weight"].dtype == torch.float16
    assert state["meta"]["mean"].dtype == torch.float32 and state["meta"]["threshold"] == 0.4

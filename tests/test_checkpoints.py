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


def test_export_checkpoint_round_trip_in_a_folder(tmp_path):
    import json

    import numpy as np

    from course_lib.models.onset import OnsetCNN

    torch.manual_seed(0)
    model = OnsetCNN().eval()
    with torch.no_grad():  # weights float16 can hold exactly: the reloaded model is identical
        for p in model.parameters():
            p.copy_(p.half().float())
    mean, std = np.full((3, 80, 1), 0.5, np.float32), np.full((3, 80, 1), 2.0, np.float32)
    record = {
        "task": "onset",
        "size": "smoke",
        "epochs": 2,
        "seed": 0,
        "history": [{"epoch": 1, "train_loss": 0.5}],
        "test": {"f_measure": np.float64(0.91), "precision": 0.9},
        "test_librosa": {"f_measure": 0.7},
        "test_clips": 16,
    }
    meta = {"mean": mean, "std": std, "threshold": 0.4}
    entry = checkpoints.export_checkpoint(
        "onset_cnn",
        model,
        meta,
        record,
        directory=tmp_path,
        builder="course_lib.models.onset.onset_cnn",
    )
    assert entry["file"] == f"onset_cnn-{entry['sha256'][:8]}.pt"
    assert entry["sha256"] == checkpoints.sha256_of(tmp_path / entry["file"])
    assert entry["recipe"] == {"task": "onset", "size": "smoke", "epochs": 2, "seed": 0}
    assert entry["test_metrics"] == {
        "f_measure": 0.91,
        "precision": 0.9,
        "librosa_f_measure": 0.7,
        "clips": 16,
    }
    assert entry["trained_on"] and entry["preprocessing"]
    on_disk = json.loads((tmp_path / "registry.json").read_text())
    assert on_disk == {"onset_cnn": entry} == checkpoints.read_registry(tmp_path)
    state = torch.load(tmp_path / entry["file"], weights_only=True)
    assert all(v.dtype == torch.float16 for v in state["model"].values() if v.is_floating_point())

    loaded, loaded_meta = checkpoints.load_checkpoint("onset_cnn", directory=tmp_path)
    assert loaded_meta["threshold"] == 0.4 and loaded_meta["entry"]["sha256"] == entry["sha256"]
    np.testing.assert_array_equal(loaded_meta["mean"], mean)
    x = torch.randn(4, 3, 80, 15)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    # the shipped registry is untouched; a second export keeps the hand-written fields
    shipped = checkpoints.read_registry()["onset_cnn"]  # the package's own registry file
    assert checkpoints.REGISTRY["onset_cnn"] == shipped and shipped["file"] != entry["file"]
    assert checkpoints.sha256_of(checkpoints.checkpoint_path("onset_cnn")) == shipped["sha256"]
    again = checkpoints.export_checkpoint(
        "onset_cnn", model, meta, {"task": "onset"}, directory=tmp_path, headline="F 0.91"
    )
    assert again["model"] == "course_lib.models.onset.onset_cnn" and again["headline"] == "F 0.91"
    assert again["sha256"] == entry["sha256"] and again["test_metrics"] == {}


def test_export_checkpoint_refuses_a_wrong_builder_or_name(tmp_path):
    model = torch.nn.Linear(3, 2)
    with pytest.raises(ValueError, match="does not take the weights"):
        checkpoints.export_checkpoint(
            "lin", model, {}, {}, directory=tmp_path, builder="course_lib.models.onset.onset_cnn"
        )
    assert not (tmp_path / "registry.json").exists()
    with pytest.raises(ValueError, match="lower case"):
        checkpoints.export_checkpoint("Bad Name", model, {}, {}, directory=tmp_path)


def test_registry_json_is_the_registry():
    import json

    path = checkpoints.HERE / "registry.json"
    assert json.loads(path.read_text(encoding="utf-8")) == checkpoints.REGISTRY

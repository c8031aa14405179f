"""Transfer learning: partial warm starts, the real-corpus runs of lectures 08 and 10 on tiny
fixture corpora written in each corpus's own layout, and the run comparison."""

import json
import warnings

import numpy as np
import pytest
import soundfile as sf
import torch

from course_lib import checkpoints
from course_lib.data import real
from course_lib.tasks import build_task, instrument, transfer, warm_start_model
from course_lib.tasks.tagging import ChunkAverage


def _tone(path, seconds, sr, freq):
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * sr)) / sr
    sf.write(path, (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), sr)


# -- partial warm start -----------------------------------------------------------------------


def test_tagger_transfers_to_genres_with_a_fresh_head():
    shipped = checkpoints.load_checkpoint("short_chunk_tagger")[0].state_dict()
    setup = build_task(
        "tagging", "smoke", label="genre", width=32, max_clips=2, warm_start="short_chunk_tagger"
    )
    fresh = build_task("tagging", "smoke", label="genre", width=32, max_clips=2).model
    mine, init = setup.model.state_dict(), fresh.state_dict()
    moved, new = setup.info["warm_start_transferred"], setup.info["warm_start_new"]
    assert setup.info["warm_start"] == "short_chunk_tagger"
    assert sorted(moved + new) == sorted(mine) and not set(moved) & set(new)
    # the new head: the only tensors whose shape differs (5 genres instead of 17 tags)
    assert new == [k for k in mine if mine[k].shape != shipped[k].shape]
    assert {k: tuple(mine[k].shape)[:1] for k in new} == {k: (5,) for k in new}
    assert {tuple(shipped[k].shape)[:1] for k in new} == {(17,)}
    for k in moved:  # every transferred tensor (weights and batch-norm statistics) is copied
        assert torch.equal(mine[k], shipped[k]), k
    assert any(not torch.equal(mine[k], init[k]) for k in moved if k.startswith("blocks"))
    for k in new:  # the head keeps its fresh initialisation (same seed, no warm start)
        assert torch.equal(mine[k], init[k]), k
    assert len(moved) >= len(mine) - 2


def test_exact_warm_start_copies_everything_and_keeps_the_recorded_normalisation():
    shipped = checkpoints.load_checkpoint("instrument_cnn")[0].state_dict()
    setup = build_task("instrument", "smoke", max_clips=2, warm_start="instrument_cnn")
    assert setup.info["warm_start_new"] == []
    assert setup.info["warm_start_transferred"] == list(shipped)
    for k, v in setup.model.state_dict().items():
        assert torch.equal(v, shipped[k]), k
    # a checkpoint that stores mean/std: the model carries them once its input layer moved
    from course_lib.tasks import preprocessing_of

    onset_model, meta = checkpoints.load_checkpoint("onset_cnn")
    from course_lib.tasks import TaskSetup

    fresh = type(onset_model)()
    target = TaskSetup("onset", fresh, torch.nn.functional.mse_loss, None)
    record = warm_start_model(target, "onset_cnn")
    assert record["warm_start_new"] == []
    np.testing.assert_array_equal(preprocessing_of(fresh)["mean"], meta["mean"])
    np.testing.assert_array_equal(preprocessing_of(fresh)["std"], meta["std"])


def test_warm_start_from_a_different_architecture_says_why():
    with pytest.raises(ValueError, match=r"'short_chunk_tagger' does not fit the genre model") as e:
        build_task("tagging", "smoke", label="genre", max_clips=2, warm_start="short_chunk_tagger")
    message = str(e.value)
    assert (
        "only 2 of the model's 56 parameter tensors" in message
    )  # width 8, the checkpoint's is 32
    assert "'width': 32" in message and "architectures differ" in message
    with pytest.raises(ValueError, match="does not fit the tagging model"):
        build_task("tagging", "smoke", model="fcn", width=32, warm_start="short_chunk_tagger")


# -- the real-corpus sections on fixture corpora ----------------------------------------------


def test_locate_finds_a_corpus_only_in_its_layout(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert set(real.LAYOUTS) == set(real.LOADERS)
    assert real.locate("gtzan") is None
    message = real.absent_message("gtzan", "Section 8's GTZAN run")
    assert str(tmp_path / "real" / "gtzan") in message
    assert "python -m course_lib.data download gtzan" in message and "1.2 GB" in message
    assert message.endswith("Section 8's GTZAN run is skipped.")
    (tmp_path / "real" / "gtzan" / "blues").mkdir(parents=True)  # no genres/ folder above it
    assert real.locate("gtzan") == tmp_path / "real" / "gtzan"  # the loader accepts genre folders
    (tmp_path / "real" / "nsynth" / "nsynth-test").mkdir(parents=True)
    assert real.locate("nsynth") is None  # no examples.json
    (tmp_path / "real" / "nsynth" / "nsynth-test" / "examples.json").write_text("{}")
    assert real.locate("nsynth") == tmp_path / "real" / "nsynth"
    (tmp_path / "real" / "irmas" / "IRMAS" / "IRMAS-TrainingData").mkdir(parents=True)
    assert real.locate("irmas") == tmp_path / "real" / "irmas" / "IRMAS"  # unpacked sub-folder
    with pytest.raises(ValueError, match="unknown real dataset"):
        real.locate("msd")


def _gtzan_fixture(folder):
    for k, genre in enumerate(("blues", "rock")):
        for i in range(3):
            _tone(folder / "genres" / genre / f"{genre}.0000{i}.wav", 3.5, 22050, 220 * (k + 1))
    for split, i in (("train", 0), ("valid", 1), ("test", 2)):
        lines = [f"{g}/{g}.0000{i}.wav" for g in ("blues", "rock")]
        (folder / f"{split}_filtered.txt").write_text("\n".join(lines) + "\n")


def test_gtzan_section_fine_tunes_the_tagger_on_a_fixture_corpus(tmp_path, monkeypatch):
    """Lecture 08 section 8, as its cell runs it, on six 3.5-s tones in GTZAN's layout."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    _gtzan_fixture(tmp_path / "real" / "gtzan")
    folder = real.locate("gtzan")
    assert folder == tmp_path / "real" / "gtzan"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not the 443/197/290 split
        task = build_task(
            "tagging",
            "smoke",
            dataset="gtzan",
            data_dir=folder,
            label="genre",
            width=32,
            warm_start="short_chunk_tagger",
            num_epochs=1,
            eval_seconds=3.0,
        )
    assert isinstance(task.model, ChunkAverage)  # the weights went into the wrapped network
    shipped = checkpoints.load_checkpoint("short_chunk_tagger")[0].state_dict()
    inner = task.model.model.state_dict()
    assert task.info["warm_start_new"] == ["dense.4.weight", "dense.4.bias"]
    for k in task.info["warm_start_transferred"]:
        assert torch.equal(inner[k], shipped[k]), k
    assert inner["dense.4.weight"].shape == (10, 64)  # GTZAN's 10 genres
    run = transfer.train_and_test(task, seed=0)
    assert run["n_test"] == 2 and run["right"] in (0, 1, 2)
    assert run["accuracy"] == run["right"] / 2 and run["chance"] == 0.5
    assert len(run["correct"]) == 2 and len(run["train_loss"]) == 1
    assert run["warm_start"] == "short_chunk_tagger"


def _nsynth_fixture(folder):
    families = {"bass": 110.0, "flute": 880.0, "organ": 440.0}
    for split, first, n in (("train", 0, 4), ("valid", 4, 2), ("test", 6, 2)):
        meta = {}  # NSynth splits by instrument: each split has its own instruments
        for family, freq in families.items():
            for i in range(first, first + n):
                note = f"{family}_acoustic_{i:03d}-060-100"
                meta[note] = {"instrument_family_str": family, "pitch": 60, "velocity": 100}
                _tone(folder / f"nsynth-{split}" / "audio" / f"{note}.wav", 1.0, 16000, freq)
        (folder / f"nsynth-{split}" / "examples.json").write_text(json.dumps(meta))


def test_nsynth_section_fine_tunes_the_instrument_cnn_on_a_fixture_corpus(tmp_path, monkeypatch):
    """Lecture 10 section 4, as its cell runs it, on 1-s tones in NSynth's layout."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    _nsynth_fixture(tmp_path / "real" / "nsynth")
    folder = real.locate("nsynth")
    task = build_task(
        "instrument",
        "smoke",
        dataset="nsynth",
        data_dir=folder,
        warm_start="instrument_cnn",
        num_epochs=1,
        max_clips=6,
    )
    assert task.info["classes"] == real.nsynth.FAMILIES and task.info["dataset"] == "nsynth"
    assert len(task.train_loader.dataset.features) == 6  # balanced: two notes per family
    assert sorted(task.train_loader.dataset.labels.tolist()) == [0, 0, 2, 2, 6, 6]
    assert task.info["warm_start_new"] == ["classifier.4.weight", "classifier.4.bias"]
    shipped = checkpoints.load_checkpoint("instrument_cnn")[0].state_dict()
    mine = task.model.state_dict()
    for k in task.info["warm_start_transferred"]:
        assert torch.equal(mine[k], shipped[k]), k
    for k in task.info["warm_start_new"]:
        assert mine[k].shape[0] == 11 and shipped[k].shape[0] == 8  # 11 families, 8 before
    run = transfer.train_and_test(task, seed=0)
    assert run["n_test"] == 6 and run["chance"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="needs data_dir"):
        build_task("instrument", "smoke", dataset="nsynth")
    with pytest.raises(ValueError, match="dataset must be"):
        build_task("instrument", "smoke", dataset="irmas", data_dir=folder)
    with pytest.raises(ValueError, match="family_clips"):
        build_task("instrument", "smoke", dataset="nsynth", data_dir=folder, family_clips=2)


def test_balanced_subset_spreads_over_classes_and_items():
    from course_lib.data.manifest import Item

    items = [Item(f"a{i}", "", "train", "", 1.0, {"instrument": "a"}) for i in range(10)]
    items += [Item(f"b{i}", "", "train", "", 1.0, {"instrument": "b"}) for i in range(2)]
    picked = [it.id for it in instrument._balanced(items, 6)]
    assert picked == ["a0", "a2", "a5", "a7", "b0", "b1"]  # b has only 2: a gets the rest
    assert instrument._balanced(items, None) == items


# -- comparing two runs -----------------------------------------------------------------------


def test_mcnemar_and_the_comparison_say_only_what_the_counts_show():
    assert transfer.mcnemar_p(0, 0) == 1.0
    assert transfer.mcnemar_p(5, 0) == pytest.approx(2 / 32)  # all 5 one way: p = 2 * 0.5^5
    assert transfer.mcnemar_p(0, 6) == pytest.approx(2 / 64)
    assert transfer.mcnemar_p(3, 2) == 1.0

    def run(correct, loss):
        c = np.array(correct, bool)
        return {"correct": list(c), "right": int(c.sum()), "n_test": len(c),
                "accuracy": c.mean(), "train_loss": [1.0, loss]}  # fmt: skip

    a, b = run([1, 1, 1, 0], 0.2), run([1, 0, 1, 0], 0.5)
    text = transfer.compare_runs(a, b, "fine-tuned", "from scratch", "songs")
    assert "fine-tuned: 3 of 4 songs right (accuracy 0.750), final training loss 0.200" in text
    assert (
        "right only with fine-tuned: 1; only with from scratch: 0; exact McNemar p = 1.00" in text
    )
    assert "fine-tuned got 1 more of the 4 songs right than from scratch" in text
    assert "cannot tell the two apart" in text
    many = run([1] * 8 + [0] * 2, 0.1), run([0] * 8 + [0] * 2, 0.1)
    assert "unlikely by chance (p = 0.01)" in transfer.compare_runs(*many, "A", "B")
    assert "same number of test clips right" in transfer.compare_runs(a, a, "A", "B")
    with pytest.raises(ValueError, match="different test sets"):
        transfer.compare_runs(a, run([1], 0.1), "A", "B")

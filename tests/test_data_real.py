"""Real-corpus loaders on tiny fixture folders written in each corpus's own format."""

import json

import numpy as np
import pytest
import soundfile as sf

from course_lib.data import real
from course_lib.data.datasets import ClipDataset, class_target, read_label_csv


def _wav(path, seconds=0.2, sr=22050):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(int(seconds * sr), np.float32), sr)


def test_gtzan_fault_filtered_split(tmp_path):
    for genre in ("blues", "rock"):
        for k in range(3):
            _wav(tmp_path / "genres" / genre / f"{genre}.0000{k}.wav")
    (tmp_path / "train_filtered.txt").write_text("blues/blues.00000.wav\nrock/rock.00001.wav\n")
    (tmp_path / "valid_filtered.txt").write_text("blues/blues.00001.wav\n")
    (tmp_path / "test_filtered.txt").write_text("rock/rock.00002.wav\n")
    m = real.load_real("gtzan", tmp_path)
    assert {it.id: it.split for it in m.items} == {
        "blues.00000": "train", "blues.00001": "valid", "rock.00001": "train",
        "rock.00002": "test",
    }  # fmt: skip
    assert m.verify() == []
    ds = ClipDataset(m, "test", class_target("genre", list(real.GTZAN_GENRES)))
    assert ds[0][1].item() == real.GTZAN_GENRES.index("rock")
    (tmp_path / "test_filtered.txt").unlink()
    with pytest.raises(FileNotFoundError, match="test_filtered.txt"):
        real.gtzan(tmp_path)


def test_mtat_top_tags_and_standard_split(tmp_path):
    header = ["clip_id", "guitar", "piano", "rock", "mp3_path"]
    rows = [
        ["2", "1", "0", "1", "0/a-clip.mp3"],
        ["5", "1", "1", "0", "b/b-clip.mp3"],
        ["7", "0", "1", "0", "c/c-clip.mp3"],
        ["9", "1", "0", "0", "f/f-clip.mp3"],
    ]
    (tmp_path / "annotations_final.csv").write_text(
        "\n".join("\t".join(r) for r in [header, *rows]) + "\n"
    )
    m = real.mtat(tmp_path, n_tags=2)
    assert m.meta["tags"] == ["guitar", "piano"]  # the two most frequent tags
    splits = {it.id: (it.split, it.labels["tags"]) for it in m.items}
    assert splits == {
        "2": ("train", ["guitar"]), "5": ("train", ["guitar", "piano"]),
        "7": ("valid", ["piano"]), "9": ("test", ["guitar"]),
    }  # fmt: skip


def test_nsynth_irmas_maestro_mdb(tmp_path):
    ns = tmp_path / "nsynth"
    (ns / "nsynth-test").mkdir(parents=True)
    meta = {"guitar_acoustic_000-060-100": {"instrument_family_str": "guitar", "pitch": 60}}
    (ns / "nsynth-test" / "examples.json").write_text(json.dumps(meta))
    m = real.nsynth(ns)
    assert m.items[0].labels["instrument"] == "guitar" and m.items[0].labels["pitch"] == 60
    assert m.items[0].path == "nsynth-test/audio/guitar_acoustic_000-060-100.wav"

    ir = tmp_path / "irmas"
    for k in range(5):
        _wav(ir / "IRMAS-TrainingData" / "sax" / f"{k}[sax][jaz_blu]{k}.wav")
    m = real.irmas(ir)
    assert [it.split for it in m.items] == ["train"] * 4 + ["valid"]
    assert {it.labels["instrument"] for it in m.items} == {"saxophone"}

    ma = tmp_path / "maestro"
    ma.mkdir()
    (ma / "maestro-v3.0.0.csv").write_text(
        "canonical_composer,canonical_title,split,year,midi_filename,audio_filename,duration\n"
        "Bach,Prelude,validation,2004,2004/a.midi,2004/a.wav,12.5\n"
    )
    item = real.maestro(ma).items[0]
    assert item.split == "valid" and item.labels["midi"] == "2004/a.midi"

    mdb = tmp_path / "mdb"
    for k in range(5):
        _wav(mdb / "audio_stem" / f"track{k}.RESYN.wav")
        (mdb / "annotation_stem").mkdir(exist_ok=True)
        (mdb / "annotation_stem" / f"track{k}.RESYN.csv").write_text("0.0,0.0\n0.0029,220.5\n")
    m = real.mdb_stem_synth(mdb)
    assert [it.split for it in m.items] == ["train", "train", "train", "valid", "test"]
    t, f0 = read_label_csv(m.label_path(m.items[0], "f0"))  # headerless MDB format
    np.testing.assert_allclose(f0, [0.0, 220.5])


def test_missing_folders_explain_how_to_get_them(tmp_path):
    for name in real.LOADERS:
        with pytest.raises(FileNotFoundError, match=f"python -m course_lib.data download {name}"):
            real.load_real(name, tmp_path / "nothing")
    with pytest.raises(ValueError, match="unknown real dataset"):
        real.load_real("million_song", tmp_path)

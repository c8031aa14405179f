"""Real-corpus loaders on tiny fixture folders written in each corpus's own on-disk format."""

import json
import warnings

import numpy as np
import pretty_midi
import pytest
import soundfile as sf

from course_lib.data import real
from course_lib.data.datasets import (
    ClipDataset,
    class_target,
    multilabel_target,
    pianoroll_target,
    read_label_csv,
)
from course_lib.data.manifest import SPLITS, Manifest


def _wav(path, n=64, sr=22050, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.full(n, 0.1, np.float32), sr, format=fmt)
    return path


def _count(manifest):
    return {s: len(manifest.split(s)) for s in SPLITS}


def _roundtrip(manifest):
    """The records follow the shared contract: they survive manifest.json unchanged."""
    manifest.save()
    back = Manifest.load(manifest.root)
    assert back.name == manifest.name and back.sr == manifest.sr
    assert sorted(back.items, key=lambda it: it.id) == sorted(manifest.items, key=lambda it: it.id)
    assert back.meta["source"] == "real" and back.meta["splits"] == {
        s: n for s, n in _count(manifest).items() if n
    }
    (manifest.root / "manifest.json").unlink()


# -- GTZAN ------------------------------------------------------------------------------------


def test_gtzan_fault_filtered_split_from_torchaudio(tmp_path):
    from torchaudio.datasets import gtzan as ta

    listed = [*ta.filtered_train, *ta.filtered_valid, *ta.filtered_test]
    wav, au = _wav(tmp_path / "x.wav").read_bytes(), _wav(tmp_path / "x.au", fmt="AU").read_bytes()
    for genre in real.GTZAN_GENRES:
        (tmp_path / "gtzan" / "genres" / genre).mkdir(parents=True)
    for k, track in enumerate([*listed, "disco.00038"]):  # disco.00038 is filtered out
        ext, data = (".au", au) if k % 2 else (".wav", wav)
        (tmp_path / "gtzan" / "genres" / track.split(".")[0] / f"{track}{ext}").write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the full split: no count warning
        m = real.load("gtzan", tmp_path)  # the parent folder works too
    assert m.root == tmp_path / "gtzan" and m.sr == 22050
    assert _count(m) == {"train": 443, "valid": 197, "test": 290} == real.gtzan.FILTERED_SIZES
    assert "disco.00038" not in {it.id for it in m.items}
    assert m.meta["split_source"] == "torchaudio.datasets.gtzan"
    assert m.meta["genres"] == list(real.GTZAN_GENRES)
    by_id = {it.id: it for it in m.items}
    assert by_id["blues.00029"].split == "train" and by_id["blues.00000"].split == "valid"
    assert by_id["rock.00085"].labels == {"genre": "rock"}
    assert by_id["blues.00012"].duration == pytest.approx(64 / 22050)
    assert {it.path.rsplit(".", 1)[1] for it in m.items} == {"au", "wav"}
    assert m.verify() == []


def test_gtzan_split_files_in_the_folder_and_errors(tmp_path):
    for genre in ("blues", "rock"):
        for k in range(3):
            _wav(tmp_path / "genres" / genre / f"{genre}.0000{k}.wav")
    (tmp_path / "train_filtered.txt").write_text("blues/blues.00000.wav\nrock/rock.00001.wav\n")
    (tmp_path / "valid_filtered.txt").write_text("blues.00001.au\n\n")
    (tmp_path / "test_filtered.txt").write_text("rock.00002\n")
    with pytest.warns(UserWarning, match="not the fault-filtered"):
        m = real.load_real("gtzan", tmp_path)
    assert {it.id: it.split for it in m.items} == {
        "blues.00000": "train", "blues.00001": "valid", "rock.00001": "train",
        "rock.00002": "test",
    }  # fmt: skip
    _roundtrip(m)
    ds = ClipDataset(m, "test", class_target("genre", list(real.GTZAN_GENRES)))
    y, target = ds[0]
    assert y.shape == (64,) and target.item() == real.GTZAN_GENRES.index("rock")

    (tmp_path / "valid_filtered.txt").write_text("blues.00001\nrock.00000\nrock.00001\n")
    with pytest.raises(ValueError, match="rock.00001 is in train and valid"):
        real.gtzan.load(tmp_path)
    (tmp_path / "valid_filtered.txt").write_text("blues.00009\n")
    with pytest.raises(FileNotFoundError, match="1 tracks of the split lists are missing"):
        real.gtzan.load(tmp_path)
    (tmp_path / "valid_filtered.txt").write_text("polka/polka.00001.wav\n")
    with pytest.raises(ValueError, match="not a GTZAN track name"):
        real.gtzan.load(tmp_path)
    (tmp_path / "valid_filtered.txt").unlink()
    with pytest.raises(FileNotFoundError, match="valid_filtered.txt not found"):
        real.gtzan.load(tmp_path, split_dir=tmp_path)


# -- MagnaTagATune ---------------------------------------------------------------------------


def _mtat_csv(path, header, rows):
    path.write_text("\n".join("\t".join(f'"{v}"' for v in r) for r in [header, *rows]) + "\n")


def test_mtat_top_tags_standard_split_and_clip_info(tmp_path):
    header = ["clip_id", "no voice", "guitar", "piano", "rock", "mp3_path"]
    rows = [
        ["2", "0", "1", "0", "1", "0/a-b-01-x-0-29.mp3"],
        ["5", "1", "1", "1", "0", "b/c-d-02-y-30-59.mp3"],
        ["7", "0", "0", "1", "0", "c/e-f-03-z-0-29.mp3"],
        ["9", "1", "1", "0", "0", "f/g-h-04-w-58-87.mp3"],
        ["11", "0", "0", "0", "1", "d/i-j-05-v-0-29.mp3"],
        ["12", "0", "0", "0", "0", "e/empty-01-u-0-29.mp3"],
    ]
    _mtat_csv(tmp_path / "annotations_final.csv", header, rows)
    info = ["clip_id", "track_number", "title", "artist", "album", "mp3_path"]
    _mtat_csv(
        tmp_path / "clip_info_final.csv", info, [["5", "2", "y", "Artist C", "d", rows[1][5]]]
    )
    (tmp_path / "0").mkdir()
    (tmp_path / "0" / "a-b-01-x-0-29.mp3").write_bytes(b"")  # an empty mp3, as in the archive
    (tmp_path / "b").mkdir()
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 16000).astype(np.float32)
    sf.write(tmp_path / rows[1][5], tone, 16000, format="MP3")  # a real MP3 clip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # this soundfile may lack MP3 (tested below)
        m = real.mtat.load(tmp_path, n_tags=2)
    # guitar 3, piano 2, rock 2, no voice 2: ties broken by column order
    assert m.meta["tags"] == ["guitar", "no voice"] and m.sr == 16000
    got = {it.id: (it.split, it.labels["tags"]) for it in m.items}
    assert got == {
        "5": ("train", ["guitar", "no voice"]),
        "7": ("valid", []),
        "9": ("test", ["guitar", "no voice"]),
        "11": ("test", []),
        "12": ("test", []),
    }  # fmt: skip (clip 2's mp3 is empty and left out)
    assert m.meta["dropped_empty"] == 1
    _roundtrip(m)
    assert {it.id: it.labels.get("artist") for it in m.items}["5"] == "Artist C"
    ds = ClipDataset(m, "train", multilabel_target("tags", m.meta["tags"]), chunk_seconds=0.25)
    y, target = ds[0]  # decoded from MP3 by course_lib.audio.load (soundfile)
    assert y.shape == (4000,) and target.tolist() == [1.0, 1.0]
    assert 0.2 < float(y.abs().max()) < 0.8  # the tone, not silence
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = real.load("mtat", tmp_path, n_tags=3, drop_untagged=True, audio_ext=".wav")
    # top 3 = guitar, no voice, piano: clip 11 (rock only) and 12 (no tag) are dropped; clip 2
    # is back (its .wav is not the empty .mp3)
    assert sorted(it.id for it in m.items) == ["2", "5", "7", "9"]
    assert {it.id: it.path for it in m.items}["7"] == "c/e-f-03-z-0-29.wav"


def test_mtat_warns_when_mp3_cannot_be_decoded_and_rejects_bad_files(tmp_path):
    _mtat_csv(tmp_path / "annotations_final.csv", ["clip_id", "rock", "mp3_path"],
              [["1", "1", "0/x.mp3"]])  # fmt: skip
    can_decode = {"MP3", "MPEG"} & set(sf.available_formats())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        real.mtat.load(tmp_path, n_tags=1)
    assert any("cannot decode MP3" in str(w.message) for w in caught) == (not can_decode)
    with pytest.raises(ValueError, match="n_tags=2 but"):
        real.mtat.load(tmp_path, n_tags=2)
    with pytest.raises(ValueError, match="n_tags must be a positive integer"):
        real.mtat.load(tmp_path, n_tags=0)
    _mtat_csv(tmp_path / "annotations_final.csv", ["clip_id", "rock", "mp3_path"],
              [["1", "yes", "0/x.mp3"]])  # fmt: skip
    with pytest.raises(ValueError, match="expected 0 or 1"):
        real.mtat.load(tmp_path)
    (tmp_path / "annotations_final.csv").write_text("clip_id,rock\n1,1\n")
    with pytest.raises(ValueError, match="no clip_id/mp3_path columns"):
        real.mtat.load(tmp_path)


# -- NSynth -------------------------------------------------------------------------------------


def test_nsynth_examples_json(tmp_path):
    notes = {
        "test": {
            "guitar_acoustic_000-060-100": ("guitar", 60, 100, "acoustic"),
            "keyboard_electronic_001-021-025": ("keyboard", 21, 25, "electronic"),
        },
        "valid": {"vocal_synthetic_003-072-050": ("vocal", 72, 50, "synthetic")},
    }
    for split, entries in notes.items():
        meta = {}
        for note, (family, pitch, velocity, source) in entries.items():
            meta[note] = {
                "note_str": note, "instrument_family_str": family, "pitch": pitch,
                "velocity": velocity, "instrument_source_str": source,
                "instrument_str": note.split("-")[0], "qualities_str": ["bright"],
                "sample_rate": 16000,
            }  # fmt: skip
            _wav(tmp_path / f"nsynth-{split}" / "audio" / f"{note}.wav", sr=16000)
        (tmp_path / f"nsynth-{split}" / "examples.json").write_text(json.dumps(meta))
    m = real.load("nsynth", tmp_path)
    assert _count(m) == {"train": 0, "valid": 1, "test": 2} and m.sr == 16000
    item = {it.id: it for it in m.items}["keyboard_electronic_001-021-025"]
    assert item.path == "nsynth-test/audio/keyboard_electronic_001-021-025.wav"
    assert item.labels == {
        "instrument": "keyboard", "pitch": 21, "velocity": 25, "source": "electronic",
        "instrument_name": "keyboard_electronic_001", "qualities": ["bright"],
    }  # fmt: skip
    assert m.verify() == [] and set(m.meta["instruments"]) >= {"guitar", "vocal"}
    _roundtrip(m)
    assert len(real.nsynth.load(tmp_path, splits=("valid",))) == 1
    with pytest.raises(ValueError, match="splits must be among"):
        real.nsynth.load(tmp_path, splits=("training",))
    (tmp_path / "nsynth-valid" / "examples.json").write_text('{"x": {"pitch": 60}}')
    with pytest.raises(ValueError, match="lacks \\['instrument_family_str'\\]"):
        real.nsynth.load(tmp_path)


# -- IRMAS --------------------------------------------------------------------------------------


def test_irmas_training_names_and_testing_annotations(tmp_path):
    root = tmp_path / "IRMAS"  # found from tmp_path (the nested folder of some copies)
    train = root / "IRMAS-TrainingData"
    names = {
        "cel": ["008__[cel][nod][cla]0058__1.wav", "008__[cel][nod][cla]0058__2.wav"],
        "gel": ["[gel][pop_roc]0827__2.wav"],
        "sax": ["[sax][dru][jaz_blu]1726__3.wav"],
    }
    for code, files in names.items():
        for name in files:
            _wav(train / code / name, sr=44100)
    test = root / "IRMAS-TestingData-Part2" / "IRTestingData-Part2"
    _wav(test / "song - 1.wav", n=44100, sr=44100)
    (test / "song - 1.txt").write_text("gac\t\npia\t\n")
    m = real.load("irmas", tmp_path)
    assert m.root == root and m.sr == 44100
    items = {it.id: it for it in m.items}
    cel = [items[f"train/cel/{n[:-4]}"] for n in names["cel"]]
    assert cel[0].labels == {
        "instrument": "cello", "instruments": ["cello"], "genre": "classical", "drums": False,
    }  # fmt: skip
    assert cel[0].split == cel[1].split  # two excerpts of one recording stay together
    assert items["train/gel/[gel][pop_roc]0827__2"].labels == {
        "instrument": "electric guitar", "instruments": ["electric guitar"], "genre": "pop-rock",
    }  # fmt: skip
    assert items["train/sax/[sax][dru][jaz_blu]1726__3"].labels["drums"] is True
    t = items["test/IRMAS-TestingData-Part2/IRTestingData-Part2/song - 1"]
    assert t.split == "test" and t.labels == {"instruments": ["acoustic guitar", "piano"]}
    assert t.duration == pytest.approx(1.0)
    assert m.verify() == []
    _roundtrip(m)
    (test / "song - 1.txt").write_text("gac\nbanjo\n")
    with pytest.raises(ValueError, match="'banjo' is not an IRMAS instrument code"):
        real.irmas.load(root)
    (test / "song - 1.txt").write_text("\n")
    with pytest.raises(ValueError, match="lists no instrument"):
        real.irmas.load(root)
    (test / "song - 1.txt").unlink()
    _wav(train / "flu" / "[cla][nod][cla]0001__1.wav", sr=44100)
    with pytest.raises(ValueError, match="file name says \\[cla\\] but it is in the flu folder"):
        real.irmas.load(root)
    with pytest.raises(ValueError, match="valid_fraction"):
        real.irmas.load(root, valid_fraction=1.0)


def test_irmas_parse_training_name_and_group_split():
    assert real.irmas.parse_training_name("[voi][nod][pop_roc]2305__1.wav") == {
        "instrument": "voi", "drums": False, "genre": "pop_roc",
    }  # fmt: skip
    with pytest.raises(ValueError, match="no \\[instrument\\] code"):
        real.irmas.parse_training_name("0058__1.wav")
    from course_lib.data.real._common import group_split

    splits = [group_split(f"rec{k}", 0.15, 0.15) for k in range(2000)]
    assert splits == [group_split(f"rec{k}", 0.15, 0.15) for k in range(2000)]  # deterministic
    for split, share in (("train", 0.7), ("valid", 0.15), ("test", 0.15)):
        assert abs(splits.count(split) / 2000 - share) < 0.04


# -- MAESTRO ------------------------------------------------------------------------------------


def _midi(path, notes, pedal=()):
    pm = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    piano.notes = [pretty_midi.Note(80, p, s, e) for s, e, p in notes]
    piano.control_changes = [pretty_midi.ControlChange(64, v, t) for t, v in pedal]
    pm.instruments.append(piano)
    path.parent.mkdir(parents=True, exist_ok=True)
    pm.write(str(path))


MAESTRO_COLUMNS = [
    "canonical_composer", "canonical_title", "split", "year", "midi_filename",
    "audio_filename", "duration",
]  # fmt: skip
MAESTRO_ROWS = [
    ["Frédéric Chopin", "Ballade No. 1", "train", "2004", "2004/a.midi", "2004/a.wav", "12.5"],
    ["J. S. Bach", "Prelude", "validation", "2018", "2018/b.midi", "2018/b.wav", "3.25"],
    ["Claude Debussy", "Reverie", "test", "2018", "2018/c.midi", "2018/c.wav", "1.0"],
]


def test_maestro_metadata_notes_and_sustain(tmp_path):
    root = tmp_path / "maestro-v3.0.0"  # the zip's top folder, found from its parent
    root.mkdir()
    _midi(
        root / "2004" / "a.midi",
        [(0.0, 0.5, 60), (1.0, 1.2, 60), (1.6, 1.8, 64), (0.25, 0.4, 67)],
        pedal=[(0.2, 100), (1.5, 0)],
    )
    for name in ("b", "c"):
        _midi(root / "2018" / f"{name}.midi", [(0.0, 0.5, 72)])
    with open(root / "maestro-v3.0.0.csv", "w", newline="", encoding="utf-8") as f:
        import csv

        csv.writer(f).writerows([MAESTRO_COLUMNS, *MAESTRO_ROWS])
    m = real.load("maestro", tmp_path)
    assert m.root == root and m.meta["version"] == "3.0.0"
    assert [(it.id, it.split, it.duration) for it in m.items] == [
        ("2004/a", "train", 12.5), ("2018/b", "valid", 3.25), ("2018/c", "test", 1.0),
    ]  # fmt: skip
    a = m.items[0]
    assert a.labels == {"midi": "2004/a.midi", "composer": "Frédéric Chopin",
                        "title": "Ballade No. 1", "year": 2004}  # fmt: skip
    raw = real.maestro.item_notes(m, a, sustain=False)
    np.testing.assert_allclose(
        raw, [[0.0, 0.5, 60], [0.25, 0.4, 67], [1.0, 1.2, 60], [1.6, 1.8, 64]], atol=1e-3
    )
    # the pedal (0.2-1.5 s) holds notes 60 and 67; the first 60 ends where 60 is struck again
    held = real.maestro.item_notes(m, a)
    np.testing.assert_allclose(
        held, [[0.0, 1.0, 60], [0.25, 1.5, 67], [1.0, 1.5, 60], [1.6, 1.8, 64]], atol=1e-3
    )
    with_notes = real.maestro.load(root, with_notes=True)
    np.testing.assert_allclose(with_notes.items[0].labels["notes"], held, atol=1e-9)
    _roundtrip(with_notes)
    roll = pianoroll_target(with_notes.items[0].labels["notes"], 100, 100, 1)  # 10 ms frames
    assert roll[60 - 21, :100].sum() == 100 and roll[67 - 21].sum() == 75  # 0-1 s; 0.25-1 s

    # the column-oriented JSON of v3 alone gives the same index
    (root / "maestro-v3.0.0.csv").unlink()
    columns = {c: {str(k): r[i] for k, r in enumerate(MAESTRO_ROWS)} for i, c in
               enumerate(MAESTRO_COLUMNS)}  # fmt: skip
    (root / "maestro-v3.0.0.json").write_text(json.dumps(columns))
    assert [it.id for it in real.maestro.load(root).items] == ["2004/a", "2018/b", "2018/c"]
    (root / "maestro-v3.0.0.json").write_text(json.dumps({"split": {"0": "train"}}))
    with pytest.raises(ValueError, match="lacks the MAESTRO columns"):
        real.maestro.load(root)
    with pytest.raises(FileNotFoundError, match="MIDI file not found"):
        real.maestro.load_notes(root / "nope.midi")


# -- MDB-stem-synth -------------------------------------------------------------------------------


def test_mdb_stem_synth_f0_and_song_split(tmp_path, monkeypatch):
    root = tmp_path / "real" / "mdb_stem_synth" / "MDB-stem-synth"
    stems = [f"Song{s}_Title_STEM_0{k}.RESYN" for s in range(12) for k in (1, 2)]
    for name in stems:
        _wav(root / "audio_stem" / f"{name}.wav", n=441, sr=44100)
        (root / "annotation_stem").mkdir(exist_ok=True)
        (root / "annotation_stem" / f"{name}.csv").write_text(
            "0.0,0.0\n0.0029024943310657597,220.5\n0.005804988662131519,221.0\n"
        )
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    m = real.load("mdb_stem_synth")  # default: <COURSE_DATA_DIR>/real/<name>
    assert m.root == root and len(m) == 24 and m.sr == 44100
    for k in range(0, 24, 2):  # both stems of a song share a split
        assert m.items[k].labels["song"] == m.items[k + 1].labels["song"]
        assert m.items[k].split == m.items[k + 1].split
    from course_lib.data.real._common import group_split

    assert {it.id: it.split for it in m.items} == {
        name: group_split(name.split("_STEM_")[0], 0.15, 0.15) for name in stems
    }
    assert {it.split for it in m.items} >= {"train", "test"}
    item = m.items[0]
    assert item.labels["f0"] == f"annotation_stem/{item.id}.csv"
    assert item.duration == pytest.approx(0.01)
    _roundtrip(m)
    times, f0 = real.mdb_stem_synth.item_f0(m, item)
    np.testing.assert_allclose(f0, [0.0, 220.5, 221.0])
    np.testing.assert_allclose(np.diff(times), real.mdb_stem_synth.HOP_SECONDS)
    t2, f2 = read_label_csv(m.label_path(item, "f0"))  # the course's reader agrees
    np.testing.assert_array_equal(f2, f0)
    (root / "annotation_stem" / f"{item.id}.csv").write_text("0.0,220\n0.0,-1\n")
    with pytest.raises(ValueError, match="times must increase"):
        real.mdb_stem_synth.item_f0(m, item)
    (root / "annotation_stem" / f"{item.id}.csv").unlink()
    with pytest.raises(FileNotFoundError, match="f0 annotation .* is missing"):
        real.mdb_stem_synth.load(root)
    with pytest.raises(ValueError, match="sum below 1"):
        real.mdb_stem_synth.load(root, valid_fraction=0.5, test_fraction=0.5)


# -- errors common to all loaders -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(real.LOADERS))
def test_missing_folder_says_how_to_download(tmp_path, name):
    with pytest.raises(FileNotFoundError) as err:
        real.load(name, tmp_path / "nothing")
    message = str(err.value)
    assert f"{name} not found at {tmp_path / 'nothing'}" in message
    assert f"python -m course_lib.data download {name}" in message
    assert "COURSE_DATA_DIR" in message and "by hand from https://" in message


def test_unknown_dataset_and_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="unknown real dataset 'million_song'"):
        real.load("million_song", tmp_path)
    (tmp_path / "audio_stem").mkdir()
    with pytest.raises(ValueError, match="no audio files found"):
        real.load("mdb_stem_synth", tmp_path)

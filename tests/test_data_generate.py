import json

import librosa
import mir_eval
import numpy as np
import pytest
import torch

from course_lib import audio
from course_lib.data import Manifest, generate, load_dataset
from course_lib.data.__main__ import main as data_cli
from course_lib.data.datasets import (
    Augment,
    ClipDataset,
    class_target,
    make_loader,
    multilabel_target,
    onset_target,
    pianoroll_target,
    read_label_csv,
    sample_at,
)
from course_lib.tasks.onset import pick_peaks_adaptive


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    assert data_cli(["build", "--size", "smoke", "--root", str(root)]) == 0
    return {name: Manifest.load(root / "smoke" / name) for name in generate.DATASETS}


def test_every_dataset_has_three_splits_and_verified_files(smoke):
    for name, manifest in smoke.items():
        assert manifest.name == name
        assert [len(manifest.split(s)) for s in ("train", "valid", "test")] == [24, 8, 16]
        assert manifest.verify() == []
        meta = json.loads((manifest.root / "manifest.json").read_text())
        assert meta["splits"] == {"train": 24, "valid": 8, "test": 16}


def test_same_seed_same_bytes_other_seed_other_bytes(smoke, tmp_path):
    again = generate.build("onsets", tmp_path / "a", "smoke", seed=0)
    assert [i.sha256 for i in again.items] == [i.sha256 for i in smoke["onsets"].items]
    other = generate.build("onsets", tmp_path / "b", "smoke", seed=1)
    assert [i.sha256 for i in other.items] != [i.sha256 for i in again.items]


def test_cached_build_is_reused_and_corruption_is_detected(smoke, tmp_path):
    m = generate.build("pitch", tmp_path / "p", "smoke")
    first = m.audio_path(m.items[0])
    stamp = first.stat().st_mtime_ns
    generate.build("pitch", tmp_path / "p", "smoke")
    assert first.stat().st_mtime_ns == stamp  # cached: not re-rendered
    first.write_bytes(b"corrupt")
    assert Manifest.load(tmp_path / "p").verify() == [m.items[0].id]
    repaired = generate.build("pitch", tmp_path / "p", "smoke")
    assert repaired.verify() == []


def test_splits_use_different_programs(smoke):
    for name in ("instruments", "instrument_notes", "onsets", "pitch"):
        programs = {
            s: {it.labels["program"] for it in smoke[name].split(s)} for s in ("train", "test")
        }
        assert programs["train"].isdisjoint(programs["test"]), name


def _band_energy_onsets(y, sr, hop=64):
    """A simple detector: peaks of the summed rise in log energy of 32 mel bands (2.9 ms hop)."""
    S = audio.melspectrogram(y, sr, n_fft=512, hop_length=hop, n_mels=32)
    rise = np.maximum(np.diff(np.log1p(1000 * S), axis=1), 0).sum(axis=0)
    peaks = pick_peaks_adaptive(
        rise / rise.max(), pre_max=3, post_max=3, pre_avg=20, post_avg=5, delta=0.05, wait=8
    )
    return (peaks + 1) * hop / sr  # the rise between frames p and p + 1 is at frame p + 1


def test_onset_labels_are_found_within_10_ms_by_an_energy_detector(smoke):
    scores, offsets = [], []
    for item in smoke["onsets"].split("test")[:8]:
        y, sr = audio.load(smoke["onsets"].audio_path(item))
        ref, est = np.array(item.labels["onsets"]), _band_energy_onsets(y, sr)
        scores.append(mir_eval.onset.f_measure(ref, est, window=0.010)[0])
        offsets += [est[j] - ref[i] for i, j in mir_eval.util.match_events(ref, est, 0.010)]
    assert np.mean(scores) > 0.9  # measured: 0.99 on the smoke test split
    assert abs(np.median(offsets)) < 0.005


def test_onset_labels_match_an_onset_detector(smoke):
    scores = []
    for item in smoke["onsets"].split("test")[:6]:
        y, sr = audio.load(smoke["onsets"].audio_path(item))
        # librosa.onset.onset_detect's defaults, with backtracking
        env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=128)
        env = (env - env.min()) / (env.max() - env.min())
        frames_per_s = sr / 128
        peaks = pick_peaks_adaptive(
            env,
            pre_max=int(0.03 * frames_per_s),
            post_max=1,
            pre_avg=int(0.1 * frames_per_s),
            post_avg=int(0.1 * frames_per_s) + 1,
            delta=0.07,
            wait=int(0.03 * frames_per_s),
        )
        peaks = librosa.onset.onset_backtrack(peaks, env)
        found = librosa.frames_to_time(peaks, sr=sr, hop_length=128)
        scores.append(mir_eval.onset.f_measure(np.array(item.labels["onsets"]), found)[0])
    assert np.mean(scores) > 0.75


def test_pitch_labels_match_the_rendered_f0(smoke):
    manifest = smoke["pitch"]
    errors = []
    for item in manifest.split("test")[:1]:
        y, sr = audio.load(manifest.audio_path(item))
        f0, voiced, _ = librosa.pyin(
            y, fmin=100, fmax=1500, sr=sr, frame_length=1024, hop_length=160
        )
        times = librosa.times_like(f0, sr=sr, hop_length=160)
        label_t, label_f0 = read_label_csv(manifest.label_path(item, "f0"))
        ref = sample_at(label_t, label_f0, times)
        both = voiced & (ref > 0)
        errors.append(np.abs(1200 * np.log2(f0[both] / ref[both])))
    cents = np.concatenate(errors)
    assert len(cents) > 100
    assert np.median(cents) < 30
    assert np.mean(cents < 50) > 0.85


def test_activity_labels_follow_the_lead(smoke):
    manifest = smoke["activity"]
    ratios = []
    for item in manifest.split("test")[:4]:
        y, sr = audio.load(manifest.audio_path(item))
        S = audio.melspectrogram(y, sr, hop_length=220, n_mels=64, fmin=500)
        t, active = read_label_csv(manifest.label_path(item, "activity"))
        a = sample_at(t, active, np.arange(S.shape[1]) * 220 / sr).astype(bool)
        energy = S[20:].sum(axis=0)  # bands where the lead plays, above the accompaniment
        ratios.append(np.median(energy[a]) / (np.median(energy[~a]) + 1e-9))
    assert np.median(ratios) > 3


def test_multif0_notes_are_chorale_voices(smoke):
    item = smoke["multif0"].split("train")[0]
    notes = np.array(item.labels["notes"])
    assert notes.shape[1] == 3 and len(notes) > 10
    assert (notes[:, 0] < notes[:, 1]).all() and notes[:, 1].max() <= item.duration
    assert 30 <= notes[:, 2].min() and notes[:, 2].max() <= 90
    roll = pianoroll_target(notes.tolist(), 200, 22050, 512)
    assert roll.shape == (88, 200) and 2 <= roll.sum(axis=0).max() <= 6  # a few voices at once


def test_tags_and_genres(smoke):
    items = smoke["tagging"].items
    genres = {it.labels["genre"] for it in items}
    assert genres == set(generate.GENRES)
    for it in items:
        tags = set(it.labels["tags"])
        assert it.labels["genre"] in tags and tags <= set(generate.TAGS)
        assert ("drums" in tags) != ("no drums" in tags)


def test_clip_dataset_chunks_targets_and_loader(smoke):
    manifest = smoke["tagging"]
    ds = ClipDataset(
        manifest,
        "train",
        multilabel_target("tags", generate.TAGS),
        chunk_seconds=1.5,
        augment=Augment(),
    )
    y, target = ds[0]
    assert y.shape == (int(1.5 * manifest.sr),) and y.dtype == torch.float32
    assert target.shape == (len(generate.TAGS),) and target.sum() >= 4
    batch_y, batch_t = next(iter(make_loader(ds, batch_size=4, shuffle=True)))
    assert batch_y.shape == (4, int(1.5 * manifest.sr)) and batch_t.shape == (4, len(generate.TAGS))
    genre_ds = ClipDataset(manifest, "test", class_target("genre", list(generate.GENRES)))
    assert genre_ds[0][1].item() == list(generate.GENRES).index(genre_ds.items[0].labels["genre"])


def test_sliding_windows_mixing_and_shifts(smoke):
    from course_lib.data.datasets import MixDataset, sliding_windows

    w = sliding_windows(np.arange(10.0), 4, 3)
    assert w.shape == (3, 4)
    np.testing.assert_array_equal(w[-1].numpy(), [6, 7, 8, 9])
    assert sliding_windows(np.arange(11.0), 4, 3)[-1].tolist() == [9, 10, 0, 0]
    assert sliding_windows(np.arange(3.0), 4).shape == (1, 4)
    with pytest.raises(ValueError, match="1-D"):
        sliding_windows(np.zeros((2, 5)), 2)

    ds = ClipDataset(
        smoke["tagging"], "train", multilabel_target("tags", generate.TAGS), chunk_seconds=1.0
    )
    torch.manual_seed(0)
    mixed = MixDataset(ds, prob=1.0)
    y, t = mixed[0]
    y0, t0 = ds[0]
    assert y.shape == y0.shape and (t >= t0).all() and t.sum() >= t0.sum()
    with pytest.raises(ValueError, match="prob"):
        MixDataset(ds, prob=2)

    aug = Augment(gain_db=(0, 0), noise_snr_db=None, time_shift=0.5, sr=100)
    x = np.arange(100, dtype=np.float32)
    shifted = aug(x)
    assert sorted(shifted.tolist()) == x.tolist()  # a circular shift keeps every sample
    sr = 22050
    tone = np.sin(2 * np.pi * 440 * np.arange(sr) / sr).astype(np.float32)
    up = Augment(gain_db=(0, 0), noise_snr_db=None, pitch_shift=2.0, sr=sr)
    torch.manual_seed(3)
    out = up(tone)
    peak = np.fft.rfftfreq(sr, 1 / sr)[np.argmax(np.abs(np.fft.rfft(out)))]
    steps = 12 * np.log2(peak / 440)
    assert -2.1 <= steps <= 2.1 and len(out) == sr


def test_frame_target_helpers():
    np.testing.assert_array_equal(onset_target([0.0, 0.05], 6, 100, 1), [1, 0, 0, 0, 0, 1])
    t = onset_target([0.1], 20, 1000, 10, widen=1)
    assert t.tolist().index(1.0) == 9 and t.sum() == 3
    np.testing.assert_array_equal(
        sample_at(np.array([0, 1, 2.0]), np.array([5, 6, 7.0]), np.array([0.4, 0.6, 5])), [5, 6, 7]
    )


def test_default_root(monkeypatch, tmp_path):
    from course_lib.data import default_root

    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_root() == tmp_path / "elsewhere"
    monkeypatch.delenv("COURSE_DATA_DIR")
    (tmp_path / "course_lib").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "lectures").mkdir()
    monkeypatch.chdir(tmp_path / "lectures")
    assert default_root() == tmp_path / "data"


def test_load_dataset_builds_on_demand_and_errors(tmp_path):
    m = load_dataset("instruments", root=tmp_path)
    assert len(m) == 48 and (tmp_path / "smoke" / "instruments" / "manifest.json").exists()
    other = load_dataset("instruments", root=tmp_path, seed=3)
    assert other.root == tmp_path / "smoke" / "instruments-seed3"
    assert Manifest.load(tmp_path / "smoke" / "instruments").verify() == []  # untouched
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("lyrics", root=tmp_path)
    with pytest.raises(ValueError, match="size must be"):
        generate.build("pitch", tmp_path / "x", size="huge")
    with pytest.raises(FileNotFoundError, match="python -m course_lib.data build"):
        Manifest.load(tmp_path / "nothing")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a valid manifest"):
        Manifest.load(tmp_path / "broken")
    with pytest.raises(ValueError, match="split must be"):
        m.split("training")


def test_single_notes_have_the_labelled_pitch_and_family(smoke):
    manifest = smoke["instrument_notes"]
    assert {it.labels["instrument"] for it in manifest.items} == set(generate.INSTRUMENT_FAMILIES)
    errors = []
    for item in manifest.split("test"):
        assert item.duration == 1.0 and item.labels["notes"][0][2] == item.labels["pitch"]
        if item.labels["instrument"] not in ("flute", "reed", "brass", "strings"):
            continue  # sustained, harmonic sounds only: a clear f0 to estimate
        y, sr = audio.load(manifest.audio_path(item))
        f0, voiced, _ = librosa.pyin(y[: sr // 2], fmin=60, fmax=2000, sr=sr, frame_length=2048)
        est = np.nanmedian(f0[voiced])
        errors.append(1200 * np.log2(est / generate.midi_to_hz(item.labels["pitch"])))
    assert len(errors) >= 6 and np.max(np.abs(errors)) < 50  # cents


def test_labels_are_deterministic_and_missing_label_files_fail_verification(smoke, tmp_path):
    again = generate.build("activity", tmp_path / "act", "smoke")
    for a, b in zip(again.items, smoke["activity"].items):
        text = again.label_path(a, "activity").read_text()
        assert text == smoke["activity"].label_path(b, "activity").read_text()
    again.label_path(again.items[3], "activity").unlink()
    assert again.verify() == [again.items[3].id]


def test_frame_targets_align_labels_to_the_hop(smoke):
    from course_lib.data.datasets import frame_target, n_frames_for

    sr, hop = 22050, 441  # 20 ms frames
    onsets = smoke["onsets"]
    item = onsets.split("train")[0]
    first = item.labels["onsets"][0]
    start = int(round((first - 0.1) * sr))  # a chunk starting 100 ms before the first onset
    y = frame_target("onsets", hop)(onsets, item, start, sr)
    assert y.shape == (n_frames_for(sr, hop),) == (51,) and y.dtype == torch.float32
    assert y[5] == 1 and y[:5].sum() == 0  # 100 ms later = 5 frames later
    expected = [o for o in item.labels["onsets"] if start / sr - 0.01 <= o < start / sr + 1.01]
    assert y.sum() == len({round((o - start / sr) * sr / hop) for o in expected})

    pitch = smoke["pitch"]
    item = pitch.split("test")[0]
    t, f0 = read_label_csv(pitch.label_path(item, "f0"))
    target = frame_target("f0", 160)  # 10 ms at 16 kHz: the label's own grid
    np.testing.assert_allclose(target(pitch, item, 1600, 16000).numpy(), f0[10:111], rtol=1e-6)

    act = smoke["activity"]
    item = act.split("valid")[0]
    a = frame_target("activity", 441)(act, item, 0, 5 * sr).numpy()
    assert set(np.unique(a)) <= {0.0, 1.0} and 0 < a.mean() < 1

    mf0 = smoke["multif0"]
    item = mf0.split("train")[1]
    roll = frame_target("notes", 512)(mf0, item, 512 * 10, 512 * 99)
    full = pianoroll_target(item.labels["notes"], 120, 22050, 512)
    assert roll.shape == (88, 100)
    np.testing.assert_array_equal(roll.numpy(), full[:, 10:110])

    with pytest.raises(ValueError, match="key must be one of"):
        frame_target("chords", 512)
    with pytest.raises(ValueError, match="hop_length"):
        frame_target("f0", 0)


def test_frame_targets_feed_a_chunked_dataset(smoke):
    from course_lib.data.datasets import frame_target

    ds = ClipDataset(smoke["pitch"], "train", frame_target("f0", 160), chunk_seconds=1.0)
    torch.manual_seed(1)
    y, f0 = ds[2]
    assert y.shape == (16000,) and f0.shape == (101,)
    S = audio.melspectrogram(y, 16000, n_fft=1024, hop_length=160, n_mels=64)
    assert S.shape[-1] == f0.shape[0]  # one target per spectrogram frame
    voiced = f0[f0 > 0]
    assert len(voiced) > 20 and 150 < voiced.min() and voiced.max() < 1400


def test_test_split_in_another_soundfont(tmp_path, monkeypatch):
    from course_lib.data.render import available_soundfonts

    monkeypatch.setitem(generate.COUNTS, "smoke", {"train": 2, "valid": 1, "test": 2})
    plain = generate.build("pitch", tmp_path / "plain", "smoke")
    if "FluidR3" not in available_soundfonts():
        with pytest.raises(ValueError, match="fluid-soundfont-gm"):
            load_dataset("pitch", root=tmp_path, test_soundfont="FluidR3")
        return
    other = load_dataset("pitch", root=tmp_path, test_soundfont="FluidR3")
    assert other.root == tmp_path / "smoke" / "pitch-test-FluidR3"
    assert other.meta["soundfonts"] == {"train": "TimGM6mb", "valid": "TimGM6mb", "test": "FluidR3"}
    for split, same in (("train", True), ("valid", True), ("test", False)):
        for a, b in zip(plain.split(split), other.split(split)):
            assert (a.sha256 == b.sha256) is same, split
            assert a.labels == b.labels  # same music and labels, other sounds
    assert "soundfonts" not in plain.meta  # the default build's manifest is unchanged
    stamp = other.audio_path(other.items[0]).stat().st_mtime_ns
    load_dataset("pitch", root=tmp_path, test_soundfont="FluidR3")
    assert other.audio_path(other.items[0]).stat().st_mtime_ns == stamp  # cached
    with pytest.raises(ValueError, match="unknown soundfont"):
        generate.build("pitch", tmp_path / "x", "smoke", test_soundfont="Steinway")


def test_parallel_build_writes_the_same_files(tmp_path, monkeypatch):
    monkeypatch.setitem(generate.COUNTS, "smoke", {"train": 3, "valid": 1, "test": 2})
    serial = generate.build("activity", tmp_path / "serial", "smoke")
    parallel = generate.build("activity", tmp_path / "parallel", "smoke", jobs=2)
    assert [i.sha256 for i in parallel.items] == [i.sha256 for i in serial.items]
    assert [i.labels for i in parallel.items] == [i.labels for i in serial.items]
    with pytest.raises(ValueError, match="jobs must be"):
        generate.build("activity", tmp_path / "x", "smoke", jobs=0)


def test_cli_only_jobs_and_list(tmp_path, capsys, smoke):
    args = ["build", "--only", "instrument_notes", "--root", str(tmp_path), "--jobs", "2"]
    assert data_cli(args) == 0
    assert sorted(p.name for p in (tmp_path / "smoke").iterdir()) == ["instrument_notes"]
    built = Manifest.load(tmp_path / "smoke" / "instrument_notes")
    assert [i.sha256 for i in built.items] == [i.sha256 for i in smoke["instrument_notes"].items]
    assert data_cli(["list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()[-7:]]
    assert listed == list(generate.DATASETS)
    with pytest.raises(SystemExit):
        data_cli(["build", "--only", "lyrics"])


def test_dataset_settings_are_validated(smoke):
    manifest = smoke["tagging"]
    target = class_target("genre", list(generate.GENRES))
    with pytest.raises(ValueError, match="chunk_seconds must be positive"):
        ClipDataset(manifest, "train", target, chunk_seconds=0)
    with pytest.raises(ValueError, match="gain_db must be a"):
        Augment(gain_db=(6, -6))
    with pytest.raises(ValueError, match=">= 0"):
        Augment(pitch_shift=-1)


def test_uncached_dataset_reads_only_the_chunk_and_gives_the_same_items(smoke):
    manifest = smoke["onsets"]
    from course_lib.data.datasets import frame_target

    target = frame_target("onsets", 441)
    cached = ClipDataset(manifest, "valid", target, chunk_seconds=1.0)
    lazy = ClipDataset(manifest, "valid", target, chunk_seconds=1.0, cache=False)
    for index in range(3):
        torch.manual_seed(index)
        y1, t1 = cached[index]
        torch.manual_seed(index)
        y2, t2 = lazy[index]
        torch.testing.assert_close(y1, y2)
        torch.testing.assert_close(t1, t2)
    assert lazy._cache == {} and len(cached._cache) == 3
    whole = ClipDataset(manifest, "valid", target, cache=False)[0][0]
    assert whole.shape == (int(manifest.split("valid")[0].duration * manifest.sr),)

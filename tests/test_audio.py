import librosa
import numpy as np
import pytest
import soundfile as sf
import torch

from course_lib import audio
from course_lib.data import load_example


@pytest.fixture(scope="module")
def example():
    return load_example("scale")


def test_example_is_three_seconds_of_audio(example):
    y, sr = example
    assert sr == 22050 and y.shape == (3 * 22050,) and y.dtype == np.float32
    assert 0.5 < np.abs(y).max() <= 0.9 + 1e-6
    # 128 frames at hop 512 is the lecture's ~3 s: the example gives 1 + 66150 // 512 = 130.
    assert audio.melspectrogram(y, sr).shape == (128, 130)


def test_example_is_deterministic(example):
    y2, _ = load_example("scale")
    np.testing.assert_array_equal(example[0], y2)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"n_mels": 80, "n_fft": 1024, "hop_length": 441}, {"fmin": 30.0, "fmax": 8000.0}],
)
def test_melspectrogram_agrees_with_librosa(example, kwargs):
    y, sr = example
    ours = audio.melspectrogram(y, sr, **kwargs)
    ref = librosa.feature.melspectrogram(y=y, sr=sr, **kwargs)
    assert ours.shape == ref.shape
    # Documented tolerance: 1e-4 of the peak.
    assert np.abs(ours - ref).max() <= 1e-4 * ref.max()
    np.testing.assert_allclose(
        audio.power_to_db(ours), librosa.power_to_db(ref, ref=np.max), atol=0.01
    )


def test_melspectrogram_batches_tensors(example):
    y, sr = example
    batch = torch.stack([torch.from_numpy(y), torch.from_numpy(y[::-1].copy())])
    S = audio.melspectrogram(batch, sr)
    assert isinstance(S, torch.Tensor) and S.shape == (2, 128, 130)
    np.testing.assert_allclose(S[0].numpy(), audio.melspectrogram(y, sr), rtol=1e-5, atol=1e-6)
    db = audio.power_to_db(S)
    assert torch.allclose(db.amax(dim=(-2, -1)), torch.zeros(2))


def test_large_cpu_batches_are_cut_into_pieces_with_the_same_result(example, monkeypatch):
    y, sr = example
    clips = np.stack([np.roll(y, 1000 * k) for k in range(6)]).reshape(2, 3, -1)
    whole = audio.melspectrogram(torch.from_numpy(clips), sr)  # one piece
    monkeypatch.setattr(audio, "_CPU_BATCH_SAMPLES", 2 * clips.shape[-1])  # pieces of 2 clips
    pieces = audio.melspectrogram(torch.from_numpy(clips), sr)
    assert pieces.shape == whole.shape == (2, 3, 128, 130)
    torch.testing.assert_close(pieces, whole, rtol=0, atol=0)
    one = audio.melspectrogram(clips[1, 2], sr)
    np.testing.assert_allclose(pieces[1, 2].numpy(), one, rtol=1e-5, atol=1e-6)


def test_stft_matches_librosa(example):
    y, _ = example
    np.testing.assert_allclose(
        audio.stft(y, 1024, 256),
        np.abs(librosa.stft(y, n_fft=1024, hop_length=256)),
        atol=1e-3,
    )


def test_cqt_shifts_by_one_bin_per_semitone():
    from course_lib.data.render import Note, render_notes

    def profile(pitch):
        y = render_notes([Note(pitch, 0.0, 1.0, program=73)], sr=22050, duration=1.0)
        C = audio.cqt(y, 22050, fmin=librosa.midi_to_hz(36), n_bins=60)
        return np.log1p(100 * C[:, 10:30].mean(axis=1))

    # The harmonic pattern of G4 is that of C4 moved up by 7 bins (7 semitones).
    a, b = profile(60), profile(67)
    lags = np.arange(-12, 13)
    scores = [np.dot(a[max(0, -k) : 60 - max(0, k)], b[max(0, k) : 60 - max(0, -k)]) for k in lags]
    assert lags[int(np.argmax(scores))] == 7
    with pytest.raises(ValueError, match="below sr/2"):
        audio.cqt(np.zeros(4096, np.float32), 8000, n_bins=84)


def test_hcqt_aligns_harmonics_across_channels():
    from course_lib.data.render import Note, render_notes

    y = render_notes([Note(57, 0.0, 1.0, program=40)], sr=22050, duration=1.0)  # A3, violin
    H = audio.hcqt(
        y, 22050, fmin=librosa.midi_to_hz(24), n_octaves=5, bins_per_octave=12, harmonics=(1, 2, 3)
    )
    assert H.shape == (3, 60, 1 + 22050 // 256)
    profile = H[:, :, 20:60].mean(axis=2)
    f0_bin = 57 - 24
    # each harmonic channel shows energy at the f0's bin (its own harmonic moved there)
    for h in range(3):
        assert profile[h, f0_bin] > np.median(profile[h]) + 10
    with pytest.raises(ValueError, match="positive multiples"):
        audio.hcqt(y, 22050, harmonics=())


def test_load_resamples_and_mixes(tmp_path, example):
    y, sr = example
    stereo = np.stack([y, 0.5 * y], axis=1)
    path = tmp_path / "clip.wav"
    sf.write(path, stereo, sr, subtype="FLOAT")
    mono, sr_out = audio.load(path)
    assert sr_out == sr
    np.testing.assert_allclose(mono, 0.75 * y, atol=1e-6)
    both, _ = audio.load(path, mono=False)
    assert both.shape == (2, len(y))
    y16, sr16 = audio.load(path, sr=16000)
    assert sr16 == 16000 and abs(len(y16) - len(y) * 16000 / sr) <= 1
    ref = librosa.resample(0.75 * y, orig_sr=sr, target_sr=16000)
    # Two band-limited resamplers agree closely away from the edges.
    assert np.abs(y16[1000:-1000] - ref[1000:-1000]).max() < 0.02


def test_mel_to_audio_round_trip_keeps_the_spectrum(example):
    y, sr = example
    S = audio.melspectrogram(y, sr)
    y_hat = audio.mel_to_audio(S, sr, n_iter=16)
    assert abs(len(y_hat) - len(y)) <= 512
    S_hat = audio.melspectrogram(y_hat, sr)[:, : S.shape[1]]
    corr = np.corrcoef(np.log1p(S[:, : S_hat.shape[1]]).ravel(), np.log1p(S_hat).ravel())[0, 1]
    assert corr > 0.9
    with pytest.raises(ValueError, match="non-negative"):
        audio.mel_to_audio(-S, sr)


def test_frame_and_chunk():
    y = np.arange(10, dtype=np.float32)
    frames = audio.frame(y, 4, 3)
    np.testing.assert_array_equal(frames, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    S = np.arange(30.0).reshape(3, 10)
    chunks = audio.chunk(S, 4)
    assert chunks.shape == (2, 3, 4)
    np.testing.assert_array_equal(chunks[1], S[:, 4:8])
    assert audio.chunk(S, 4, hop=2).shape == (4, 3, 4)
    np.testing.assert_allclose(audio.frames_to_time([0, 43]), [0.0, 43 * 512 / 22050])


def test_play_returns_an_audio_widget(example):
    player = audio.play(*example)
    wav = player.data  # a WAV file in memory: the sample rate is at bytes 24..28
    assert wav[:4] == b"RIFF" and int.from_bytes(wav[24:28], "little") == 22050


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: audio.melspectrogram(np.zeros(100, np.float32), 22050), "too short"),
        (lambda: audio.melspectrogram(np.zeros((2, 44100), np.float32).T, 22050), "too short"),
        (lambda: audio.melspectrogram(np.array([np.nan] * 4096), 22050), "NaN"),
        (lambda: audio.melspectrogram(np.zeros(4096, np.int16), 22050), "floating-point"),
        (lambda: audio.melspectrogram(np.zeros(4096, np.float32), 44.1), "sr must be an int"),
        (lambda: audio.melspectrogram(np.zeros(4096, np.float32), 50), "plausible sample rate"),
        (lambda: audio.melspectrogram(np.zeros(4096), 22050, fmax=20000), "fmax"),
        (lambda: audio.resample(np.zeros((2, 10)), 22050, 16000), "to_mono"),
        (lambda: audio.frame(np.zeros(3), 4, 1), "fewer than frame_length"),
        (lambda: audio.chunk(np.zeros(5), 2), "2-D spectrogram"),
        (lambda: load_example("song"), "unknown example"),
        (lambda: audio.power_to_db(-np.ones((2, 2))), "non-negative"),
        (lambda: audio.melspectrogram(np.zeros(4096), 22050, hop_length=0), "hop_length"),
        (lambda: audio.melspectrogram(np.zeros(4096), 22050, n_mels=0), "n_mels"),
        (lambda: audio.melspectrogram(np.zeros(4096), 22050, n_fft=1.5), "n_fft must be an int"),
        (lambda: audio.stft(np.zeros(4096), 1024, win_length=2048), "win_length"),
        (lambda: audio.log_compress(-np.ones((2, 2))), "non-negative"),
        (lambda: audio.log_compress(np.ones((2, 2)), C=0), "C must be"),
        (lambda: audio.check_audio(np.zeros(100), 44100, expected_sr=16000), "expects 16000"),
        (lambda: audio.check_audio(np.zeros(100), 16000, min_duration=1.0), "shorter than"),
        (lambda: audio.check_audio(np.zeros((2, 100)), 16000), "to_mono"),
        (lambda: audio.check_audio(np.zeros(0), 16000), "empty"),
        (lambda: audio.check_audio(np.array([0.0, np.inf]), 16000), "NaN or infinite"),
    ],
)
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_load_reports_missing_unreadable_and_empty_files(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        audio.load(tmp_path / "missing.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"this is not audio")
    with pytest.raises(ValueError, match="could not read"):
        audio.load(bad)
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 22050)
    with pytest.raises(ValueError, match="no audio samples"):
        audio.load(empty)
    short = tmp_path / "short.wav"
    sf.write(short, np.zeros(100, np.float32), 22050)
    with pytest.raises(ValueError, match="shorter than"):
        audio.load(short, min_duration=1.0)


def test_check_audio_passes_good_input_through():
    y = np.zeros(16000, np.float32)
    assert audio.check_audio(y, 16000, expected_sr=16000, min_duration=1.0) is y
    batch = torch.zeros(2, 3, 8000)
    assert audio.check_audio(batch, 16000, allow_batch=True, min_duration=0.5) is batch


def test_log_compress_matches_its_formula():
    S = np.array([[0.0, 1.0], [9.0, 99.0]])
    np.testing.assert_allclose(audio.log_compress(S, C=1.0), np.log([1, 2, 10, 100]).reshape(2, 2))
    St = torch.tensor(S)
    torch.testing.assert_close(audio.log_compress(St, C=100.0), torch.log1p(100 * St))


def test_load_a_segment_and_probe(tmp_path, example):
    y, sr = example
    path = tmp_path / "clip.wav"
    sf.write(path, y, sr, subtype="FLOAT")
    info = audio.probe(path)
    assert info == (sr, len(y), 1, pytest.approx(3.0))
    part, _ = audio.load(path, offset=1.0, duration=0.5)
    np.testing.assert_array_equal(part, y[sr : sr + sr // 2])
    tail, _ = audio.load(path, offset=2.5)
    np.testing.assert_array_equal(tail, y[int(2.5 * sr) :])
    part16, sr16 = audio.load(path, sr=16000, offset=1.0, duration=0.5)
    assert sr16 == 16000 and len(part16) == 8000
    with pytest.raises(ValueError, match="past the end"):
        audio.load(path, offset=5.0)
    with pytest.raises(ValueError, match="offset must be"):
        audio.load(path, offset=-1.0)
    with pytest.raises(ValueError, match="duration must be"):
        audio.load(path, duration=0)
    with pytest.raises(ValueError, match="not found"):
        audio.probe(tmp_path / "missing.wav")


def test_example_notes_are_the_score_the_example_is_rendered_from():
    from course_lib.data import example_notes

    notes = example_notes("chords")
    assert len(notes) == 16 and {n.program for n in notes} == {48}
    assert sorted({round(n.onset, 2) for n in notes}) == [0.05, 0.77, 1.49, 2.21]
    scale = example_notes("scale")
    assert [n.pitch for n in scale] == [60, 62, 64, 65, 67, 69, 71, 72]
    with pytest.raises(ValueError, match="unknown example 'waltz'"):
        example_notes("waltz")

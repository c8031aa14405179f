import numpy as np
import pytest

from course_lib.data.render import Note, PitchBend, available_soundfonts, render_notes


def _onsets_by_energy(y, sr, on=0.1, off=0.01):
    """Times where the 1 ms RMS envelope rises above ``on`` x peak after falling below ``off``."""
    hop = sr // 1000
    env = np.sqrt(np.convolve(y**2, np.ones(hop) / hop, mode="same"))[::hop] / np.abs(y).max()
    found, armed = [], True
    for i, e in enumerate(env):
        if armed and e > on:
            # Back-track to where the rise started (first frame above the "off" level).
            start = i
            while start > 0 and env[start - 1] > off:
                start -= 1
            found.append(start * hop / sr)
            armed = False
        elif not armed and e < off:
            armed = True
    return np.array(found)


def test_rendered_onsets_are_where_the_labels_say():
    sr = 22050
    onsets = [0.1, 0.9, 1.75, 2.6]
    # Marimba notes (GM 12) decay quickly, so each onset follows near-silence.
    notes = [Note(72 + 2 * i, t, t + 0.1, program=12) for i, t in enumerate(onsets)]
    y = render_notes(notes, sr=sr, duration=3.3)
    found = _onsets_by_energy(y, sr)
    assert len(found) == len(onsets)
    assert np.abs(found - onsets).max() < 0.010  # within 10 ms


def test_rendered_pitch_matches_the_label():
    sr = 16000
    y = render_notes([Note(69, 0.0, 1.0, program=73)], sr=sr, duration=1.0)  # A4 on a flute
    spectrum = np.abs(np.fft.rfft(y[4000:12000] * np.hanning(8000)))
    f0 = np.fft.rfftfreq(8000, 1 / sr)[np.argmax(spectrum)]
    assert abs(1200 * np.log2(f0 / 440.0)) < 25  # within 25 cents of 440 Hz


def test_pitch_bend_shifts_the_pitch():
    sr = 16000
    bends = [PitchBend(0.0, 1.0, program=73)]
    y = render_notes([Note(69, 0.0, 1.0, program=73)], sr=sr, duration=1.0, pitch_bends=bends)
    spectrum = np.abs(np.fft.rfft(y[4000:12000] * np.hanning(8000)))
    f0 = np.fft.rfftfreq(8000, 1 / sr)[np.argmax(spectrum)]
    assert abs(1200 * np.log2(f0 / 440.0) - 100) < 25  # one semitone up


def test_rendering_is_deterministic_and_drums_work():
    notes = [Note(36, 0.0, 0.2, is_drum=True), Note(38, 0.25, 0.4, is_drum=True), Note(60, 0, 0.5)]
    a = render_notes(notes, duration=0.6)
    b = render_notes(notes, duration=0.6)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a[int(0.26 * 22050) : int(0.3 * 22050)]).max() > 0.01
    assert "TimGM6mb" in available_soundfonts()


@pytest.mark.parametrize(
    ("notes", "match"),
    [
        ([Note(128, 0, 1)], "pitch=128"),
        ([Note(60, 1, 0.5)], "onset < offset"),
        ([Note(60, 0, 1, velocity=0)], "velocity"),
        ([Note(60, 0, 1, program=200)], "program"),
    ],
)
def test_bad_notes_raise_clear_errors(notes, match):
    with pytest.raises(ValueError, match=match):
        render_notes(notes)


def test_unknown_soundfont_and_empty_duration():
    with pytest.raises(ValueError, match="unknown soundfont"):
        render_notes([Note(60, 0, 1)], soundfont="Steinway")
    with pytest.raises(ValueError, match="no samples"):
        render_notes([], duration=0)


# --- several SoundFonts -------------------------------------------------------------------

from pathlib import Path  # noqa: E402

from course_lib.data import render  # noqa: E402

_REPO = Path(__file__).resolve().parents[1]
_LEVEL_PROGRAMS = (0, 24, 48, 56, 73, 19)  # those soundfont_gain_db was measured on


def _needs(name):
    if name not in available_soundfonts():
        pkg = render.SOUNDFONTS[name].package
        pytest.skip(f"{name} SoundFont not installed (Debian package {pkg}; .ci/install.sh)")


def test_available_soundfonts_are_the_installed_ones():
    names = available_soundfonts()
    assert names[0] == "TimGM6mb"
    assert set(names) <= set(render.SOUNDFONTS)
    for name in render.SOUNDFONTS:
        if name in names:
            assert render.soundfont_path(name).is_file()
        else:
            with pytest.raises(ValueError, match=render.SOUNDFONTS[name].package):
                render.soundfont_path(name)


def test_a_missing_soundfont_names_its_debian_package(monkeypatch, tmp_path):
    font = render.SOUNDFONTS["MuseScore"]
    gone = font._replace(files=(tmp_path / "nowhere.sf2",))
    monkeypatch.setitem(render.SOUNDFONTS, "MuseScore", gone)
    assert "MuseScore" not in available_soundfonts()
    with pytest.raises(ValueError, match="musescore-general-soundfont-lossless"):
        render_notes([Note(60, 0, 0.5)], soundfont="MuseScore")
    with pytest.raises(ValueError, match="unknown soundfont"):
        render.soundfont_gain_db("Steinway")


def test_install_script_installs_every_debian_soundfont():
    script = (_REPO / ".ci" / "install.sh").read_text()
    block = script[script.index(">>> soundfonts") : script.index("<<< soundfonts")]
    for name, font in render.SOUNDFONTS.items():
        if name != "TimGM6mb":
            assert font.package in block
            assert any(f"{font.package}:{path.name}" in block for path in font.files)


@pytest.mark.parametrize("name", [n for n in render.SOUNDFONTS if n != "TimGM6mb"])
def test_every_soundfont_renders_the_pitch_at_a_comparable_level(name):
    _needs(name)
    sr = 16000
    # one note a program, a second each with 0.5 s gaps; RMS level of each note's second
    notes = [Note(60, 1.5 * k, 1.5 * k + 1, 100, p) for k, p in enumerate(_LEVEL_PROGRAMS)]

    def levels(font):
        y = render_notes(notes, sr=sr, soundfont=font, normalize=False)
        return np.array(
            [10 * np.log10(np.mean(y[int(n.onset * sr) : int(n.offset * sr)] ** 2)) for n in notes]
        )

    diff = levels(name) - levels("TimGM6mb")
    assert abs(float(np.median(diff))) < 4.0  # the gain brings the median level within 4 dB
    y = render_notes([Note(69, 0.0, 1.0, program=73)], sr=sr, soundfont=name)
    assert abs(np.abs(y).max() - 0.9) < 1e-6  # normalize=True: peak 0.9 as for TimGM6mb
    spectrum = np.abs(np.fft.rfft(y[4000:12000] * np.hanning(8000)))
    f0 = np.fft.rfftfreq(8000, 1 / sr)[np.argmax(spectrum)]
    assert abs(1200 * np.log2(f0 / 440.0)) < 25  # A4 flute within 25 cents
    np.testing.assert_array_equal(
        y, render_notes([Note(69, 0.0, 1.0, program=73)], sr=sr, soundfont=name)
    )


def test_timgm6mb_gain_is_zero_and_normalize_false_keeps_velocity():
    assert render.soundfont_gain_db("TimGM6mb") == 0.0
    soft = render_notes([Note(60, 0, 0.5, velocity=40)], sr=16000, normalize=False)
    loud = render_notes([Note(60, 0, 0.5, velocity=120)], sr=16000, normalize=False)
    assert np.abs(loud).max() > 2 * np.abs(soft).max()

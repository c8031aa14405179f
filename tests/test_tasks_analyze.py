"""``analyze`` and ``python -m course_lib analyze``: every shipped model on one recording."""

import json

import numpy as np
import pytest

from course_lib import audio, cli
from course_lib.tasks import analyze as analysis
from course_lib.tasks import onset, pitch, tagging


@pytest.fixture(scope="module")
def song(rendered):
    manifest = rendered("tagging", seed=11)
    item = manifest.split("test")[0]
    return manifest.audio_path(item), item.labels


def test_analysis_matches_the_task_functions(song):
    path, labels = song
    y, sr = audio.load(path)
    result = analysis.analyze(y, sr, ["onsets", "pitch", "tags"])
    assert list(result) == ["duration", "sr", "onsets", "pitch", "tags"]
    assert result["duration"] == pytest.approx(len(y) / sr, abs=1e-3) and result["sr"] == sr
    expected_onsets = onset.detect_onsets(y, sr)
    assert result["onsets"]["count"] == len(expected_onsets)
    np.testing.assert_allclose(result["onsets"]["times"], expected_onsets, atol=1e-3)
    _, f0, _ = pitch.estimate_pitch(y, sr)
    assert len(result["pitch"]["f0_hz"]) == len(f0)
    assert result["pitch"]["voiced_fraction"] == pytest.approx(np.mean(f0 > 0))
    assert sorted(result["tags"]["predicted"]) == sorted(tagging.predict_tags(y, sr))
    assert set(result["tags"]["predicted"]) & set(labels["tags"])  # the tagger finds some
    json.dumps(result)  # plain numbers and lists only


def test_format_analysis_has_one_line_per_analysis(song):
    y, sr = audio.load(song[0])
    result = analysis.analyze(y, sr, ["activity", "multi_f0", "instrument"])
    text = analysis.format_analysis(result).splitlines()
    assert len(text) == 4 and text[0].startswith(f"{result['duration']:.1f} s of audio")
    # the lines go from the semantic to the frame level, whatever the order asked for
    assert result["instrument"]["family"] in text[1] and text[1].startswith("instrument")
    assert text[2] == f"lead voice active: {result['activity']['fraction_active']:.0%} of frames"
    assert text[3].startswith(f"multiple F0: up to {result['multi_f0']['max_polyphony']} ")
    assert 0 <= result["multi_f0"]["mean_polyphony"] <= result["multi_f0"]["max_polyphony"]


@pytest.mark.parametrize(
    ("y", "names", "match"),
    [
        (np.zeros(22050 * 2, np.float32), ["beats"], "analyses must be some of"),
        (np.zeros(22050 * 2, np.float32), [], "analyses must be some of"),
        (np.zeros(22050 // 2, np.float32), ["onsets"], "shorter|too short|at least"),
        (np.zeros((2, 22050 * 2), np.float32), ["onsets"], "stereo|channels|1-D|mono"),
    ],
)
def test_bad_requests_are_refused(y, names, match):
    with pytest.raises(ValueError, match=match):
        analysis.analyze(y, 22050, names)


def test_command_line(song, capsys):
    path = str(song[0])
    assert cli.main(["analyze", path, "--task", "onsets", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    y, sr = audio.load(path)
    np.testing.assert_allclose(printed["onsets"]["times"], onset.detect_onsets(y, sr), atol=1e-3)
    assert cli.main(["analyze", path + ".missing"]) == 2
    assert "audio file not found" in capsys.readouterr().err
    assert cli.main(["analyze", path, "--task", "beats"]) == 2
    assert "analyses must be some of" in capsys.readouterr().err

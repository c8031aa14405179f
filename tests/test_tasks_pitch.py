"""Pitch task: CREPE frames and targets, melody metrics, the shipped CREPE-tiny checkpoint."""

import numpy as np
import pytest
import torch

from course_lib import checkpoints
from course_lib.data import render_notes
from course_lib.data.render import Note
from course_lib.models.pitch import CREPE, N_BINS, bin_cents, decode_cents, hz_to_cents
from course_lib.tasks.pitch import (
    HOP,
    SR,
    PitchFrames,
    decode_pitch,
    estimate_pitch,
    evaluate_estimator,
    melody_scores,
    pitch_frames,
    pitch_target,
)

# Measured on 100 clips of the full test split (programs never heard in training); on 6
# freshly rendered smoke test clips the checkpoint must keep most frames within 50 cents.
MIN_RPA = 0.75
MIN_RCA = 0.78


def test_frames_are_centred_and_normalised():
    y = np.sin(2 * np.pi * 440 * np.arange(SR) / SR).astype(np.float32)
    frames = pitch_frames(y, SR)
    assert frames.shape == (1 + SR // HOP, 1024)
    np.testing.assert_allclose(frames.mean(1), 0, atol=1e-4)
    np.testing.assert_allclose(frames[5:-5].std(1), 1, atol=1e-3)
    # frame 10 is centred on sample 1600: its middle sample is y[1600]
    scale = y[1600 - 512 : 1600 + 512]
    expected = (scale - scale.mean()) / scale.std(ddof=1)
    np.testing.assert_allclose(frames[10], expected, atol=1e-4)


def test_targets_peak_at_the_true_pitch_and_vanish_when_unvoiced():
    t = pitch_target([440.0, 0.0])
    assert t.shape == (2, 360) and t[1].max() == 0
    peak = int(t[0].argmax())
    assert abs(bin_cents()[peak] - hz_to_cents(440.0)) <= 10
    # decoding the target gives the pitch back within a cent
    assert decode_cents(t[:1])[0] == pytest.approx(hz_to_cents(440.0), abs=1.0)


def test_viterbi_ignores_a_one_frame_octave_jump_that_argmax_follows():
    act = np.full((20, N_BINS), 1e-3)
    act[:, 100] = 0.9  # a steady note ...
    act[10, 160] = 0.95  # ... with one frame whose strongest bin is an octave (60 bins) up
    assert decode_cents(act)[10] == pytest.approx(bin_cents()[160], abs=1)
    f0, _ = decode_pitch(act, 0.5)
    np.testing.assert_allclose(f0, 10 * 2 ** (bin_cents()[100] / 1200), rtol=1e-3)
    f0_argmax, _ = decode_pitch(act, 0.5, "argmax")
    assert f0_argmax[10] == pytest.approx(2 * f0[10], rel=0.01)


def test_decode_pitch_voicing_survives_a_short_dip_not_a_long_one():
    act = np.full((30, N_BINS), 1e-3)
    act[:, 150] = 0.9
    act[10, 150] = 0.1  # one quiet frame inside the note: stays voiced (median over 5)
    act[20:, 150] = 0.1  # the note ends: unvoiced
    f0, confidence = decode_pitch(act, 0.5)
    assert (f0[:20] > 0).all() and (f0[22:] == 0).all()
    assert confidence[10] == pytest.approx(0.9)
    with pytest.raises(ValueError, match="decoder"):
        decode_pitch(act, 0.5, "beam")


def test_melody_scores_by_hand():
    times = np.arange(10) * 0.01
    ref = np.array([0, 0, 440, 440, 440, 440, 220, 220, 0, 0], float)
    est = np.array([0, 300, 440, 445, 880, 0, 220, 220, 0, 0], float)
    s = melody_scores(times, ref, times, est)
    # voiced ref frames 2..7: correct pitch at 2, 3 (20 cents off), 6, 7 -> RPA 4/6;
    # 880 vs 440 counts for chroma -> RCA 5/6; frame 5 missed -> voicing recall 5/6
    assert s["rpa"] == pytest.approx(4 / 6)
    assert s["rca"] == pytest.approx(5 / 6)
    assert s["voicing_recall"] == pytest.approx(5 / 6)
    assert s["voicing_false_alarm"] == pytest.approx(1 / 4)


@pytest.fixture(scope="module")
def held_out(rendered):
    return rendered("pitch", seed=11)


def test_training_frames_carry_their_labels(held_out):
    ds = PitchFrames(held_out, "train", frame_step=5, limit=2)
    x, target = ds[3]
    assert x.shape == (1024,) and target.shape == (360,)
    voiced = ds.f0 > 0
    assert voiced.any() and (~voiced).any()
    assert float(ds[int(np.flatnonzero(~voiced)[0])][1].max()) == 0.0


def test_shipped_checkpoint_on_a_held_out_rendered_split(held_out):
    scores = evaluate_estimator(estimate_pitch, held_out, "test", limit=6)
    assert scores["rpa"] >= MIN_RPA, scores
    assert scores["rca"] >= MIN_RCA, scores


def test_estimate_pitch_on_a_rendered_note_at_another_rate():
    y = render_notes([Note(69, 0.1, 0.9, 100, 73)], sr=44100, duration=1.0)  # A4 on a flute
    times, f0, confidence = estimate_pitch(y, 44100)
    assert times.shape == f0.shape == confidence.shape == (1 + 16000 // HOP,)
    np.testing.assert_allclose(times[:3], [0.0, 0.01, 0.02])
    steady = f0[30:70]
    assert np.mean(np.abs(1200 * np.log2(np.maximum(steady, 1) / 440.0)) < 50) > 0.8
    assert confidence[30:70].mean() > confidence[-5:].mean()  # silence after the note


@pytest.mark.parametrize(
    ("y", "sr", "message"),
    [
        (np.zeros((2, 16000), np.float32), SR, "to_mono"),
        (np.full(16000, np.inf, np.float32), SR, "infinite"),
        (np.zeros(300, np.float32), SR, "too short"),
        (np.zeros(16000, np.float32), 100_000_000, "plausible sample rate"),
        (np.zeros(16000, np.int32), SR, "floating-point"),
    ],
)
def test_estimate_pitch_rejects_bad_input(y, sr, message):
    with pytest.raises(ValueError, match=message):
        estimate_pitch(y, sr)


def test_estimate_pitch_rejects_an_unknown_decoder():
    with pytest.raises(ValueError, match="decoder must be one of"):
        estimate_pitch(np.zeros(16000, np.float32), SR, decoder="beam")


def test_checkpoint_entry():
    model, meta = checkpoints.load_checkpoint("crepe_tiny")
    assert isinstance(model, CREPE) and model.capacity == "tiny"
    assert 0 < meta["threshold"] < 1
    assert meta["entry"]["test_metrics"]["rpa"] >= MIN_RPA
    assert checkpoints.checkpoint_path("crepe_tiny").stat().st_size < 2_000_000


def test_constant_estimator_answers_the_median_training_pitch(held_out):
    from course_lib.data.datasets import read_label_csv
    from course_lib.tasks.pitch import constant_estimator

    f0s = np.concatenate(
        [read_label_csv(held_out.root / it.labels["f0"])[1] for it in held_out.split("train")]
    )
    times, f0, confidence = constant_estimator(held_out)(np.zeros(8000, np.float32), 8000)
    assert len(times) == len(f0) == 101 and times[1] == pytest.approx(0.01)  # 1 s at 10 ms
    np.testing.assert_allclose(f0, np.median(f0s[f0s > 0]))
    assert (confidence == 1).all()


def test_warm_start_copies_the_shipped_weights_or_says_why_not(held_out):
    import torch

    from course_lib.tasks import build_task

    setup = build_task(
        "pitch", "smoke", root=held_out.root.parent, seed=11, warm_start="crepe_tiny", max_clips=1
    )
    shipped, _ = checkpoints.load_checkpoint("crepe_tiny")
    for (name, a), b in zip(setup.model.state_dict().items(), shipped.state_dict().values()):
        assert torch.equal(a, b), name
    assert setup.info["warm_start"] == "crepe_tiny"
    with pytest.raises(ValueError, match="does not fit"):
        build_task(
            "pitch",
            "smoke",
            root=held_out.root.parent,
            seed=11,
            warm_start="crepe_tiny",
            capacity="small",
            max_clips=1,
        )


def test_frame_rpa_counts_voiced_frames_within_50_cents():
    from course_lib.tasks.pitch import frame_rpa, pitch_target

    f0 = np.array([220.0, 440.0, 0.0, 330.0])
    target = torch.from_numpy(pitch_target(f0))
    # logits whose sigmoid peaks on the target bins: right everywhere
    right = torch.logit(target.clamp(1e-4, 1 - 1e-4))
    assert frame_rpa(right, target) == {"rpa": 1.0}
    # shift the second voiced frame by 100 cents (5 bins): 2 of 3 voiced frames right
    wrong = right.clone()
    wrong[1] = torch.roll(right[1], 5)
    assert frame_rpa(wrong, target)["rpa"] == pytest.approx(2 / 3)
    # a batch with no voiced frame scores 0 rather than dividing by zero
    silent = torch.from_numpy(pitch_target(np.zeros(3)))
    assert frame_rpa(torch.zeros(3, 360), silent) == {"rpa": 0.0}


def test_salience_loss_is_lowest_at_the_target():
    from course_lib.tasks.pitch import pitch_target, salience_loss

    target = torch.from_numpy(pitch_target(np.array([440.0, 0.0])))
    near = torch.logit(target.clamp(1e-4, 1 - 1e-4))
    assert salience_loss(near, target) < salience_loss(torch.zeros(2, 360), target)
    assert salience_loss(torch.roll(near, 10, dims=1), target) > salience_loss(near, target)


def test_expressive_bends_reset_every_note_and_stay_within_depth():
    from course_lib.data.render import Note
    from course_lib.data.rendered.pitch import expressive_bends

    notes = [Note(60 + k, 0.5 * k, 0.5 * k + 0.4, 100, 40) for k in range(40)]
    bends = expressive_bends(np.random.default_rng(0), notes, 40, vibrato_depth=(0.1, 0.2))
    offsets = {round(n.offset, 3) for n in notes}
    resets = [b for b in bends if b.time in offsets and b.semitones == 0.0]
    assert len(resets) == len(notes)
    inside = [b for b in bends if b.time not in offsets]
    assert inside, "40 notes should give some vibrato or glide"
    vibrato = [b for b in inside if b.semitones > 0]  # glides only bend downwards
    assert vibrato and max(b.semitones for b in vibrato) <= 0.2
    assert min(b.semitones for b in inside) >= -2.0
    again = expressive_bends(np.random.default_rng(0), notes, 40, vibrato_depth=(0.1, 0.2))
    assert again == bends  # the clip's generator decides everything

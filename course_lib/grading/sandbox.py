"""Run one submission's notebook in a sandbox: own user, allow-list file system, no network.

Lecture: course logistics (graded assignments).

When the grader runs as root, every worker slot gets its own unprivileged uid (no login
entry needed) and each run, in the preferred mode ``"user+bwrap"``, goes through Debian's
bubblewrap (``bwrap``, an audited setuid-free sandbox tool), which builds a new root file
system holding **only**

- ``/usr`` and the interpreter and environment (``sys.base_prefix``, ``sys.prefix``),
  read-only, with the few ``/etc`` files the dynamic linker and fonts need;
- ``course_lib`` as the assignment's view (:mod:`course_lib.grading.view`: no hidden checks,
  no shipped weights, the answer modules replaced by stubs), bound over the package folder;
- the course's rendered data, read-only (assignments train on it);
- the submission's working folder, read-write and capped in size (its own ``tmpfs``);
- private ``/tmp``, ``/var/tmp`` and ``/dev/shm`` (capped ``tmpfs``), ``/proc`` of its own
  PID namespace and a minimal ``/dev``.

Nothing else of the host exists inside: no home folders, no other clones or working trees
of the course, no host temporary folder. The run is in new network (loopback only), PID,
IPC and UTS namespaces, dies with the grader, and has ``RLIMIT_CPU``, ``RLIMIT_AS``
(memory), ``RLIMIT_NPROC`` (processes of that uid), ``RLIMIT_FSIZE``, ``no_new_privs`` and a
wall-clock limit; afterwards every process of the slot's uid is killed.

Without bubblewrap, as root, the run falls back to ``"user+namespaces"``: the same user and
limits in new network and mount namespaces where the host's file system stays visible
except the folders the grader hides (a deny-list: other copies of the course on the machine
stay readable) - install ``bubblewrap``. Without namespaces (``"user-only"``) the network
and the file system are not isolated beyond file permissions; without root
(``"limits-only"``) the run keeps only the resource limits, its own session and the kill of
the leftover processes it can find. :func:`isolation_mode` says which applies.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import resource
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "SandboxPolicy",
    "SandboxRun",
    "SandboxView",
    "bwrap_available",
    "capped_folder",
    "isolation_mode",
    "namespaces_available",
    "run_sandboxed",
    "kill_uid",
    "claim_uid",
    "UID_BASE",
]

UID_BASE = int(os.environ.get("COURSE_GRADING_UID_BASE", "64000"))
UID_COUNT = 1000  # sandbox uids UID_BASE .. UID_BASE + UID_COUNT - 1
LOCK_DIR = "/tmp/course-grading-uids"
TOKEN_ENV = "COURSE_GRADING_TOKEN"

_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18
_PR_SET_NO_NEW_PRIVS = 38
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1
_PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")


@dataclass(frozen=True)
class SandboxPolicy:
    """Limits of one sandboxed run.

    Parameters
    ----------
    wall_s : float
        Wall-clock limit of the whole notebook, in seconds.
    cell_timeout_s : float
        Per-cell limit (the kernel is interrupted and the next cell runs).
    cpu_s : int
        CPU-time limit per process, in seconds (``RLIMIT_CPU``).
    memory_bytes : int
        Address-space limit per process (``RLIMIT_AS``); importing torch needs about 3.5 GB.
    nproc : int
        Most processes and threads of the sandbox user (``RLIMIT_NPROC``, root mode only).
    fsize_bytes : int
        Largest file the run may write (``RLIMIT_FSIZE``).
    hide : tuple of str
        Paths made unreadable in the sandbox (root mode: an empty file system over each).
    isolate : bool
        Use a separate user and namespaces when running as root (``False``: limits only,
        as when not root).
    namespaces : bool
        Use network and mount namespaces when the kernel allows them (``False``: separate
        user and limits only, as in a container without ``CAP_SYS_ADMIN``).
    bwrap : bool
        Build the sandbox with bubblewrap when it is installed (allow-list file system);
        ``False`` uses the deny-list namespaces of ``"user+namespaces"``.
    workdir_bytes : int
        Size of the working folder (a ``tmpfs`` of that size in the root modes).
    tmp_bytes : int
        Size of each private temporary folder (``/tmp``, ``/var/tmp``, ``/dev/shm``).
    """

    wall_s: float = 300.0
    cell_timeout_s: float = 60.0
    cpu_s: int = 300
    memory_bytes: int = 6 * 2**30
    nproc: int = 256
    fsize_bytes: int = 256 * 2**20
    hide: tuple[str, ...] = field(default_factory=tuple)
    isolate: bool = True
    namespaces: bool = True
    bwrap: bool = True
    workdir_bytes: int = 1 * 2**30
    tmp_bytes: int = 256 * 2**20

    def __post_init__(self) -> None:
        names = ("wall_s", "cell_timeout_s", "cpu_s", "memory_bytes", "nproc", "fsize_bytes")
        for name in (*names, "workdir_bytes", "tmp_bytes"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"SandboxPolicy: {name} must be a positive number, got {value!r}")


@dataclass(frozen=True)
class SandboxView:
    """What the bubblewrap sandbox shows besides the interpreter and its working folder.

    Parameters
    ----------
    course_lib : str, optional
        A folder to show in place of the installed ``course_lib`` package (the assignment's
        view, :func:`course_lib.grading.view.build_view`); ``None`` shows the package itself.
    readonly : tuple of str
        More folders shown read-only at their own paths (the course's rendered data).
    """

    course_lib: str | None = None
    readonly: tuple[str, ...] = ()


@dataclass
class SandboxRun:
    """What a sandboxed command did: exit status, timeout, wall time and output tails."""

    returncode: int | None
    timed_out: bool
    wall_s: float
    stdout: str
    stderr: str
    leftover_killed: int


_NAMESPACES: list[bool] = []  # probed once per process


def namespaces_available() -> bool:
    """Whether a child of this process may create network and mount namespaces."""
    if not _NAMESPACES:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os._exit(0 if _libc().unshare(_CLONE_NEWNET | _CLONE_NEWNS) == 0 else 1)
        _NAMESPACES.append(os.waitpid(pid, 0)[1] == 0)
    return _NAMESPACES[0]


_BWRAP: list[bool] = []  # probed once per process


def bwrap_available() -> bool:
    """Whether bubblewrap is installed and can build a sandbox here (probed once)."""
    if not _BWRAP:
        exe = shutil.which("bwrap")
        ok = False
        if exe and os.geteuid() == 0:
            probe = [exe, *_system_binds(), "--unshare-all", "--die-with-parent", "--", "/bin/true"]
            try:
                ok = subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
            except (OSError, subprocess.SubprocessError):
                ok = False
        _BWRAP.append(ok)
    return _BWRAP[0]


def isolation_mode(policy: SandboxPolicy | None = None) -> str:
    """How submissions are isolated here.

    ``"user+bwrap"`` (root with bubblewrap: allow-list file system, own namespaces),
    ``"user+namespaces"`` (root without bubblewrap: namespaces, deny-list file system),
    ``"user-only"`` (root without namespaces: separate uid and limits, network not cut) or
    ``"limits-only"`` (not root: resource limits only).
    """
    if os.geteuid() != 0 or (policy is not None and not policy.isolate):
        return "limits-only"
    if (policy is None or (policy.bwrap and policy.namespaces)) and bwrap_available():
        return "user+bwrap"
    if (policy is not None and not policy.namespaces) or not namespaces_available():
        # Without a mount namespace, another user must be able to reach the interpreter.
        reachable = not any(_closed_ancestor(p) for p in _needed_paths())
        return "user-only" if reachable else "limits-only"
    return "user+namespaces"


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _mount(libc, source: str, target: str, fstype: str | None, flags: int, data: str) -> None:
    res = libc.mount(
        source.encode(),
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if res != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(s, _SIOCGIFFLAGS, ifr))[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | _IFF_UP))


def _needed_paths() -> list[str]:
    """Folders the sandboxed Python must read: interpreter, environment, course_lib."""
    import course_lib

    paths = {sys.base_prefix, sys.prefix, str(Path(course_lib.__file__).resolve().parents[1])}
    paths.update(p for p in sys.path if p and os.path.isdir(p))
    return sorted({os.path.realpath(p) for p in paths})


def _closed_ancestor(path: str) -> str | None:
    """The highest ancestor of ``path`` that other users cannot traverse (e.g. ``/root``)."""
    parts = Path(path).parts
    for i in range(2, len(parts) + 1):
        part = os.path.join(*parts[:i])
        if not os.stat(part).st_mode & stat.S_IXOTH:
            return part
    return None


def _mkdirs(path: str, mode: int = 0o711) -> None:
    parts = Path(path).parts
    for i in range(2, len(parts) + 1):
        part = os.path.join(*parts[:i])
        if not os.path.isdir(part):
            os.mkdir(part)
            os.chmod(part, mode)


def _expose(libc, paths: list[str]) -> None:
    """Make ``paths`` reachable when an ancestor is closed to other users.

    The closed ancestor gets an empty file system (so the rest of it stays hidden) and each
    needed folder is bound back into it.
    """
    by_ancestor: dict[str, list[tuple[str, int]]] = {}
    for path in paths:
        top = _closed_ancestor(path)
        if top is not None:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            by_ancestor.setdefault(top, []).append((path, fd))
    for top, items in by_ancestor.items():
        _mount(libc, "tmpfs", top, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=711,size=64k")
        for path, fd in items:
            _mkdirs(path)
            _mount(libc, f"/proc/self/fd/{fd}", path, None, _MS_BIND, "")
            os.close(fd)


def _isolate(workdir: str, hide: list[str]) -> None:
    """New network and mount namespaces; hide paths; private temporary directories."""
    libc = _libc()
    if libc.unshare(_CLONE_NEWNET | _CLONE_NEWNS) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare: {os.strerror(err)}")
    _mount(libc, "none", "/", None, _MS_REC | _MS_PRIVATE, "")
    _loopback_up()
    needed = _needed_paths()
    _expose(libc, needed)
    keep = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)
    # The environment itself may live under /tmp (e.g. a checkout in a temporary folder):
    # keep descriptors of what the interpreter needs there and bind it back over the private
    # /tmp below. A needed folder closed to other users (mode 700) is recreated traversable
    # and its entries are bound one by one instead.
    private = [t for t in _PRIVATE_TMP if os.path.isdir(t)]
    under_tmp = [p for p in needed if any(p.startswith(t + os.sep) for t in private)]
    binds: list[tuple[str, int, bool]] = []
    folders: list[str] = []
    covered: list[str] = []
    for path in sorted(under_tmp, key=len):
        if any(path == c or path.startswith(c + os.sep) for c in covered):
            continue
        if os.stat(path).st_mode & stat.S_IXOTH:
            binds.append((path, os.open(path, os.O_RDONLY | os.O_DIRECTORY), True))
            covered.append(path)
            continue
        folders.append(path)
        for entry in os.scandir(path):
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir or entry.is_file(follow_symlinks=False):
                flags = os.O_RDONLY | os.O_DIRECTORY if is_dir else os.O_PATH
                binds.append((entry.path, os.open(entry.path, flags), is_dir))
                covered.append(entry.path)
    for path in _PRIVATE_TMP:
        if os.path.isdir(path):
            _mount(libc, "tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=1777,size=512m")
    for path in folders:
        _mkdirs(path)
    for path, fd, is_dir in binds:
        if is_dir:
            _mkdirs(path)
        else:
            _mkdirs(os.path.dirname(path))
            open(path, "a").close()
        _mount(libc, f"/proc/self/fd/{fd}", path, None, _MS_BIND, "")
        os.close(fd)
    # The workdir may have lived under /tmp: bind it back from the descriptor kept open.
    if not os.path.isdir(workdir):
        _mkdirs(workdir)
        _mount(libc, f"/proc/self/fd/{keep}", workdir, None, _MS_BIND, "")
    os.close(keep)
    flags = _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    for path in hide:
        if os.path.isdir(path):
            _mount(libc, "tmpfs", path, "tmpfs", flags, "mode=000,size=4k")
        elif os.path.exists(path):
            _mount(libc, "/dev/null", path, None, _MS_BIND, "")


_ETC_KEEP = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "fonts", "localtime")


def _system_binds() -> list[str]:
    """bubblewrap arguments for the system part: /usr, its links, a few /etc files."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in _ETC_KEEP:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return [*args, "--proc", "/proc", "--dev", "/dev"]


def _parents(path: str) -> list[str]:
    parts = Path(path).parts
    return [os.path.join(*parts[:i]) for i in range(2, len(parts))]


def _bwrap_argv(workdir: str, policy: SandboxPolicy, view: SandboxView, files: str) -> list[str]:
    """The bubblewrap command line of one run (everything up to ``--``)."""
    import course_lib

    package = str(Path(course_lib.__file__).resolve().parent)
    args = [shutil.which("bwrap") or "bwrap", *_system_binds()]
    for tmp in _PRIVATE_TMP:
        args += ["--perms", "1777", "--size", str(policy.tmp_bytes), "--tmpfs", tmp]
    args += ["--ro-bind", os.path.join(files, "passwd"), "/etc/passwd"]
    args += ["--ro-bind", os.path.join(files, "group"), "/etc/group"]
    shown = [
        (os.path.realpath(sys.base_prefix), False),
        (os.path.realpath(sys.prefix), False),
        *[(os.path.realpath(p), False) for p in view.readonly if os.path.isdir(p)],
        (package, False),
        (workdir, True),
    ]
    made: set[str] = {"/", "/usr", "/proc", "/dev", *_PRIVATE_TMP}
    for path, writable in shown:
        for parent in _parents(path):  # traversable, not listable, like a home folder
            if parent not in made:
                args += ["--perms", "0711", "--dir", parent]
                made.add(parent)
        if path == package and view.course_lib:
            args += ["--ro-bind", view.course_lib, package]
        else:
            args += ["--bind" if writable else "--ro-bind", path, path]
    args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--die-with-parent", "--new-session", "--chdir", workdir]
    return args


_MNT_DETACH = 2


@contextlib.contextmanager
def capped_folder(path: str, size: int, uid: int | None):
    """Make ``path`` (an empty folder) a ``tmpfs`` of ``size`` bytes owned by ``uid``, if root.

    Yields whether the cap applies (root that may mount); the file system is detached
    afterwards. Without it the folder stays a plain folder (``RLIMIT_FSIZE`` still caps
    each file).
    """
    mounted = False
    if os.geteuid() == 0:
        try:
            owner = f",uid={uid},gid={uid}" if uid is not None else ""
            _mount(
                _libc(),
                "tmpfs",
                path,
                "tmpfs",
                _MS_NOSUID | _MS_NODEV,
                f"size={size},mode=0700{owner}",
            )
            mounted = True
        except OSError:
            mounted = False
    try:
        yield mounted
    finally:
        if mounted:
            _libc().umount2(path.encode(), _MNT_DETACH)


def _launch(spec: dict) -> None:
    """Body of ``python -m course_lib.grading.sandbox SPEC``: isolate, limit, drop, exec."""
    os.umask(0o077)
    if spec.get("uid") is not None and spec.get("mode") == "user+namespaces":
        _isolate(spec["workdir"], spec["hide"])
    limits = {
        resource.RLIMIT_CPU: (spec["cpu_s"], spec["cpu_s"] + 5),
        resource.RLIMIT_AS: (spec["memory_bytes"], spec["memory_bytes"]),
        resource.RLIMIT_FSIZE: (spec["fsize_bytes"], spec["fsize_bytes"]),
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_NOFILE: (1024, 1024),
    }
    if spec.get("uid") is not None:
        limits[resource.RLIMIT_NPROC] = (spec["nproc"], spec["nproc"])
    for which, value in limits.items():
        resource.setrlimit(which, value)
    if spec.get("uid") is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(spec["gid"])
        os.setuid(spec["uid"])
    _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.chdir(spec["workdir"])
    os.execve(spec["argv"][0], spec["argv"], spec["env"])


def _processes() -> list[tuple[int, int, str]]:
    """(pid, real uid, state) of every live process."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        try:
            uid = int(fields["Uid"].split()[0])
            state = fields["State"].split()[0]
        except (KeyError, IndexError, ValueError):
            continue
        out.append((int(entry), uid, state))
    return out


def kill_uid(uid: int, gid: int | None = None, rounds: int = 50) -> int:
    """Kill every process of ``uid`` (root only); returns how many were alive.

    A child forks as root (exempt from the uid's process limit), becomes ``uid`` and sends
    ``SIGKILL`` to every process it may signal (``kill(-1)``), until none is left.
    """
    if os.geteuid() != 0:
        raise ValueError("kill_uid: only root can kill the processes of another uid")
    if uid == 0:
        raise ValueError("kill_uid: refusing to kill the processes of root (uid 0)")
    first = None
    for _ in range(rounds):
        alive = [pid for pid, u, state in _processes() if u == uid and state != "Z"]
        first = len(alive) if first is None else first
        if not alive:
            break
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                os.setgroups([])
                os.setgid(uid if gid is None else gid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.02)
    return first or 0


@contextlib.contextmanager
def claim_uid(start: int = 0):
    """Reserve a sandbox uid for this process (root only); yields the uid.

    Graders running at the same time on one machine (two courses, or tests beside a real
    run) must never share a uid, since each kills every process of its uid. A uid is held
    with an exclusive ``flock`` on ``LOCK_DIR/<uid>.lock`` (the directory is root's, mode
    0700, and invisible in the sandbox's private ``/tmp``) until the block ends.
    """
    os.makedirs(LOCK_DIR, mode=0o700, exist_ok=True)
    os.chmod(LOCK_DIR, 0o700)
    for offset in range(UID_COUNT):
        uid = UID_BASE + (start + offset) % UID_COUNT
        fd = os.open(os.path.join(LOCK_DIR, f"{uid}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        try:
            yield uid
        finally:
            os.close(fd)  # releases the lock
        return
    raise RuntimeError(f"claim_uid: all {UID_COUNT} sandbox uids from {UID_BASE} are in use")


def _kill_token(token: str, exclude: int) -> int:
    """Degraded mode: kill our own processes whose environment carries ``token``."""
    killed = 0
    needle = f"{TOKEN_ENV}={token}".encode()
    for pid, uid, state in _processes():
        if uid != os.getuid() or pid in (exclude, os.getpid()) or state == "Z":
            continue
        try:
            env = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    return killed


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def run_sandboxed(
    argv: list[str],
    workdir: str,
    env: dict[str, str],
    policy: SandboxPolicy,
    uid: int | None,
    logdir: str,
    view: SandboxView | None = None,
) -> SandboxRun:
    """Run ``argv`` under ``policy`` in ``workdir`` as ``uid`` (``None``: limits only).

    ``env`` is the complete environment of the command (nothing else is inherited).
    Output goes to files in ``logdir`` (owned by the grader); their tails are returned.
    ``view`` says what the bubblewrap sandbox shows besides the interpreter and ``workdir``.
    """
    token = os.urandom(8).hex()
    mode = isolation_mode(policy) if uid is not None else "limits-only"
    spec = {
        "argv": argv,
        "env": {**env, TOKEN_ENV: token},
        "workdir": workdir,
        "uid": uid,
        "gid": uid,
        "hide": [str(p) for p in policy.hide],
        **{k: v for k, v in asdict(policy).items() if k not in ("hide", "isolate")},
        "mode": mode,
    }
    if uid is not None:
        kill_uid(uid)
    out_path, err_path = Path(logdir) / "stdout.txt", Path(logdir) / "stderr.txt"
    launcher_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    launcher = [sys.executable, "-I", "-m", "course_lib.grading.sandbox", json.dumps(spec)]
    if mode == "user+bwrap":
        # bubblewrap (as root) builds the root file system and namespaces; the launcher
        # inside, run from the package folder as the sandbox shows it, sets the limits and
        # becomes the sandbox user.
        files = os.path.join(logdir, "etc")
        os.makedirs(files, exist_ok=True)
        Path(files, "passwd").write_text(f"grader:x:{uid}:{uid}::{env.get('HOME', '/')}:/bin/sh\n")
        Path(files, "group").write_text(f"grader:x:{uid}:\n")
        for name in ("passwd", "group"):
            os.chmod(os.path.join(files, name), 0o644)
        os.chmod(files, 0o755)
        os.chmod(logdir, 0o711)
        script = str(Path(__file__).resolve())
        bw = _bwrap_argv(workdir, policy, view or SandboxView(), files)
        launcher = [*bw, "--", sys.executable, "-I", script, json.dumps(spec)]
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            launcher,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=launcher_env,
            cwd=workdir,
            start_new_session=True,
        )
        timed_out = False
        try:
            proc.wait(timeout=policy.wall_s)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
    wall = time.monotonic() - start
    leftover = kill_uid(uid) if uid is not None else _kill_token(token, proc.pid)
    return SandboxRun(
        returncode=None if timed_out else proc.returncode,
        timed_out=timed_out,
        wall_s=wall,
        stdout=_tail(out_path),
        stderr=_tail(err_path),
        leftover_killed=leftover,
    )


if __name__ == "__main__":  # pragma: no cover - exercised through run_sandboxed
    _launch(json.loads(sys.argv[1]))

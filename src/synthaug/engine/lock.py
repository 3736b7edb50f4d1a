"""One job at a time per DST: a lock file under ``DST/.synthaug/lock``.

The lock is an advisory ``flock`` on the file, held for the job's life by this process; the
file also names the holder's PID (and host) for messages. The kernel drops an ``flock`` when
its holder dies, however it dies (``kill -9`` included), so a lock file whose lock is free is
stale by construction: the next job takes it over and says so (``took_over`` is the PID that
file named). Within one process the lock is re-entrant (a library caller may prepare the same
job twice). Where ``fcntl`` is missing (Windows) the PID in the file decides: a live PID other
than ours refuses, a dead one is taken over.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from synthaug.errors import ConfigError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["JobLock", "acquire_lock"]

_HELD: dict[str, tuple[int, int]] = {}  # lock path -> (fd, users) held by this process


@dataclass
class JobLock:
    """A held lock; ``took_over`` is the PID of a dead job whose stale lock was taken over."""

    path: Path
    took_over: int | None = None
    _released: bool = False

    def release(self) -> None:
        """Drop the lock and remove its file (the last user in this process does)."""
        if self._released:
            return
        self._released = True
        key = str(self.path)
        fd, users = _HELD.get(key, (-1, 0))
        if users > 1:
            _HELD[key] = (fd, users - 1)
            return
        _HELD.pop(key, None)
        try:
            self.path.unlink()
        except OSError:
            pass
        if fd >= 0:
            os.close(fd)  # closing drops the flock


def _pid_in(text: str) -> int | None:
    first = text.split("\n", 1)[0].strip()
    return int(first) if first.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _refuse(path: Path, pid: int | None) -> ConfigError:
    holder = f"PID {pid}" if pid is not None else "another process"
    return ConfigError(
        f"DST {path.parent.parent} is in use by another synthaug job ({holder}); wait for it to "
        f"finish or stop it (its lock is {path})"
    )


def acquire_lock(state_dir: str | os.PathLike[str]) -> JobLock:
    """Take the lock of the job folder ``state_dir`` (``DST/.synthaug``), creating it.

    Raises :class:`~synthaug.errors.ConfigError` naming the holder's PID when a live job holds
    it.
    """
    path = Path(state_dir) / "lock"
    key = str(path)
    if key in _HELD:
        fd, users = _HELD[key]
        _HELD[key] = (fd, users + 1)
        return JobLock(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            previous = _pid_in(os.read(fd, 64).decode("ascii", "replace"))
            os.close(fd)
            raise _refuse(path, previous) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder released and removed the file meanwhile: open it anew
    try:
        previous = _pid_in(os.read(fd, 64).decode("ascii", "replace"))
        if fcntl is None and previous not in (None, os.getpid()) and _alive(previous):
            raise _refuse(path, previous)
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n{socket.gethostname()}\n".encode())
    except BaseException:
        os.close(fd)
        raise
    _HELD[key] = (fd, 1)
    took_over = previous if previous not in (None, os.getpid()) else None
    return JobLock(path, took_over)

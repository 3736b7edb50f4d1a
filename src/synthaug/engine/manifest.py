"""The append-only manifest of a batch job, and its job description.

One JSON line per finished item (written *after* all of the item's outputs are in place) says
what it produced or why it was skipped. Lines are flushed and ``fsync``'d, so after a kill or a
crash the manifest lists only items whose outputs are complete; a half-written last line is cut
off when the manifest is opened again. Resuming re-runs the items that are not listed: their
outputs have fixed names and identical bytes, so whatever a killed run left is overwritten and
every output ends up present exactly once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["Manifest"]


class Manifest:
    """A JSONL file of item entries ``{"key": ..., "status": ..., ...}``.

    Parameters
    ----------
    path : path
        The manifest file; created (with its folder) on the first :meth:`append`.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, dict[str, Any]]:
        """Entries by key, cutting off a partial last line left by a kill."""
        if not self.path.exists():
            return {}
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            with open(self.path, "r+b") as fh:
                fh.truncate(end)
                fh.flush()
                os.fsync(fh.fileno())
        entries: dict[str, dict[str, Any]] = {}
        for line in data[:end].splitlines():
            if line.strip():
                entry = json.loads(line)
                entries[entry["key"]] = entry
        return entries

    def append(self, entries: list[dict[str, Any]]) -> None:
        """Append entries as one write, flushed and ``fsync``'d before returning."""
        if not entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries)
        with open(self.path, "ab") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())

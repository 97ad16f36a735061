"""The physical tier indexes: one Whoosh index per audience tier, each in its own directory.

Layout under INDEX_DIR:
    public -> public-<token>/        a symlink, swapped atomically by a rebuild
    researchers -> researchers-<token>/
    staff -> staff-<token>/
    writer.lock                      one writer at a time across processes (flock)

Each tier directory holds `state.json`: the index format it was built with and how far it
applied the outbox log (so several hosts sharing one database keep their own tiers current).
"""

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index

from ..policy import Tier
from .schema import INDEX_FORMAT_VERSION, make_schema

STATE_FILE = "state.json"
# INDEX_SEGMENT_DOCS's default, for stores made outside an app (the benchmark).
DEFAULT_SEGMENT_DOCS = 1000


class IndexBusy(RuntimeError):
    """Another process held the writer lock for longer than the timeout."""


@dataclass
class TierState:
    """How far a tier applied the outbox: every seq <= low_water, plus `done` above it.

    `gaps` remembers when a missing seq below a done one was first seen (PostgreSQL hands out
    sequence numbers before commit, so a lower one can commit later; a rolled-back one never
    does and is given up after a timeout).
    """

    format: str = ""
    low_water: int = 0
    done: set[int] = field(default_factory=set)
    gaps: dict[int, float] = field(default_factory=dict)
    # Segments holding deleted copies of a hidden testimony, to rewrite (random ids, no text).
    rewrite: set[str] = field(default_factory=set)

    def is_done(self, seq: int) -> bool:
        return seq <= self.low_water or seq in self.done

    def mark(self, seqs: set[int], gap_timeout: float, now: float) -> None:
        """Record applied jobs and advance the low water mark over filled or expired gaps."""
        self.done |= seqs
        while self.done:
            nxt = self.low_water + 1
            if nxt in self.done:
                self.done.discard(nxt)
                self.gaps.pop(nxt, None)
                self.low_water = nxt
                continue
            first_seen = self.gaps.setdefault(nxt, now)
            if now - first_seen < gap_timeout:
                break
            self.gaps.pop(nxt)  # abandoned (rolled back): `index verify` would catch a miss
            self.low_water = nxt

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": self.format,
                "low_water": self.low_water,
                "done": sorted(self.done),
                "gaps": {str(k): v for k, v in sorted(self.gaps.items())},
                "rewrite": sorted(self.rewrite),
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> "TierState":
        data = json.loads(raw)
        return cls(
            format=str(data.get("format", "")),
            low_water=int(data.get("low_water", 0)),
            done={int(x) for x in data.get("done", [])},
            gaps={int(k): float(v) for k, v in data.get("gaps", {}).items()},
            rewrite={str(x) for x in data.get("rewrite", [])},
        )


class TierStore:
    """Access to the tier directories under one INDEX_DIR.

    `segment_docs` is the most documents a segment of a tier may hold (INDEX_SEGMENT_DOCS):
    rebuilds, drains and compactions keep every segment within it (see segments.py).
    """

    def __init__(self, root: str | Path, segment_docs: int = DEFAULT_SEGMENT_DOCS) -> None:
        self.root = Path(root)
        self.segment_docs = max(1, int(segment_docs))

    def link(self, tier: Tier) -> Path:
        return self.root / tier.value

    def exists(self, tier: Tier) -> bool:
        path = self.link(tier)
        return path.is_dir() and whoosh_index.exists_in(str(path))

    def state(self, tier: Tier) -> TierState:
        """Return the tier's state (an empty state when the tier does not exist yet)."""
        path = self.link(tier) / STATE_FILE
        try:
            return TierState.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return TierState()

    def save_state(self, tier: Tier, state: TierState, directory: Path | None = None) -> None:
        """Write the state atomically (write aside, then rename)."""
        target = (directory or self.link(tier)) / STATE_FILE
        tmp = target.with_suffix(f".{secrets.token_hex(4)}.tmp")
        tmp.write_text(state.to_json(), encoding="utf-8")
        os.replace(tmp, target)

    def open(self, tier: Tier) -> Index:
        """Open the tier's index. Raises FileNotFoundError when it does not exist."""
        if not self.exists(tier):
            raise FileNotFoundError(self.link(tier))
        return whoosh_index.open_dir(str(self.link(tier)))

    def is_current(self, tier: Tier) -> bool:
        """Return whether the tier exists and was built with this code's index format."""
        return self.exists(tier) and self.state(tier).format == INDEX_FORMAT_VERSION

    def create_aside(self, tier: Tier) -> tuple[Path, Index]:
        """Create an empty index in a new directory beside the live one; return both."""
        self.root.mkdir(parents=True, exist_ok=True)
        directory = self.root / f"{tier.value}-{secrets.token_hex(6)}"
        directory.mkdir()
        return directory, whoosh_index.create_in(str(directory), make_schema())

    def swap(self, tier: Tier, directory: Path) -> None:
        """Point the tier at `directory` atomically and delete the directory it replaced."""
        link = self.link(tier)
        old = link.resolve() if link.is_symlink() else None
        tmp = self.root / f".{tier.value}.{secrets.token_hex(4)}.link"
        tmp.symlink_to(directory.name)
        os.replace(tmp, link)
        if old is not None and old != directory.resolve() and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)

    @contextlib.contextmanager
    def writer_lock(self, timeout: float) -> Iterator[None]:
        """Hold the cross-process writer lock; raise IndexBusy after `timeout` seconds."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "writer.lock").open("a") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(str(self.root)) from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

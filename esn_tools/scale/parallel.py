"""Generating the conversation in a second process while this one writes.

Generation and writing are both Python work: in two threads they would take
turns on the GIL (sqlite3 gives it up for every row it steps, and gets it
back only when the generator yields it), so the load would run at the speed
of their sum. A child process rebuilds the same company from the same seeds
and sends the chunks through a pipe; its output is exactly what
Conversation.chunks gives in this process.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection

from esn_tools.scale.company import Company, StampFunction
from esn_tools.scale.content import Chunk, Conversation
from esn_tools.scale.sinks import postgres_stamp, sqlite_stamp
from esn_tools.scale.sizes import scale_named


def stamp_for(dialect: str) -> StampFunction:
    """The time conversion a dialect's driver needs."""
    return sqlite_stamp if dialect == "sqlite" else postgres_stamp


def _generate(scale: str, now: int, dialect: str, size: int, pipe: Connection) -> None:
    """The child process: every chunk, then None (or the error as text)."""
    try:
        conversation = Conversation(Company(scale_named(scale), now), stamp_for(dialect))
        for chunk in conversation.chunks(size):
            pipe.send(chunk)
        pipe.send(None)
    except BaseException:  # reported to the parent, which raises it
        pipe.send(traceback.format_exc())
    finally:
        pipe.close()


class ChildChunks:
    """Conversation.chunks(size), computed in a child process started at once.

    Iterate once; ``close`` always (it stops the child if it is still running).
    """

    def __init__(self, scale: str, now: int, dialect: str, size: int) -> None:
        # spawn, not fork: this process already runs threads (writer, progress).
        context = multiprocessing.get_context("spawn")
        self.receiving, sending = context.Pipe(duplex=False)
        self.child = context.Process(
            target=_generate,
            args=(scale, now, dialect, size, sending),
            name="seed-generator",
            daemon=True,
        )
        self.child.start()
        sending.close()
        self.finished = False

    def __iter__(self) -> Iterator[Chunk]:
        while True:
            try:
                item = self.receiving.recv()
            except EOFError:
                raise RuntimeError("the generating process stopped unexpectedly") from None
            if item is None:
                self.finished = True
                return
            if isinstance(item, str):
                raise RuntimeError(f"the generating process failed:\n{item}")
            yield item

    def close(self) -> None:
        """Wait for a child that is done; stop one that is not."""
        self.receiving.close()
        if self.finished:
            self.child.join(timeout=30)
        if self.child.is_alive():
            self.child.terminate()
        self.child.join()

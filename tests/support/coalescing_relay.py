"""A TCP relay that makes a loaded network's timing happen every time.

Under load the server's ``+ idling`` and the ``* 1 EXISTS`` right behind it reach the
client in one segment.  The relay forwards both directions as they come, except that a
server continuation line (``+ ...``) ending what the server wrote is held until the
server writes again (or ``hold_seconds`` pass), and then it, with all the server writes
within :data:`BURST_SECONDS`, goes in one ``sendall``.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator

from tests.support.imap_server import free_port

BURST_SECONDS = 0.2


class CoalescingRelay:
    def __init__(self, target_port: int, *, hold_seconds: float = 5.0) -> None:
        self.target_port = target_port
        self.hold_seconds = hold_seconds
        self.port = free_port()
        self.coalesced = 0  # continuation lines sent together with what followed them
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._closing = threading.Event()
        self._sockets: list[socket.socket] = [self._listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closing.set()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump_holding, args=(server, client), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def _pump_holding(self, source: socket.socket, target: socket.socket) -> None:
        held = b""
        with contextlib.suppress(OSError):
            while True:
                if held:
                    readable, _, _ = select.select([source], [], [], self.hold_seconds)
                    if not readable:
                        target.sendall(held)
                        held = b""
                        continue
                data = source.recv(65536)
                if not data:
                    break
                if held:
                    data, held = held + data + self._burst(source), b""
                    self.coalesced += 1
                head, _, last = data[:-2].rpartition(b"\r\n")
                if data.endswith(b"\r\n") and last.startswith(b"+ "):
                    data, held = (head + b"\r\n" if head else b""), last + b"\r\n"
                if data:
                    target.sendall(data)
            if held:
                target.sendall(held)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    @staticmethod
    def _burst(source: socket.socket) -> bytes:
        """What else the server writes within a moment (EXISTS and RECENT come apart)."""
        more = b""
        while select.select([source], [], [], BURST_SECONDS)[0]:
            data = source.recv(65536)
            if not data:
                break
            more += data
        return more


@contextlib.contextmanager
def coalescing_relay(target_port: int, *, hold_seconds: float = 5.0) -> Iterator[CoalescingRelay]:
    relay = CoalescingRelay(target_port, hold_seconds=hold_seconds)
    try:
        yield relay
    finally:
        relay.close()

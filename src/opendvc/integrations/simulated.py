"""What this app's simulators add to ``core.simulators.Simulator``."""

from __future__ import annotations

import socket


class NoDelay:
    """Mixin: the simulator's answers leave at once. The base server writes the headers and the body
    in two segments; with Nagle's algorithm on, the body waits for the client's delayed ACK (~40 ms
    per request on Linux), which caps a relay at a few hundred requests per second however fast it
    is. Accepted sockets inherit TCP_NODELAY from the listening one."""

    def start(self):
        started = super().start()
        self._server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return started

"""`make run` keeps the emulator on its port after a quick restart: TIME_WAIT sockets do not count as taken."""

from __future__ import annotations

import socket

from api.embedded import port_is_free
from tests.conftest import wait_for


def test_a_port_left_in_time_wait_is_free_for_the_emulator() -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.listen()
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first, so its end of the connection waits in TIME_WAIT
    server.close()
    wait_for(lambda: client.recv(1) == b"")
    client.close()

    def in_time_wait() -> bool:
        with open("/proc/net/tcp") as table:
            return any(f":{port:04X} " in line and line.split()[3] == "06" for line in table)

    assert in_time_wait(), "the test needs a socket in TIME_WAIT on the port"
    plain = socket.socket()
    try:
        try:
            plain.bind(("127.0.0.1", port))
            refused_without_reuse = False
        except OSError:
            refused_without_reuse = True
    finally:
        plain.close()
    assert refused_without_reuse, "a bind without SO_REUSEADDR fails here: what the old check did"
    assert port_is_free("127.0.0.1", port)

    taken = socket.socket()
    taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the emulator's server binds
    taken.bind(("127.0.0.1", port))
    taken.listen()
    try:
        assert not port_is_free("127.0.0.1", port)  # a listening server is still seen
    finally:
        taken.close()

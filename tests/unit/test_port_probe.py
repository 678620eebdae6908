"""`rtcc dev`'s port probe agrees with the servers' own bind: a port whose last
connections linger in TIME_WAIT (a stack just stopped) is free, a listening one is not."""

from __future__ import annotations

import socket
import time

import pytest
from rtcc.local.stack import _check_port_free


def _port_in_time_wait() -> int:
    """A port whose listener is closed while a connection it accepted sits in TIME_WAIT
    (the server side closed first, as a stopping server does)."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = listener.accept()
        conn.close()  # server side closes first: its end goes to TIME_WAIT ...
        client.recv(1)  # ... once the client has seen the FIN
        client.close()
    time.sleep(0.1)
    return port


def test_a_port_in_time_wait_is_free() -> None:
    port = _port_in_time_wait()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # what the probe used to do: "in use"
    _check_port_free(port)


def test_a_listening_port_is_in_use() -> None:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with pytest.raises(OSError, match="in use"):
            _check_port_free(listener.getsockname()[1])

"""The AWS emulator of `rtcc dev`: moto's server with the deployed IAM in front of it
(`rtcc.local.iam.enforcer`)."""

from __future__ import annotations

from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


class LocalAwsEmulator(ThreadedMotoServer):
    """moto's threaded server whose WSGI application is wrapped by `wrap` (the IAM
    enforcer), so every request from every client passes through it."""

    def __init__(self, ip_address: str, port: int, wrap: Any = None) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self._wrap = wrap

    def _server_entry(self) -> None:
        app: Any = DomainDispatcherApplication(create_backend_app)
        if self._wrap is not None:
            app = self._wrap(app)
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

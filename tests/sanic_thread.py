"""A Sanic app served on a free loopback port from a daemon thread (for tests)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable

from sanic import Sanic


def serve_in_thread(make_app: Callable[[], Sanic]) -> int:
    """Build the app in the serving thread (it may open SQLite there) and return its port once
    it accepts connections."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = make_app()
        server = loop.run_until_complete(
            app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        )
        loop.run_until_complete(server.startup())
        loop.run_forever()

    threading.Thread(target=serve, daemon=True).start()
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the test server did not start")

"""How `civicdesk api --workers N` listens: the shared socket must behave like uvicorn's own."""

from __future__ import annotations

import asyncio
import socket

from cli.commands.serve import TcpListenerConfig


async def test_worker_connections_send_small_responses_at_once() -> None:
    # Without TCP_NODELAY, Nagle's algorithm holds a response's last small segment until the
    # client acknowledges the previous one: ~40 ms on every keep-alive request.
    listener = TcpListenerConfig("api.app:app_from_environment", host="127.0.0.1", port=0)
    sock = listener.bind_socket()
    assert sock.proto == socket.IPPROTO_TCP and sock.get_inheritable()
    loop = asyncio.get_running_loop()
    nodelay: asyncio.Future[int] = loop.create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted = transport.get_extra_info("socket")
            nodelay.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await loop.create_server(Probe, sock=sock)
    try:
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        assert await asyncio.wait_for(nodelay, 10) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()

"""`civicdesk run | api | bot | worker`: the desk's processes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn
from redis.asyncio import Redis
from uvicorn.supervisors import Multiprocess

from cli.app import App, open_app
from cli.main import add_handler
from cli.output import CommandFailed, say
from core import migrate
from core.config import Settings
from core.runtime import settle_heap

BOT_OFF_HINT = (
    "the Telegram bot is off: set CIVICDESK_BOT_TOKEN to a token from @BotFather "
    "(and CIVICDESK_TELEGRAM_API_URL for a self-hosted Bot API server) to turn it on"
)


def register(commands: Any) -> None:
    run = commands.add_parser("run", help="everything in one process: web app, worker and bot")
    _http_options(run)
    add_handler(run, _run)
    api = commands.add_parser("api", help="the web application alone")
    _http_options(api)
    api.add_argument(
        "--workers",
        type=int,
        help="processes serving requests, about one per CPU core (default CIVICDESK_HTTP_WORKERS)",
    )
    add_handler(api, _api)
    bot = commands.add_parser("bot", help="the Telegram bot alone (long polling)")
    add_handler(bot, _bot)
    webhook = bot.add_subparsers(dest="bot_action", metavar="ACTION")
    set_hook = webhook.add_parser("set-webhook", help="have Telegram send updates to the web app")
    set_hook.add_argument(
        "--url", help="public URL of /telegram/webhook (default CIVICDESK_WEBHOOK_URL)"
    )
    add_handler(set_hook, _set_webhook)
    delete_hook = webhook.add_parser("delete-webhook", help="stop the webhook (for long polling)")
    add_handler(delete_hook, _delete_webhook)
    worker = commands.add_parser("worker", help="scheduled jobs and notification delivery")
    add_handler(worker, _worker)


def _http_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default CIVICDESK_HTTP_HOST)")
    parser.add_argument("--port", type=int, help="port (default CIVICDESK_HTTP_PORT)")


async def require_current_schema(app: App) -> None:
    current, head = await migrate.current_revision(app.engine), migrate.head_revision()
    if current != head:
        raise CommandFailed(
            f"the database is at revision {current or 'base'}, this version needs {head}: "
            "run `civicdesk db upgrade` first"
        )


def stop_on_signals() -> asyncio.Event:
    """SIGINT and SIGTERM ask every part to finish what it is doing and stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: civicdesk stops all its parts together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_http(app: App, host: str, port: int, stop: asyncio.Event) -> None:
    from api.app import create_app

    config = uvicorn.Config(
        create_app(app.settings, app.services),
        host=host,
        port=port,
        log_level="info",
        proxy_headers=True,
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve())
    await _until(stop, serving)
    server.should_exit = True
    await serving


async def run_bot(app: App, stop: asyncio.Event) -> None:
    from api.metrics import install_prometheus
    from bot.app import create_bot, create_dispatcher, publish_commands

    install_prometheus()  # matcher decisions and tickets (see PROMETHEUS_MULTIPROC_DIR)
    bot = create_bot(app.settings)
    redis = Redis.from_url(app.settings.redis_url) if app.settings.redis_url else None
    dispatcher = create_dispatcher(app.services, app.sessions, redis)
    settle_heap()
    await bot.delete_webhook()  # long polling and a webhook cannot both be active
    await publish_commands(bot)
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    try:
        await _until(stop, polling)
        if not polling.done():
            await dispatcher.stop_polling()
        await polling
    finally:
        await bot.session.close()
        if redis is not None:
            await redis.aclose()


async def run_worker(app: App, stop: asyncio.Event) -> None:
    from api.metrics import install_prometheus
    from worker.runner import run_worker as work

    install_prometheus()  # deliveries and their lag (see PROMETHEUS_MULTIPROC_DIR)
    await work(app.services, app.sessions, stop)


async def _until(stop: asyncio.Event, task: asyncio.Task[Any]) -> None:
    """Wait for a stop request, or for the task to end on its own (an error, usually)."""
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({stopping, task}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()


async def run_everything(app: App, host: str, port: int) -> None:
    stop = stop_on_signals()
    parts = [serve_http(app, host, port, stop), run_worker(app, stop)]
    if app.settings.bot_token is not None:
        parts.append(run_bot(app, stop))
        say("the Telegram bot is on (long polling)")
    else:
        say(BOT_OFF_HINT)
    say(f"civicdesk is running at http://{host}:{port}/  (Ctrl+C stops it)")
    tasks = [asyncio.create_task(part) for part in parts]
    # When one part ends (or fails), the others are asked to stop too.
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        task.result()


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app:
        await migrate.upgrade(app.engine)
        await run_everything(app, args.host or settings.http_host, args.port or settings.http_port)
    return 0


async def _api(args: argparse.Namespace, settings: Settings) -> int:
    host, port = args.host or settings.http_host, args.port or settings.http_port
    workers = args.workers if args.workers is not None else settings.http_workers
    if not 1 <= workers <= 64:
        raise CommandFailed("api: --workers must be between 1 and 64")
    if workers > 1 and not settings.redis_url:
        raise CommandFailed(
            "api: several workers must share the sign-in throttle through "
            "Redis: set CIVICDESK_REDIS_URL, or run one worker"
        )
    async with open_app(settings) as app:
        await require_current_schema(app)
        if workers == 1:
            await serve_http(app, host, port, stop_on_signals())
            return 0
    serve_with_workers(host, port, workers)
    return 0


class TcpListenerConfig(uvicorn.Config):
    """uvicorn's config, binding the workers' shared socket as a TCP socket.

    uvicorn creates that socket with protocol 0; connections accepted on it inherit the 0, and
    asyncio then never turns on TCP_NODELAY, so every keep-alive response waits about 40 ms
    for the client's delayed ACK (uvicorn issue #3149). Measured here: an inbox page over a
    kept-alive connection took 64 ms with two workers against 20 ms with one.
    """

    def bind_socket(self) -> socket.socket:
        listener = super().bind_socket()
        if listener.family not in (socket.AF_INET, socket.AF_INET6) or listener.proto:
            return listener
        tcp = socket.socket(listener.family, listener.type, socket.IPPROTO_TCP, listener.detach())
        tcp.set_inheritable(True)
        return tcp


def serve_with_workers(host: str, port: int, workers: int) -> None:
    """uvicorn's supervisor: worker processes on one socket, each building the app from the
    environment; a worker that dies is replaced, and SIGTERM stops them all cleanly."""
    config = TcpListenerConfig(
        "api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()


async def _bot(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None:
        raise CommandFailed(BOT_OFF_HINT)
    async with open_app(settings) as app:
        await require_current_schema(app)
        await run_bot(app, stop_on_signals())
    return 0


async def _worker(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app:
        await require_current_schema(app)
        await run_worker(app, stop_on_signals())
    return 0


async def _set_webhook(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import create_bot

    url = args.url or settings.webhook_url
    if settings.bot_token is None:
        raise CommandFailed(BOT_OFF_HINT)
    if not url:
        raise CommandFailed("bot set-webhook: give --url or set CIVICDESK_WEBHOOK_URL")
    if settings.webhook_secret is None:
        raise CommandFailed(
            "bot set-webhook: set CIVICDESK_WEBHOOK_SECRET first; the web app "
            "refuses webhook calls without it"
        )
    bot = create_bot(settings)
    try:
        await bot.set_webhook(
            url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=["message", "edited_message", "callback_query"],
        )
    finally:
        await bot.session.close()
    say(f"Telegram now sends updates to {url}")
    return 0


async def _delete_webhook(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import create_bot

    if settings.bot_token is None:
        raise CommandFailed(BOT_OFF_HINT)
    bot = create_bot(settings)
    try:
        await bot.delete_webhook()
    finally:
        await bot.session.close()
    say("the webhook is deleted; run `civicdesk bot` for long polling")
    return 0

"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.state import AppState, app_state

router = APIRouter(tags=["health"])
logger = logging.getLogger(__name__)
REDIS_PING_TIMEOUT = 2.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(state: AppState = Depends(app_state)) -> JSONResponse:
    """The database answers, and Redis too when it is configured."""
    checks: dict[str, str] = {}
    try:
        async with state.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        logger.warning("readiness: database unreachable: %s", exc)
        checks["database"] = "unreachable"
    if state.redis is not None:
        try:
            await asyncio.wait_for(state.redis.ping(), REDIS_PING_TIMEOUT)
            checks["redis"] = "ok"
        except Exception as exc:
            logger.warning("readiness: redis unreachable: %s", exc)
            checks["redis"] = "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503
    )

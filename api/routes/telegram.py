"""POST /telegram/webhook: updates from Telegram (when the bot runs in webhook mode)."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from api.state import AppState, app_state

router = APIRouter(tags=["telegram"])
logger = logging.getLogger(__name__)
MAX_UPDATE_BYTES = 1_000_000


@router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(request: Request, state: AppState = Depends(app_state)) -> Response:
    gateway = state.telegram
    if gateway is None:
        raise HTTPException(404, "the Telegram bot is not configured")
    if not gateway.authentic(request.headers.get("x-telegram-bot-api-secret-token")):
        logger.warning(
            "webhook call with a wrong or missing secret token from %s",
            request.client.host if request.client else "?",
        )
        raise HTTPException(401, "wrong secret token")
    body = await request.body()
    if len(body) > MAX_UPDATE_BYTES:
        raise HTTPException(413, "update too large")
    try:
        update = json.loads(body)
    except ValueError as exc:
        raise HTTPException(400, "the body is not JSON") from exc
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise HTTPException(400, "not a Telegram update")
    await gateway.handle(update)
    return Response(status_code=200)

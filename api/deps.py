"""Request-scoped dependencies: the unit of work and the authenticated staff member."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.state import AppState, app_state
from core.access import StaffActor
from core.services import Services
from core.staff.tokens import staff_for_token


async def _unit_of_work(state: AppState = Depends(app_state)) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, else rolled back.

    Function scope makes FastAPI commit before the response is sent, so a client is never told
    "done" about a change that failed to commit.
    """
    async with state.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


Session = Annotated[AsyncSession, Depends(_unit_of_work, scope="function")]


async def services(state: AppState = Depends(app_state)) -> Services:
    return state.services


DeskServices = Annotated[Services, Depends(services)]


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer <token>` header; empty when there is none."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


async def current_actor(request: Request, session: Session) -> StaffActor:
    """The staff member behind `Authorization: Bearer <token>`; 401 otherwise."""
    secret = bearer_token(request)
    staff = await staff_for_token(session, secret) if secret else None
    if staff is None:
        raise HTTPException(
            401,
            "a valid API token is required (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return StaffActor(staff.id, staff.role, staff.partner_id)


Actor = Annotated[StaffActor, Depends(current_actor)]

"""Partners: creating and updating them, and which intents and districts they handle."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, Capability, require
from core.desk import DeskContext
from core.errors import ValidationFailed
from core.intents.catalog import IntentKind
from core.partners.models import Partner, PartnerDistrict, PartnerIntent
from core.partners.repository import PartnerRepository
from core.partners.schemas import PartnerData, PartnersFile


class PartnerService:
    def __init__(self, context: DeskContext) -> None:
        self.context = context

    def default_intents(self, service_type: str | None) -> list[str]:
        """Ticket-filing intents whose routing names this service type."""
        if not service_type:
            return []
        return sorted(
            intent.code
            for intent in self.context.catalog
            if service_type in intent.partner_types and intent.kind is not IntentKind.INFORMATION
        )

    def _check(self, data: PartnerData) -> None:
        unknown = [code for code in data.intents or [] if self.context.catalog.get(code) is None]
        if unknown:
            raise ValidationFailed(
                f"partner {data.code}: unknown intent(s) {unknown}", field="intents"
            )
        districts = self.context.districts
        if len(districts):
            missing = [code for code in data.districts if districts.get(code) is None]
            if missing:
                raise ValidationFailed(
                    f"partner {data.code}: unknown district(s) {missing}", field="districts"
                )

    async def save(self, session: AsyncSession, actor: Actor, data: PartnerData) -> Partner:
        """Create a partner, or update the one with this code."""
        require(actor, Capability.MANAGE_PARTNERS)
        self._check(data)
        repository = PartnerRepository(session)
        partner = await repository.by_code(data.code)
        created = partner is None
        if partner is None:
            partner = Partner(code=data.code)
            session.add(partner)
        if data.coordination_unit:
            current = await repository.coordination_unit()
            if current is not None and current.code != data.code:
                raise ValidationFailed(
                    f"{current.code} is already the coordination unit; there can be only one",
                    field="coordination_unit",
                )
        partner.name = data.name
        partner.kind = data.kind
        partner.service_type = data.service_type
        partner.is_coordination_unit = data.coordination_unit
        partner.email, partner.phone, partner.address = data.email, data.phone, data.address
        partner.languages = list(data.languages)
        partner.active = data.active
        await session.flush()
        if data.intents is not None or created:
            intents = (
                data.intents
                if data.intents is not None
                else self.default_intents(data.service_type)
            )
            await session.execute(
                sa.delete(PartnerIntent).where(PartnerIntent.partner_id == partner.id)
            )
            session.add_all(
                PartnerIntent(partner_id=partner.id, intent_code=code) for code in set(intents)
            )
        await session.execute(
            sa.delete(PartnerDistrict).where(PartnerDistrict.partner_id == partner.id)
        )
        session.add_all(
            PartnerDistrict(partner_id=partner.id, district_code=code)
            for code in set(data.districts)
        )
        await session.flush()
        return partner

    async def load(
        self, session: AsyncSession, actor: Actor, partners: PartnersFile
    ) -> list[Partner]:
        """Create or update every partner of a partners file, in the caller's transaction."""
        # Clear the old unit first when the file moves that role to another partner.
        units = [partner for partner in partners.partners if partner.coordination_unit]
        current = await PartnerRepository(session).coordination_unit()
        if units and current is not None and current.code != units[0].code:
            require(actor, Capability.MANAGE_PARTNERS)
            current.is_coordination_unit = False
            await session.flush()
        return [await self.save(session, actor, data) for data in partners.partners]


def parse_partners_file(path: Path) -> PartnersFile:
    """Read and check a partners YAML file; every problem is named in the error."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"cannot read {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ValidationFailed(
            f"{path}{line}: invalid YAML: {getattr(exc, 'problem', exc)}"
        ) from exc
    try:
        parsed = PartnersFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ValidationFailed(f"{path}: {problems}") from exc
    codes = [partner.code for partner in parsed.partners]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValidationFailed(f"{path}: partner code(s) listed twice: {duplicates}")
    if sum(partner.coordination_unit for partner in parsed.partners) > 1:
        raise ValidationFailed(f"{path}: only one partner can be the coordination unit")
    return parsed

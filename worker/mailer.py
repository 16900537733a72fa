"""The SMTP implementation of core's Mailer port (aiosmtplib; STARTTLS or TLS from settings)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from core.config import SmtpSecurity, SmtpSettings
from core.notifications.ports import PermanentFailure, TemporaryFailure


class SmtpMailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        smtp = self.settings
        try:
            await aiosmtplib.send(
                message,
                hostname=smtp.host,
                port=smtp.port,
                username=smtp.username,
                password=smtp.password.get_secret_value() if smtp.password else None,
                use_tls=smtp.security is SmtpSecurity.TLS,
                start_tls=smtp.security is SmtpSecurity.STARTTLS,
                timeout=smtp.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # 5xx refuses the address for good; 4xx (a full mailbox, greylisting) may pass later.
            if all(500 <= refusal.code < 600 for refusal in exc.recipients):
                raise PermanentFailure(str(exc)) from exc
            raise TemporaryFailure(str(exc)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:  # a 5xx reply is final; 4xx means "try again later"
                raise PermanentFailure(f"{exc.code} {exc.message}") from exc
            raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

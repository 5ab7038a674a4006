"""Delivering one email over SMTP, and telling temporary failures from permanent ones.

STARTTLS and implicit TLS always use a verifying context built from the
system's CA store: `smtplib.starttls()` without one does not check the
server's certificate.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr


class TemporaryFailure(Exception):
    """Try again later: 4xx replies, refused or dropped connections, timeouts."""


class PermanentFailure(Exception):
    """Do not try again: 5xx replies."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    sender: str = "rueda@localhost"
    message_id_domain: str = "rueda.local"

    @classmethod
    def from_config(cls, config: dict) -> "SmtpSettings":
        security = str(config.get("SMTP_SECURITY") or "none").lower()
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"SMTP_SECURITY must be none, starttls or tls, not {security!r}")
        return cls(
            host=str(config["SMTP_HOST"]), port=int(config["SMTP_PORT"]), security=security,
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            timeout=float(config.get("SMTP_TIMEOUT_SECONDS") or 30),
            sender=str(config.get("MAIL_FROM") or "rueda@localhost"),
            message_id_domain=str(config.get("MAIL_MESSAGE_ID_DOMAIN") or "rueda.local"),
        )


def _address(value: str) -> Address:
    # Address refuses CR/LF and other characters that could start a new header
    _name, addr = parseaddr(value)
    if not addr or addr != value.strip():
        raise PermanentFailure(f"not a plain email address: {value!r}")
    local, _, domain = addr.rpartition("@")
    return Address(addr_spec=f"{local}@{domain}")


def build_message(*, settings: SmtpSettings, email_id: str, to_address: str, subject: str,
                  text_body: str, html_body: str, correlation_id: str, created_at) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _address(settings.sender)
    message["To"] = _address(to_address)
    message["Subject"] = subject
    message["Date"] = format_datetime(created_at)
    message["Message-ID"] = f"<{email_id}@{settings.message_id_domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Correlation-ID"] = correlation_id
    message.set_content(text_body)
    message.add_alternative(html_body, subtype="html")
    return message


def deliver(settings: SmtpSettings, message: EmailMessage) -> None:
    """Send one message; raise TemporaryFailure or PermanentFailure."""
    context = ssl.create_default_context()
    try:
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        reason = "; ".join(f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                           for code, msg in exc.recipients.values())
        if codes and all(500 <= code < 600 for code in codes):
            raise PermanentFailure(f"recipient refused: {reason}") from None
        raise TemporaryFailure(f"recipient deferred: {reason}") from None
    except smtplib.SMTPAuthenticationError as exc:
        # a credentials problem hits every email: keep them all and alert
        raise TemporaryFailure(f"authentication failed: {exc.smtp_code}") from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        if 500 <= exc.smtp_code < 600:
            raise PermanentFailure(f"{exc.smtp_code} {text}") from None
        raise TemporaryFailure(f"{exc.smtp_code} {text}") from None
    except ssl.SSLCertVerificationError as exc:
        raise TemporaryFailure(f"TLS certificate not trusted: {exc.verify_message}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None

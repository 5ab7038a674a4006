"""Delivering one email over SMTP, and telling temporary failures from permanent ones.

STARTTLS and implicit TLS always use a verifying context built from the
system's CA store: `smtplib.starttls()` without one does not check the
server's certificate.
"""

from __future__ import annotations

import secrets
import select
import smtplib
import ssl
from dataclasses import dataclass
from email import policy as email_policy
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache


class TemporaryFailure(Exception):
    """Try again later: 4xx replies, refused or dropped connections, timeouts.

    `uncertain` is true when the session broke while a message was being
    handed over, without a reply refusing it: the server may have taken it."""

    uncertain = False


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
    def from_config(cls, config: dict) -> SmtpSettings:
        security = str(config.get("SMTP_SECURITY") or "none").lower()
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"SMTP_SECURITY must be none, starttls or tls, not {security!r}")
        return cls(
            host=str(config["SMTP_HOST"]),
            port=int(config["SMTP_PORT"]),
            security=security,
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            timeout=float(config.get("SMTP_TIMEOUT_SECONDS") or 30),
            sender=str(config.get("MAIL_FROM") or "rueda@localhost"),
            message_id_domain=str(config.get("MAIL_MESSAGE_ID_DOMAIN") or "rueda.local"),
        )


# headers whose values repeat from one email to the next: the MIME structure
# the stdlib writes and replaces as the parts are assembled, and notify's
# fixed vocabularies. Not the addresses, the date or the Message-ID.
_REPEATING = frozenset(
    {
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "auto-submitted",
        "subject",
        "x-rueda-kind",
        "content-language",
    }
)
_PARSED_MAX = 256


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, but each header's class is made once:
    the stdlib's builds a new class with `type()` for every header it parses,
    which was most of the cost of building an email. And the headers in
    `_REPEATING` are parsed once per value: an email sets some twenty of them
    (three MIME-Versions, six Content-Types...), and parsing them was then
    most of what was left. The stdlib's header objects are immutable (a str
    with a parse tree that folding only reads), so one can serve every message."""

    def __init__(self):
        super().__init__()
        self._made = {}
        self._parsed = {}

    def __call__(self, name, value):
        # only plain strings (an Address is not hashable), and never the
        # boundary the generator picks per message: it would only churn
        if type(value) is not str or name.lower() not in _REPEATING or "boundary" in value.lower():
            return super().__call__(name, value)
        key = (name, value)
        header = self._parsed.get(key)
        if header is None:
            if len(self._parsed) >= _PARSED_MAX:
                self._parsed.clear()  # a bound, not a policy: the values are few
            header = self._parsed[key] = super().__call__(name, value)
            header.fold = _folded_once(header.fold)
        return header

    def __getitem__(self, name):
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made

    def map_to_type(self, name, cls):
        self._made.pop(name.lower(), None)
        super().map_to_type(name, cls)


def _folded_once(fold):
    """A shared header's `fold`, remembered per output form: folding rebuilds
    the header's parse tree every time, and a shared header is written into
    every message."""
    folded = {}

    def once(*, policy):
        # what BaseHeader.fold reads of the policy
        key = (policy.linesep, policy.max_line_length, policy.utf8)
        text = folded.get(key)
        if text is None:
            text = folded[key] = fold(policy=policy)
        return text

    return once


# `email.policy.default` (what `EmailMessage()` uses) with that registry:
# the same headers and bytes, built once per header name
POLICY = email_policy.default.clone(header_factory=_HeaderClasses())


def _address(value: str) -> Address:
    # Address refuses CR/LF and other characters that could start a new header
    _name, addr = parseaddr(value)
    if not addr or addr != value.strip():
        raise PermanentFailure(f"not a plain email address: {value!r}")
    local, _, domain = addr.rpartition("@")
    return Address(addr_spec=f"{local}@{domain}")


def _safe_header_value(value: str) -> str:
    # subjects are fixed templates, so this never triggers in practice; it is
    # the last line of defence should user text ever reach a header
    if any(ch in value for ch in "\r\n\0") or "=?" in value:
        raise PermanentFailure("refusing a header value with a line break or an encoded word")
    return value


def build_message(
    *,
    settings: SmtpSettings,
    email_id: str,
    to_address: str,
    subject: str,
    text_body: str,
    html_body: str,
    correlation_id: str,
    created_at,
    attachments=(),
    kind: str | None = None,
    language: str | None = None,
) -> EmailMessage:
    """The message for one outbox row. `attachments` are (filename,
    content_type, bytes, content_id or None); with a content id the part is
    an inline image the HTML part refers to as cid:..."""
    message = EmailMessage(policy=POLICY)
    message["From"] = _address(settings.sender)
    message["To"] = _address(to_address)
    message["Subject"] = _safe_header_value(subject)
    message["Date"] = format_datetime(created_at)
    message["Message-ID"] = f"<{email_id}@{settings.message_id_domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Correlation-ID"] = _safe_header_value(correlation_id)
    # both come from notify's own fixed vocabularies, never from user input;
    # they let staff filter and mail clients pick a spell checker
    if kind:
        message["X-Rueda-Kind"] = _safe_header_value(kind)
    message.set_content(text_body)
    # a boundary of our own: the generator's would be checked against the
    # whole body with a regular expression compiled for it (a tenth of the
    # sender's time); 128 random bits no body can hold by chance, nor a
    # sender of form text guess in advance
    message.make_alternative(boundary=f"=_rueda_{secrets.token_hex(16)}")
    message.add_alternative(html_body, subtype="html")
    for filename, content_type, content, content_id in attachments:
        maintype, _, rest = content_type.partition("/")
        subtype, _, params = rest.partition(";")
        extra = {}
        # "text/calendar; charset=utf-8; method=PUBLISH": every parameter kept
        parameters = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (p.partition("=") for p in params.split(";"))
            if name.strip() and value.strip()
        )
        if parameters:
            extra["params"] = parameters
        if content_id:
            message.get_body(("html",)).add_related(
                content,
                maintype=maintype,
                subtype=subtype.strip(),
                cid=f"<{content_id}>",
                filename=filename,
                disposition="inline",
            )
        else:
            message.add_attachment(
                content, maintype=maintype, subtype=subtype.strip(), filename=filename, **extra
            )
    if language:
        # set last: turning the message into multipart/mixed moves every
        # Content-* header down into the first part
        message["Content-Language"] = _safe_header_value(language)
    return message


def _classify(exc: BaseException) -> Exception:
    """TemporaryFailure or PermanentFailure for an SMTP error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        reason = "; ".join(
            f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for code, msg in exc.recipients.values()
        )
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentFailure(f"recipient refused: {reason}")
        return TemporaryFailure(f"recipient deferred: {reason}")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # a credentials problem hits every email: keep them all and alert
        return TemporaryFailure(f"authentication failed: {exc.smtp_code}")
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        if 500 <= exc.smtp_code < 600:
            return PermanentFailure(f"{exc.smtp_code} {text}")
        return TemporaryFailure(f"{exc.smtp_code} {text}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TemporaryFailure(f"TLS certificate not trusted: {exc.verify_message}")
    return TemporaryFailure(f"{type(exc).__name__}: {exc}")


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    # loading the system's CA store takes tens of milliseconds: once per process
    return ssl.create_default_context()


def _session_broken(exc: BaseException) -> bool:
    """A failure of the session rather than of one message: it cannot be reused.
    (SMTPException is an OSError, so plain socket errors are told apart.)"""
    if isinstance(
        exc,
        (
            smtplib.SMTPServerDisconnected,
            smtplib.SMTPAuthenticationError,
            smtplib.SMTPHeloError,
            smtplib.SMTPNotSupportedError,
            smtplib.SMTPConnectError,
        ),
    ):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421  # the server is closing the channel
    return not isinstance(exc, smtplib.SMTPException)


class Connection:
    """One SMTP session reused for many messages (a batch), opened on first
    use and reopened after the server drops it. A refusal of one message
    (4xx/5xx to RCPT or DATA) leaves the session usable for the next."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.client = None

    def _open(self):
        settings = self.settings
        context = _tls_context() if settings.security != "none" else None
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
        except BaseException:
            client.close()
            raise
        self.client = client

    def send(self, message: EmailMessage) -> None:
        """Send one message; raise TemporaryFailure or PermanentFailure."""
        handing_over = False
        try:
            if self.client is None:
                self._open()
            handing_over = True
            # the envelope's addresses given, so smtplib does not parse them
            # back out of the headers build_message wrote
            self.client.send_message(
                message,
                from_addr=message["From"].addresses[0].addr_spec,
                to_addrs=[address.addr_spec for address in message["To"].addresses],
            )
        except (smtplib.SMTPException, OSError) as exc:
            if _session_broken(exc):
                self.close()
            failure = _classify(exc)
            if (
                handing_over
                and isinstance(failure, TemporaryFailure)
                and not isinstance(
                    exc, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)
                )
            ):
                failure.uncertain = True
            raise failure from None

    def usable(self) -> bool:
        """Open, and nothing from the server waiting to be read: between
        messages a server only writes to say it is closing (a 421, or the
        close itself). Asked without a round trip."""
        sock = getattr(self.client, "sock", None)
        if sock is None:
            return False
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):  # closed under us
            return False
        return not readable

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def deliver(settings: SmtpSettings, message: EmailMessage) -> None:
    """Send one message on its own connection; raise TemporaryFailure or PermanentFailure."""
    with Connection(settings) as connection:
        connection.send(message)

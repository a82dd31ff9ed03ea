from typing import Literal

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "registration"
    port: int = 8001
    # Ed25519 private key (PEM) signing badges and manage tokens; empty: a key made in
    # memory, so tokens die with the process (fine for tests; refused in production).
    signing_key_file: str = ""
    # Keys signed with before a rotation, still verified: comma-separated PEM paths or
    # glob patterns, private or public halves.
    signing_previous_key_files: str = ""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: str = "tadamon@localhost"
    # Mail queue: how often the mailer looks for due mails, and how long a claimed
    # mail stays with one sender before another process may take it over.
    mail_poll_seconds: float = 1.0
    mail_lease_seconds: float = 60.0
    # While registrations are being written (an opening), a queued mail waits up to this long
    # before the mailer takes its turn from them (the registration's page already shows the
    # badge); after that, mails go out a few at a time until the registrations calm down.
    mail_hold_seconds: float = Field(default=60.0, ge=0, le=3600)
    # Mails sent at once by one process: after a rush, one sender at a time would take
    # hours over ten thousand confirmations; each sender claims its own mail.
    mail_senders: int = Field(default=4, ge=1, le=32)
    smtp_timeout_seconds: float = 15.0
    # How the connection to the mail relay is protected: "starttls" upgrades the plain
    # connection (port 587), "tls" speaks TLS from the start (port 465), "none" only for
    # a local mail catcher. The relay's certificate is checked against the system's CAs
    # plus SMTP_CA_FILE when set (a relay with a private CA).
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_ca_file: str = ""
    # Authentication at the relay; none when the username is empty.
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    # A mail the relay keeps refusing for a passing reason (4xx, unreachable) is given up
    # after this long, as mail servers give up after a few days.
    mail_give_up_hours: float = Field(default=72.0, gt=0)

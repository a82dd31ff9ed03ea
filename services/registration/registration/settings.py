from pydantic import Field

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
    # Mails sent at once by one process: after a rush, one sender at a time would take
    # hours over ten thousand confirmations; each sender claims its own mail.
    mail_senders: int = Field(default=4, ge=1, le=32)
    smtp_timeout_seconds: float = 15.0

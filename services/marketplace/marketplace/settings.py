from pathlib import Path

from cryptography.hazmat.primitives import serialization

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "marketplace"
    port: int = 8004
    # Ed25519 key that signs exhibitor passes; empty: a key is generated in memory
    # (passes then stop verifying after a restart, fine for tests; refused in production).
    signing_key_file: str = ""
    # Keys signed with before a rotation, still verified: comma-separated PEM paths or
    # glob patterns, private or public halves.
    signing_previous_key_files: str = ""
    # Ed25519 key with which the marketplace mints the exhibitor token handed over
    # when a cooperative accepts its invitation. It is the marketplace's own key, not
    # the identity provider's: the marketplace trusts its public half in addition to
    # JWT_PUBLIC_KEY_FILE, and no other service does (exhibitor tokens are only used
    # here). Empty: invitations answer 503.
    jwt_private_key_file: str = ""
    invitation_ttl_hours: float = 72.0
    exhibitor_token_ttl_hours: float = 24.0 * 30
    # The relay invitations are mailed through, while the organizer's request waits.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_timeout_seconds: float = 15.0
    mail_from: str = "tadamon@localhost"

    def jwt_verification_keys(self) -> list[str]:
        keys = super().jwt_verification_keys()
        if self.jwt_private_key_file:
            private = serialization.load_pem_private_key(Path(self.jwt_private_key_file).read_bytes(), password=None)
            public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo).decode()
            if public not in keys:
                keys.append(public)
        return keys

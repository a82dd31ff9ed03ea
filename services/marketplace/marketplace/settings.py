from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "marketplace"
    port: int = 8004
    # Ed25519 key that signs exhibitor passes; empty: a key is generated in memory
    # (passes then stop verifying after a restart, fine for tests only).
    signing_key_file: str = ""
    # Private half of the platform's JWT key: the marketplace mints the exhibitor
    # token handed over when a cooperative accepts its invitation.
    jwt_private_key_file: str = ""
    invitation_ttl_hours: float = 72.0
    exhibitor_token_ttl_hours: float = 24.0 * 30

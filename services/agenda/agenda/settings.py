from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "agenda"
    port: int = 8002
    # Registration's Ed25519 public keys (PEM): manage tokens are verified offline with
    # them. Comma-separated paths or glob patterns, so that during a rotation both the
    # current key and the previous ones are trusted; required in production.
    registration_public_key_file: str = ""

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "agenda"
    port: int = 8002
    # Registration's Ed25519 public key (PEM): manage tokens are verified offline with it.
    registration_public_key_file: str = ""

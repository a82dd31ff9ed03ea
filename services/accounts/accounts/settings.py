from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "accounts"
    port: int = 8005
    # Ed25519 private key (PEM) signing access tokens; empty: a key made in memory, so
    # tokens die with the process (fine for tests, not for production). Keys retired by a
    # rotation stay published (their public half) until the tokens they signed expired.
    signing_key_file: str = ""
    previous_signing_key_files: list[str] = []
    # Browser access tokens are short-lived: the accounts service reissues them from the
    # refresh cookie, and refuses to once the account is disabled or the session revoked.
    # A disabled account or a revoked session stops working within a minute: its token is not renewed.
    access_token_seconds: int = Field(default=60, ge=30, le=300)
    # Re-authentication at least every 12 hours, and after 30 minutes without use (ASVS 3.3.2).
    session_max_seconds: int = 12 * 3600
    session_idle_seconds: int = 30 * 60
    # A gate scanner stays signed in for one working day.
    device_session_seconds: int = 12 * 3600
    device_code_seconds: int = Field(default=300, ge=30, le=900)
    # Lock-out: after this many failed attempts in a row, sign-in is refused for a while.
    max_failed_attempts: int = Field(default=5, ge=1)
    lockout_seconds: int = 15 * 60
    # Services on sibling hosts (registration.tadamon.ma, ...) read the access and CSRF cookies when
    # they are set for the parent domain (``tadamon.ma``); empty: this host only (one host for all).
    cookie_domain: str = ""
    # Hosts a ``next`` link may send the browser to after sign-in (the platform's own).
    allowed_redirect_hosts: list[str] = ["127.0.0.1", "localhost"]
    # An OpenID Connect provider (the ministry's, or Keycloak): its issuer URL turns on
    # "sign in with the provider"; LOCAL_PASSWORDS=false then leaves it the only way in.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email profile"
    oidc_timeout_seconds: float = 10.0
    local_passwords: bool = True
    # Where a signed-in gate scanner goes to scan, per kind of gate scope ({id}: the conference or market).
    scanner_links: dict[str, str] = {"conference": "http://127.0.0.1:8001/scanner/{id}",
                                     "market": "http://127.0.0.1:8004/scanner/markets/{id}"}
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_timeout_seconds: float = 15.0
    mail_from: str = "tadamon@localhost"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

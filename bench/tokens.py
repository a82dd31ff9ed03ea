"""Bearer tokens and badge QR contents, signed with the keys `make run` created in .local/keys.

Bearer JWTs are minted as ``python -m shared.auth mint`` does. A badge's QR holds a
compact JWS signed by registration's key with claims ``{"t": "badge", "r", "c"}``
(services/registration/README.md); Ed25519 signatures are deterministic, so the token
signed here is byte for byte the one printed on the badge (checked against a sample of
real badge PNGs by the check-in scenario).
"""

from dataclasses import dataclass, field

from bench.config import KEYS
from shared.auth import load_private_key, mint_token
from shared.signing import Signer

TTL_SECONDS = 12 * 3600


@dataclass
class Tokens:
    run_id: str
    _jwt_key_path: str = str(KEYS / "jwt_private.pem")
    _badges: Signer = field(init=False)

    def __post_init__(self) -> None:
        self._jwt_key = load_private_key(self._jwt_key_path)
        self._badges = Signer.from_file_or_new(str(KEYS / "registration_signing.pem"))
        # The benchmark creates conferences and markets, which only a platform administrator may do.
        self.organizer = self._mint(["admin"], f"bench-organizer-{self.run_id}@bench.local")

    def _mint(self, scopes: list[str], sub: str) -> str:
        return mint_token(self._jwt_key, sub=sub, scopes=scopes, ttl_seconds=TTL_SECONDS)

    def staff_at(self, kind: str, *ids: str) -> str:
        """Gate staff of the given conferences or markets (``kind``), scanning there only."""
        return self._mint([f"staff:{kind}:{i}" for i in ids], f"bench-gate-{self.run_id}@bench.local")

    def exhibitor(self, cooperative_id: str) -> str:
        return self._mint([f"exhibitor:cooperative:{cooperative_id}"], f"bench-{cooperative_id}@bench.local")

    def badge(self, registration_id: str, conference_id: str) -> str:
        return self._badges.sign({"t": "badge", "r": registration_id, "c": conference_id})

    def badge_key_id(self) -> str:
        return self._badges.kid


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

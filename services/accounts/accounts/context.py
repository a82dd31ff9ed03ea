"""The accounts service's typed context (``ServiceSpec.context``): what its use cases reach."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, cast

from fastapi import Depends

from accounts.settings import Settings
from accounts.store import AccountsStore
from accounts.tokens import KeyRing
from shared.platform import Platform, context_dependency

if TYPE_CHECKING:
    from accounts.oidc import OidcProvider


@dataclass(frozen=True)
class Accounts:
    """The platform, the store, the settings, the signing keys and, when configured, the OpenID
    Connect provider."""

    platform: Platform
    store: AccountsStore
    settings: Settings
    keyring: KeyRing
    oidc: "OidcProvider | None" = None

    @classmethod
    def build(cls, platform: Platform, keyring: KeyRing, oidc: "OidcProvider | None" = None) -> "Accounts":
        return cls(platform=platform, store=AccountsStore.of(platform), settings=cast(Settings, platform.settings),
                   keyring=keyring, oidc=oidc)


Ctx = Annotated[Accounts, Depends(context_dependency(Accounts))]

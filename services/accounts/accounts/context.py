"""The accounts service's typed context (``ServiceSpec.context``): what its use cases reach."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, cast

from fastapi import Depends, Request

from accounts.settings import Settings
from accounts.store import AccountsStore
from accounts.tokens import KeyRing
from shared.platform import Platform

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


def accounts_context(request: Request) -> Accounts:
    context = request.app.state.platform.context
    if not isinstance(context, Accounts):
        raise TypeError("the accounts platform carries its Accounts as context")
    return context


async def accounts_context_dependency(request: Request) -> Accounts:
    """``accounts_context`` as a dependency: declared async, it runs on the event loop rather than in a thread."""
    return accounts_context(request)


Ctx = Annotated[Accounts, Depends(accounts_context_dependency)]

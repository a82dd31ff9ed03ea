"""The registration service's typed context: what its use cases, routes and handlers reach."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from registration.store import RegistrationStore
from shared.platform import Platform, get_platform
from shared.signing import Signer

if TYPE_CHECKING:
    from registration.notifications import Mailer


@dataclass
class RegistrationContext:
    """``ServiceSpec.context`` of the registration service, built once per process."""

    platform: Platform
    store: RegistrationStore
    signer: Signer
    # Built on the context it sends for (see ``registration.app``).
    mailer: "Mailer" = field(init=False)


def context_of(platform: Platform) -> RegistrationContext:
    context = platform.context
    if not isinstance(context, RegistrationContext):
        raise TypeError("the registration service's platform carries a RegistrationContext")
    return context


def registration_context(request: Request) -> RegistrationContext:
    return context_of(get_platform(request))


Ctx = Annotated[RegistrationContext, Depends(registration_context)]

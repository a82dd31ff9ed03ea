"""What the agenda's use cases receive first: the platform, its store and registration's key."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from agenda.store import AgendaStore
from shared.platform import Platform, context_dependency
from shared.signing import Verifier


@dataclass
class Agenda:
    """The agenda's typed context (``ServiceSpec.context``), built once with the platform.

    ``manage_verifier`` checks registration's manage tokens offline; None when no key of
    registration's was given (participant routes then answer 503).
    """

    platform: Platform
    store: AgendaStore
    manage_verifier: Verifier | None

    @classmethod
    def of(cls, platform: Platform, manage_verifier: Verifier | None) -> "Agenda":
        return cls(platform=platform, store=AgendaStore.of(platform), manage_verifier=manage_verifier)


Ctx = Annotated[Agenda, Depends(context_dependency(Agenda))]

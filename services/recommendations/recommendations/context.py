"""The typed context of the recommendations service: what its use cases, routes and handlers reach."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from recommendations.store import RecommendationsStore
from shared.platform import Platform

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# What a form that carries a file adds around it (its other fields, the multipart framing).
FORM_OVERHEAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class Recommendations:
    platform: Platform
    store: RecommendationsStore
    evidence_max_bytes: int = EVIDENCE_MAX_BYTES


def recommendations_of(platform: Platform) -> Recommendations:
    context = platform.context
    assert isinstance(context, Recommendations), "the platform was not built with the recommendations context"
    return context


def recommendations_context(request: Request) -> Recommendations:
    return recommendations_of(request.app.state.platform)


async def recommendations_context_dependency(request: Request) -> Recommendations:
    """``recommendations_context`` as a dependency: declared async, it runs on the event loop, not in a thread."""
    return recommendations_context(request)


Ctx = Annotated[Recommendations, Depends(recommendations_context_dependency)]

"""The typed context of the recommendations service: what its use cases, routes and handlers reach."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from recommendations.store import RecommendationsStore
from shared.platform import Platform, context_dependency, platform_context

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# What a form that carries a file adds around it (its other fields, the multipart framing).
FORM_OVERHEAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class Recommendations:
    platform: Platform
    store: RecommendationsStore
    evidence_max_bytes: int = EVIDENCE_MAX_BYTES


def recommendations_of(platform: Platform) -> Recommendations:
    return platform_context(platform, Recommendations)


Ctx = Annotated[Recommendations, Depends(context_dependency(Recommendations))]

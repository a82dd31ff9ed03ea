from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "recommendations"
    port: int = 8003
    # An uploaded proof (a scanned decree, a report, a photograph) may be this large.
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)

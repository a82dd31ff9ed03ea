from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "recommendations"
    port: int = 8003

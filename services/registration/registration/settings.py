from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "registration"
    port: int = 8001

"""Demo account: the platform administrator ``organisateur@tadamon.ma``.

``python -m accounts.demo`` (same environment as the service, plus ``DEMO_ADMIN_PASSWORD``)
creates it if it does not exist yet; a second run changes nothing, so the password
``make run`` printed the first time stays the one that works.
"""

import asyncio
import os

from accounts import service, store
from accounts.domain import AccountCreate, normalize_email
from accounts.settings import Settings
from shared.platform import Platform, ServiceSpec

DEMO_ADMIN_EMAIL = "organisateur@tadamon.ma"
DEMO_ADMIN_NAME = "Organisatrice de démonstration"


async def load_demo(*, platform: Platform, password: str) -> bool:
    """Create the demo administrator if missing; True if it was created."""
    if await store.find_account_by_email(platform.db, normalize_email(DEMO_ADMIN_EMAIL)) is not None:
        return False
    await service.create_account(platform=platform, password=password, data=AccountCreate(
        email=DEMO_ADMIN_EMAIL, name=DEMO_ADMIN_NAME, language="fr", admin=True))
    return True


async def main() -> None:
    password = os.environ.get("DEMO_ADMIN_PASSWORD", "")
    if not password:
        raise SystemExit("DEMO_ADMIN_PASSWORD is not set")
    settings = Settings()
    spec = ServiceSpec(title="accounts demo", description="", routers=[], indexes=store.indexes(), topics=[])
    platform = Platform(settings, spec)
    try:
        await store.indexes().create(platform.db)
        created = await load_demo(platform=platform, password=password)
        print(f"accounts: demo administrator {DEMO_ADMIN_EMAIL} {'created' if created else 'already there'}")
    finally:
        await platform.client.close()


if __name__ == "__main__":
    asyncio.run(main())

"""Demo account: the platform administrator ``organisateur@tadamon.ma``.

``python -m accounts.demo`` (same environment as the service, plus ``DEMO_ADMIN_PASSWORD``)
creates it if it does not exist yet; a second run changes nothing, so the password
``make run`` printed the first time stays the one that works.
"""

import asyncio
import os

from accounts import service, store
from accounts.context import Accounts
from accounts.domain import AccountCreate
from accounts.settings import Settings
from accounts.tokens import KeyRing
from shared.platform import Platform, ServiceSpec

DEMO_ADMIN_EMAIL = "organisateur@tadamon.ma"
DEMO_ADMIN_NAME = "Organisatrice de démonstration"


async def load_demo(*, ctx: Accounts, password: str) -> bool:
    """Create the demo administrator if missing; True if it was created."""
    return await service.create_account_once(ctx=ctx, password=password, data=AccountCreate(
        email=DEMO_ADMIN_EMAIL, name=DEMO_ADMIN_NAME, language="fr", admin=True))


async def main() -> None:
    password = os.environ.get("DEMO_ADMIN_PASSWORD", "")
    if not password:
        raise SystemExit("DEMO_ADMIN_PASSWORD is not set")
    settings = Settings()
    keyring = KeyRing.from_files(settings.signing_key_file, settings.previous_signing_key_files)
    spec = ServiceSpec(title="accounts demo", description="", routers=[], indexes=store.indexes(), topics=[])
    platform = Platform(settings, spec)
    ctx = Accounts.build(platform, keyring)
    try:
        await ctx.store.prepare()
        created = await load_demo(ctx=ctx, password=password)
        print(f"accounts: demo administrator {DEMO_ADMIN_EMAIL} {'created' if created else 'already there'}")
    finally:
        await platform.client.close()


if __name__ == "__main__":
    asyncio.run(main())

"""The demo administrator `make run` creates: once, with the password it prints."""

from accounts import demo
from accounts_factories import accounts_service, sign_in

from support import Infra, Keys


async def test_the_demo_administrator_is_created_once_and_signs_in_with_the_printed_password(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        assert await demo.load_demo(ctx=svc.ctx, password="mot de passe imprimé") is True
        assert await demo.load_demo(ctx=svc.ctx, password="another password") is False
        stored = await svc.platform.db.accounts.find_one({"email": demo.DEMO_ADMIN_EMAIL})
        assert stored["admin"] is True
        answer = await sign_in(svc.client, demo.DEMO_ADMIN_EMAIL, password="mot de passe imprimé")
        # An administrator sees personal data: the first sign-in goes on to set up TOTP.
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin/code")

"""The invitation link, opened in a browser: a page in the invitee's language with one button.

Opening the link changes nothing (mail scanners and link previews open links too); the
button posts a form that uses the invitation up and lands in the exhibitor space, the
exhibitor token kept in its HttpOnly, SameSite=Strict cookie. The form is accepted only
from this site's own pages: browsers name the page a POST comes from in ``Origin``
(and ``Sec-Fetch-Site``), which another site cannot forge.
"""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from marketplace import service
from marketplace.context import Ctx, Marketplace
from marketplace.pages import pages, signed_in
from shared.errors import DomainError, Forbidden
from shared.i18n import translate
from shared.web import page_language, register_texts

router = APIRouter(include_in_schema=False)
InvitationToken = Annotated[str, Path(min_length=1, max_length=200)]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _same_origin(request: Request, ctx: Marketplace) -> bool:
    """Is this POST from one of our pages? Our own address as the browser sees it, or as configured."""
    ours = {_origin(str(request.base_url)), _origin(ctx.settings.base_url)}
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.lower() in ours
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def _refused(request: Request, exc: DomainError) -> HTMLResponse:
    return pages.render(request, "marketplace_invitation.html",
                        {"refusal": translate(exc.code, page_language(request), **exc.params), "cooperative": None},
                        status_code=exc.status)


@router.get("/invitations/{token}", response_class=HTMLResponse)
async def invitation(token: InvitationToken, request: Request, ctx: Ctx) -> HTMLResponse:
    try:
        cooperative = await service.look_up_invitation(ctx=ctx, token=token)
    except DomainError as exc:
        return _refused(request, exc)
    return pages.render(request, "marketplace_invitation.html", {"cooperative": cooperative, "refusal": "",
                                                                 "token": token})


@router.get("/invitations/{token}/accept")
async def invitation_old_link(token: InvitationToken, request: Request) -> Response:
    """Links mailed before the page existed pointed at the API's address: show them the page."""
    return RedirectResponse(f"/invitations/{token}?lang={page_language(request)}", status_code=303)


@router.post("/invitations/{token}", response_class=HTMLResponse)
async def invitation_accept(token: InvitationToken, request: Request, ctx: Ctx) -> Response:
    try:
        if not _same_origin(request, ctx):
            raise Forbidden("invitation_foreign_form")
        granted = await service.accept_invitation(ctx=ctx, token=token)
    except DomainError as exc:
        return _refused(request, exc)
    return signed_in(request, granted.access_token, max_age=granted.expires_in)


register_texts({
    "ui_invitation_title": {"ar": "دعوة إلى فضاء العارضين", "fr": "Invitation à l'espace exposant",
                            "en": "Invitation to the exhibitor space"},
    "ui_invitation_for": {"ar": "هذه الدعوة موجهة إلى:", "fr": "Cette invitation est adressée à :",
                          "en": "This invitation is for:"},
    "ui_invitation_explain": {
        "ar": "بقبولها تدخلون فضاءكم: طلبات المشاركة، الأروقة، بطاقات العارض والمبيعات. الرابط صالح لمرة واحدة.",
        "fr": "En l'acceptant, vous entrez dans votre espace : candidatures, stands, badges exposant et ventes. "
              "Le lien ne sert qu'une fois.",
        "en": "Accepting it takes you to your space: applications, stands, exhibitor passes and sales. "
              "The link works once.",
    },
    "ui_invitation_accept": {"ar": "قبول الدعوة والدخول", "fr": "Accepter et entrer", "en": "Accept and enter"},
    "invitation_foreign_form": {
        "ar": "لا يقبل هذا النموذج إلا من صفحات المنصة نفسها. افتح رابط الدعوة من جديد.",
        "fr": "Ce formulaire n'est accepté que depuis les pages de la plateforme. Rouvrez le lien d'invitation.",
        "en": "This form is accepted only from the platform's own pages. Open the invitation link again.",
    },
})

"""Console screens of indicators: the list, and one indicator's history as a chart (with its target)
and a table, with the form recording a new value of a manual one (the API's use case and scope)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from recommendations import indicators as ind
from recommendations.console import ORGANIZER, Session, actor_of, console, may_read
from recommendations.context import Ctx, Recommendations
from recommendations.pages import labels, unit_word
from shared.auth import Principal
from shared.errors import DomainError
from shared.i18n import translate
from shared.web import form_errors, page_language, register_texts
from shared.web.charts import line_chart
from shared.web.console import checked_post

router = APIRouter(prefix="/console/indicators", include_in_schema=False)
FIELDS = ("value", "as_of", "source", "reason")


@router.get("", response_class=HTMLResponse)
async def indicator_list(request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        may_read(who)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    items = await ind.list_indicators(ctx=ctx, as_of=None)
    return console.render(request, who, "console_indicators.html",
                          {"items": items, **labels(page_language(request))})


@router.get("/{indicator_id}", response_class=HTMLResponse)
async def indicator(indicator_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        may_read(who)
        return await _page(request, ctx, who, indicator_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)


async def _page(request: Request, ctx: Recommendations, who: Principal, indicator_id: str, *,
                errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                status_code: int = 200) -> HTMLResponse:
    detail = await ind.get_indicator(ctx=ctx, indicator_id=indicator_id, as_of=None)
    lang = page_language(request)
    return console.render(request, who, "console_indicator.html", {
        "i": detail, "chart": chart(detail, lang), "unit": unit_word(detail.unit, lang), "errors": errors or {},
        "values": values or {},
        "may_record": who.holds(ORGANIZER) and detail.mode == "manual",
        "done": request.query_params.get("done") == "value", **labels(lang)}, status_code=status_code)


def chart(detail: ind.IndicatorDetail, lang: str) -> Markup:
    """The values by the day they measure, with the target drawn when there is one."""
    points = [(v.as_of.date(), v.value) for v in detail.values]
    return line_chart(points, title=translate("console_indicator_chart", lang), lang=lang,
                      unit=unit_word(detail.unit, lang), target=detail.target)


@router.post("/{indicator_id}/values", response_class=HTMLResponse)
async def record_value(indicator_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    values: dict[str, str] = {}
    try:
        await checked_post(request, who, ORGANIZER)
        form = await request.form()
        values = {k: str(form.get(k) or "").strip() for k in FIELDS}
        body: dict[str, Any] = {**values, "value": values["value"].replace(",", ".").replace(" ", "")}
        data = ind.IndicatorValueCreate.model_validate(body)
        await ind.record_indicator_value(ctx=ctx, indicator_id=indicator_id, data=data, actor=actor_of(request, who))
    except ValidationError as exc:
        return await _page(request, ctx, who, indicator_id, errors=form_errors(exc, lang), values=values,
                           status_code=422)
    except DomainError as exc:
        if exc.code != "indicator_value_in_future":
            return console.refusal(request, who, exc)
        errors = {"as_of": translate(exc.code, lang, **exc.params)}
        return await _page(request, ctx, who, indicator_id, errors=errors, values=values, status_code=exc.status)
    return RedirectResponse(f"/console/indicators/{indicator_id}?lang={lang}&done=value", status_code=303)


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "console_indicator_chart": _three("تطور القيم", "Évolution des valeurs", "Values over time"),
    "console_indicator_values": _three("القيم المسجلة", "Valeurs enregistrées", "Recorded values"),
    "console_indicator_record": _three("تسجيل قيمة جديدة", "Enregistrer une nouvelle valeur", "Record a new value"),
    "console_indicator_value": _three("القيمة", "Valeur", "Value"),
    "console_indicator_as_of": _three("تاريخ القياس", "Date de la mesure", "Measured on"),
    "console_indicator_source": _three("المصدر", "Source", "Source"),
    "console_indicator_recorded": _three("سجلت في", "Enregistrée le", "Recorded on"),
    "console_indicator_automatic": _three("يحسب آليا من رسائل الخدمات الأخرى.",
                                          "Calculé automatiquement à partir des messages des autres services.",
                                          "Computed automatically from the other services' messages."),
    "console_indicator_done": _three("سُجلت القيمة.", "Valeur enregistrée.", "Value recorded."),
})

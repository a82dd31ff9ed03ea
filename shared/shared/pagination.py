"""Pages of a list route: ``page`` and ``page_size`` with bounds, the total and links in headers.

A list answers one page as a JSON array, as before, so existing clients read the first
page unchanged; ``X-Total-Count`` gives the size of the whole list and ``Link`` the
``next`` and ``prev`` pages (RFC 8288), which is what generated clients follow.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar
from urllib.parse import quote

from fastapi import Depends, Query, Request, Response

T = TypeVar("T")
MAX_PAGE = 10_000
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.page_size


async def page_request(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")] = DEFAULT_PAGE_SIZE,
) -> PageRequest:
    return PageRequest(page=page, page_size=page_size)


Paged = Annotated[PageRequest, Depends(page_request)]


def page_of(items: Sequence[T], page: PageRequest, request: Request, response: Response) -> list[T]:
    """The requested page of ``items``, with ``X-Total-Count`` and ``Link`` set on ``response``.

    For lists read whole anyway (a session's sign-ups, a conference's speakers); a list that
    grows without bound reads its page from the database and calls ``page_headers``.
    """
    page_headers(len(items), page, request, response)
    return list(items[page.skip:page.skip + page.page_size])


def page_headers(total: int, page: PageRequest, request: Request, response: Response) -> None:
    """``X-Total-Count`` and the ``Link``s to the next and previous pages."""
    response.headers["X-Total-Count"] = str(total)
    links = []
    if page.skip + page.page_size < total:
        links.append(f'<{_ascii(request.url.include_query_params(page=page.page + 1))}>; rel="next"')
    if page.page > 1:
        links.append(f'<{_ascii(request.url.include_query_params(page=page.page - 1))}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)


def _ascii(url: object) -> str:
    # Header values are Latin-1: a path in Arabic (or any non-ASCII id) is percent-encoded, as in a URI.
    return quote(str(url), safe="/:?&=%#+,;@~!$'()*[]")

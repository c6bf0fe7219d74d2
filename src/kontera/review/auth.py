"""Who is asking: the session cookie, sign-in and sign-out, and the per-request checks."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter
from fastapi import Depends
from fastapi import Form
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kontera.domain.errors import Unauthorized
from kontera.domain.messages import N_
from kontera.i18n import translator
from kontera.review.security import LOGIN_CSRF_COOKIE
from kontera.review.security import check_csrf
from kontera.review.security import new_token
from kontera.review.security import submitted_csrf
from kontera.review.web import app_context
from kontera.review.web import browser_locale
from kontera.review.web import render
from kontera.review.web import safe_next
from kontera.services.admin import users
from kontera.services.admin.users import SignedIn

SESSION_COOKIE = "kontera_session"

router = APIRouter(include_in_schema=False)


class SignInRequired(Exception):
    """No live session: pages redirect to /login, fragments answer 401."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def optional_user(request: Request) -> SignedIn | None:
    """The signed-in user, if any (an error page still speaks the user's language)."""
    token = request.cookies.get(SESSION_COOKIE)
    return users.signed_in(app_context(request), token=token) if token else None


def current_user(request: Request) -> SignedIn:
    found = optional_user(request)
    if found is None:
        raise SignInRequired(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
    return found


async def checked_user(
    request: Request, user: Annotated[SignedIn, Depends(current_user)]
) -> SignedIn:
    """The signed-in user of a state-changing request whose CSRF token matches the session's."""
    check_csrf(user.csrf_token, await submitted_csrf(request))
    return user


User = Annotated[SignedIn, Depends(current_user)]
PostingUser = Annotated[SignedIn, Depends(checked_user)]


def sign_in_required_response(request: Request, exc: SignInRequired) -> Response:
    navigation = request.headers.get("sec-fetch-mode", "navigate") == "navigate"
    fetched = request.headers.get("x-requested-with") == "fetch"
    if navigation and not fetched:  # a page or a plain form: sign in, then come back
        return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)
    text = translator(browser_locale(request))("Sign in again.")
    return Response(text, status_code=401, media_type="text/plain")


LOGIN_ERRORS = {
    "login_failed": N_("Wrong e-mail or password."),
    "login_locked": N_("Too many failed sign-ins. Wait 15 minutes and try again."),
}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", error: str | None = None) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
    response = render(
        request,
        "login.html",
        None,
        next=safe_next(next),
        error=LOGIN_ERRORS.get(error or ""),  # only our own texts, never the query's
        csrf_token=token,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
    return response


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    # Login CSRF: the form's token must match the cookie set with the form (double submit).
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE) or "", csrf_token)
    ctx = app_context(request)
    try:
        user = users.authenticate(ctx, email=email, password=password)
    except users.SignInLocked:
        return login_form(request, next=next, error="login_locked")
    except Unauthorized:
        return login_form(request, next=next, error="login_failed")
    session = users.start_session(ctx, user=user)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=ctx.settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.public_url.startswith("https://"),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, user: PostingUser) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        users.end_session(app_context(request), token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/me/locale")
def change_locale(
    request: Request,
    user: PostingUser,
    locale: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    users.set_locale(app_context(request), user_id=user.user_id, locale=locale)
    return RedirectResponse(safe_next(next), status_code=303)

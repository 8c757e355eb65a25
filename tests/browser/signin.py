"""The one way a browser test signs in: through the sign-in block every page shares (web/static/signin.js)."""
from __future__ import annotations

ROLE_WORDS = {"public": "公众 public", "investment": "招商人员 investment staff",
              "planner": "规划人员 planner", "admin": "管理员 administrator"}


def sign_in(page, user: str, password: str, role: str, reloads: bool = False) -> None:
    """Fill the form on the open page and wait until it says who is signed in, with the role in words.
    ``reloads``: the page draws itself afresh after a sign-in (the analytics page)."""
    page.fill("#login-form input[name=username]", user)
    page.fill("#login-form input[name=password]", password)
    if reloads:
        with page.expect_navigation():
            page.click("#login-form button[type=submit]")
    else:
        page.click("#login-form button[type=submit]")
    page.wait_for_selector(f"#who:has-text('Signed in as {user} · {ROLE_WORDS[role]}')")
    assert page.locator("#login-form").is_hidden() and page.locator("#logout").is_visible()

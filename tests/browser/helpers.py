"""What the browser tests share: the personas' password, logging in, choosing an option by its text, screenshots
under test-results/<name>/ (gitignored) for a person to look at."""

from pathlib import Path

PASSWORD = "pw-for-tests-1"
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in afresh (cookies of an earlier persona cleared) and wait for the home page."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def select_by_text(page, label: str, option_text: str) -> None:
    select = page.get_by_label(label)
    select.select_option(select.locator("option", has_text=option_text).first.get_attribute("value"))


def screenshot(page, folder: str, name: str) -> None:
    directory = RESULTS / folder
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)

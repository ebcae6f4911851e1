"""A real headless Chromium (Debian's chromium and chromedriver) over the built book."""
from pathlib import Path

import pytest

from bookpages import WINDOW

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def pytest_addoption(parser):
    parser.addoption("--html-dir", required=True, help="the built book, e.g. _build/html")


@pytest.fixture(scope="session")
def html_dir(request) -> Path:
    folder = Path(request.config.getoption("--html-dir")).resolve()
    if not (folder / "index.html").is_file():
        raise FileNotFoundError(f"{folder} holds no built book: run `make html` first")
    return folder


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    for program in (CHROMIUM, CHROMEDRIVER):
        if not Path(program).is_file():
            raise FileNotFoundError(f"{program} is missing: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--allow-file-access-from-files", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_window_size(*WINDOW)  # layout checks measure a desktop window, not headless Chromium's 800 x 600
    yield driver
    driver.quit()

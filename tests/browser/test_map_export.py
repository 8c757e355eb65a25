"""Taking the map away: the PNG download and the printed page show the map with its title, legend, scale
and a data note in Beijing time, without the controls; on a desktop and on a 390-px phone."""
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.integration.ogc.ogc_seed import seed_enterprises

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def seeded(engine):
    return seed_enterprises(engine)


def _expected_names() -> set[str]:
    """The file names a download made within the last two minutes (Beijing time) may carry."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    return {f"qingpu-map-{(now - timedelta(minutes=m)):%Y%m%d-%H%M}.png" for m in (-1, 0, 1, 2)}


@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_png_download_is_the_framed_map_at_twice_the_screen(browser, live_server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                  is_mobile=width < 600, has_touch=width < 600)
    page = context.new_page()
    errors, hosts = [], set()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: hosts.add(re.sub(r"^https?://([^/:]+).*$", r"\1", r.url)) if r.url.startswith("http") else None)
    try:
        page.goto(live_server + "/map")
        page.wait_for_function("window.qpMap !== undefined")
        page.wait_for_load_state("networkidle")
        assert page.locator("#qp-png").is_visible()
        with page.expect_download(timeout=60000) as info:
            page.click("#qp-png")
        download = info.value
        assert download.suggested_filename in _expected_names(), download.suggested_filename
        picture = Image.open(io.BytesIO(open(download.path(), "rb").read()))
        assert picture.format == "PNG" and picture.size == (2 * width, 2 * height)
        rgb = picture.convert("RGB")
        assert len(rgb.getcolors(1 << 20) or []) > 50  # a drawn map, not a blank page
        # the title band at the top is ink on white (the frame is on), and the page is back as it was
        band = rgb.crop((40, 30, 2 * width - 40, 60)).convert("L")
        assert band.getextrema()[0] < 80 and band.getextrema()[1] > 240
        assert not page.evaluate("document.body.classList.contains('qp-exporting')")
        assert page.locator(".leaflet-control-zoom").is_visible() and page.locator("#qp-header").is_visible()
        assert not page.locator("#qp-print-head").is_visible()
        assert hosts <= {"127.0.0.1"}, hosts
        assert not errors, errors
    finally:
        context.close()


def test_printed_page_shows_title_note_in_beijing_time_and_no_controls(page, live_server):
    page.goto(live_server + "/map?industry=biomed")
    page.wait_for_function("window.qpEnterpriseCount !== undefined")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    head = page.locator("#qp-print-head")
    assert head.is_visible()
    text = head.inner_text()
    assert "青浦区战略性新兴产业空间布局" in text and "北京时间" in text
    stamp = re.search(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) 北京时间", text)
    assert stamp, text
    printed = datetime.strptime(" ".join(stamp.groups()), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert abs(datetime.now(ZoneInfo("Asia/Shanghai")) - printed) < timedelta(minutes=2)
    assert "筛选后" in text and "生物医药" in text  # the filter in force is named on the page
    for control in ("#qp-search", "#qp-header", ".leaflet-control-zoom", ".leaflet-control-layers"):
        assert not page.locator(control).is_visible(), control
    assert page.locator("#qp-legend").is_visible() and page.locator(".leaflet-control-scale").is_visible()
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("#qp-header").is_visible() and not head.is_visible()

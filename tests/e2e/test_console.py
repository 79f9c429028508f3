"""The web console (`/console/`) driven by a real headless browser: Debian's chromium and
chromedriver through Selenium, with no network beyond loopback (a local proxy stub answers
502 to anything that is not loopback, and every other host name fails to resolve).

What a user does: sign in (a wrong secret is refused in words), create a zone, create a simple
and a weighted record that `dig` then answers, edit one, fail to delete a non-empty zone
(HostedZoneNotEmpty's message is shown), delete the records and the zone; page and search
through a 1,000-record zone; a form posted without the session's CSRF token, or from another
origin, is refused; every visible input has a visible label.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
import time
import uuid
import urllib.error
import urllib.parse
import urllib.request

import pytest

import harness

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    if os.geteuid() == 0:
        raise RuntimeError("chromium and chromium-driver are not installed (./run-tests installs them as root)")
    pytest.skip("chromium/chromedriver not installed and not root to install them "
                "(apt-get install chromium chromium-driver)", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

ACCESS_KEY = harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"]
SECRET = harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"]


class _Refuse(http.server.BaseHTTPRequestHandler):
    """The proxy stub: whatever the browser tries to reach off loopback gets a 502."""

    def _refuse(self):
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_CONNECT = _refuse

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new",
                 f"--proxy-server=http://127.0.0.1:{proxy.server_address[1]}",
                 "--proxy-bypass-list=127.0.0.0/8;localhost;[::1]",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()
    proxy.shutdown()


def base(srv) -> str:
    host, port = srv.api
    return f"http://{host}:{port}"


def error_text(driver) -> str:
    alerts = driver.find_elements(By.CSS_SELECTOR, "[role=alert]")
    return " ".join(a.text for a in alerts)


def sign_in(driver, srv, secret=SECRET):
    driver.delete_all_cookies()
    driver.get(base(srv) + "/console/")
    assert driver.current_url.endswith("/console/signin")
    driver.find_element(By.ID, "access_key_id").send_keys(ACCESS_KEY)
    driver.find_element(By.ID, "secret_access_key").send_keys(secret)
    click_button(driver, "Sign in")


def fill(driver, field_id, text):
    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(text)


def submitted(driver, element):
    """Clicks `element` (a submit button or link) and waits until the next page has replaced
    this one, so what is read next is the answer's page."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait_loaded(driver, old)


def wait_loaded(driver, old):
    """Waits until `old` (the previous page's root) is gone and the new page has loaded."""
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(old))
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def click_button(driver, text):
    submitted(driver, driver.find_element(By.XPATH, f"//button[normalize-space()='{text}']"))


def wait_insync(driver):
    """On a change page: follow "Refresh status" until GetChange says INSYNC."""
    deadline = time.monotonic() + 15
    while True:
        status = driver.find_element(By.ID, "change-status").text
        assert status in ("PENDING", "INSYNC"), driver.page_source
        if status == "INSYNC":
            return
        assert time.monotonic() < deadline, "change stayed PENDING"
        time.sleep(0.3)
        submitted(driver, driver.find_element(By.LINK_TEXT, "Refresh status"))


def dig(srv, name, rtype="A") -> list[str]:
    host, port = srv.addr
    out = subprocess.run(["dig", f"@{host}", "-p", str(port), name, rtype, "+short", "+time=2", "+tries=2"],
                         capture_output=True, text=True, timeout=20, check=True)
    return sorted(out.stdout.split())


def assert_every_input_labelled(driver):
    """Every visible input, select and textarea has a visible, non-empty <label for=its id>."""
    fields = driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select, textarea")
    assert fields, "no form fields on " + driver.current_url
    for field in fields:
        field_id = field.get_attribute("id")
        assert field_id, f"input without id on {driver.current_url}: {field.get_attribute('outerHTML')}"
        labels = driver.find_elements(By.CSS_SELECTOR, f"label[for='{field_id}']")
        assert labels and labels[0].is_displayed() and labels[0].text.strip(), \
            f"no visible label for #{field_id} on {driver.current_url}"


def zone_rows(driver) -> list[list[str]]:
    return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in driver.find_elements(By.CSS_SELECTOR, "table tbody tr")]


def test_console_zone_and_record_lifecycle(cairn_server, browser):
    srv = cairn_server()
    d = browser

    # A wrong secret is refused, in words.
    d.get(base(srv) + "/console/signin")
    assert_every_input_labelled(d)
    sign_in(d, srv, secret="not-the-secret")
    assert "The request signature we calculated does not match" in error_text(d)
    assert d.get_cookie("cairn_console") is None

    sign_in(d, srv)
    assert d.find_element(By.TAG_NAME, "h1").text == "Hosted zones"
    cookie = d.get_cookie("cairn_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"
    assert SECRET not in cookie["value"]
    assert_every_input_labelled(d)

    # Create a zone.
    fill(d, "name", "console.example.com")
    fill(d, "comment", "made in the console")
    click_button(d, "Create hosted zone")
    assert d.find_element(By.TAG_NAME, "h1").text == "Hosted zone console.example.com."
    zone_url = d.current_url

    # A simple A record.
    submitted(d, d.find_element(By.LINK_TEXT, "Create record"))
    assert_every_input_labelled(d)
    fill(d, "name", "www")
    fill(d, "ttl", "60")
    fill(d, "values", "192.0.2.10")
    click_button(d, "Create record")
    wait_insync(d)
    assert dig(srv, "www.console.example.com") == ["192.0.2.10"]

    # A weighted record.
    d.get(zone_url)
    submitted(d, d.find_element(By.LINK_TEXT, "Create record"))
    fill(d, "name", "w")
    fill(d, "ttl", "60")
    fill(d, "values", "192.0.2.20")
    Select(d.find_element(By.ID, "policy")).select_by_visible_text("Weighted")
    fill(d, "set_identifier", "blue")
    fill(d, "weight", "10")
    click_button(d, "Create record")
    wait_insync(d)
    assert dig(srv, "w.console.example.com") == ["192.0.2.20"]
    d.get(zone_url)
    rows = zone_rows(d)
    assert ["w.console.example.com.", "A", "Weighted 10", "60", "192.0.2.20", ""] in [r[:6] for r in rows]

    # Edit the simple record.
    submitted(d, d.find_element(By.CSS_SELECTOR, "a[href*='records/edit?name=www.console.example.com.']"))
    assert d.find_element(By.ID, "name").get_attribute("readonly") is not None
    fill(d, "values", "192.0.2.11\n192.0.2.12")
    click_button(d, "Save record")
    wait_insync(d)
    assert dig(srv, "www.console.example.com") == ["192.0.2.11", "192.0.2.12"]

    # An API error in words: a zone with records cannot be deleted.
    d.get(base(srv) + "/console/zones")
    click_button(d, "Delete console.example.com.")
    assert "contains non-required resource record sets and so cannot be deleted" in error_text(d)
    assert "HostedZoneNotEmpty" in error_text(d)

    # Delete both records, then the zone.
    for name in ("www.console.example.com.", "w.console.example.com."):
        d.get(zone_url)
        row = d.find_element(By.XPATH, f"//tr[td[1][text()='{name}']]")
        submitted(d, row.find_element(By.XPATH, ".//button[text()='Delete']"))
        wait_insync(d)
    assert dig(srv, "www.console.example.com") == []
    d.get(base(srv) + "/console/zones")
    click_button(d, "Delete console.example.com.")
    assert error_text(d) == ""
    assert "console.example.com." not in d.find_element(By.TAG_NAME, "main").text

    # Sign out ends the session.
    click_button(d, "Sign out")
    d.get(base(srv) + "/console/zones")
    assert d.current_url.endswith("/console/signin")


def test_console_pages_and_searches_a_1000_record_zone(cairn_server, browser):
    srv = cairn_server()
    r53 = harness.route53_client(srv)
    zone = r53.create_hosted_zone(Name="big.test", CallerReference=str(uuid.uuid4()))
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    for start in range(0, 1000, 250):
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {
                "Name": f"host-{i:04d}.big.test", "Type": "A", "TTL": 60,
                "ResourceRecords": [{"Value": f"10.0.{i // 256}.{i % 256}"}]}}
            for i in range(start, start + 250)]})
    d = browser
    sign_in(d, srv)
    fill(d, "zone_name", "big.test")
    click_button(d, "Open hosted zone")
    assert d.find_element(By.TAG_NAME, "h1").text == "Hosted zone big.test."

    # Page through all of it: 50 a page, each record once, in the API's order.
    seen: list[str] = []
    pages = 0
    while True:
        rows = zone_rows(d)
        assert len(rows) <= 50
        seen += [(r[0], r[1]) for r in rows]
        pages += 1
        nxt = d.find_elements(By.LINK_TEXT, "Next page")
        if not nxt:
            break
        assert len(rows) == 50
        submitted(d, nxt[0])
    assert pages == 21
    assert len(seen) == 1002 and len(set(seen)) == 1002
    assert seen[:2] == [("big.test.", "NS"), ("big.test.", "SOA")]
    assert seen[2:] == [(f"host-{i:04d}.big.test.", "A") for i in range(1000)]

    # Search by name: a relative name finds that record alone.
    fill(d, "name", "host-0500")
    click_button(d, "Search records")
    rows = zone_rows(d)
    assert [r[:5] for r in rows] == [["host-0500.big.test.", "A", "Simple", "60", "10.0.1.244"]]
    assert not d.find_elements(By.LINK_TEXT, "Next page")

    # Filter by type: SOA is one record; A pages on.
    fill(d, "name", "")
    Select(d.find_element(By.ID, "type")).select_by_value("SOA")
    click_button(d, "Search records")
    assert [r[1] for r in zone_rows(d)] == ["SOA"]
    Select(d.find_element(By.ID, "type")).select_by_value("A")
    click_button(d, "Search records")
    rows = zone_rows(d)
    assert len(rows) == 50 and {r[1] for r in rows} == {"A"}
    assert rows[0][0] == "host-0000.big.test."
    submitted(d, d.find_element(By.LINK_TEXT, "Next page"))
    assert zone_rows(d)[0][0] == "host-0050.big.test."


def test_console_refuses_forms_without_the_csrf_token_or_from_another_origin(cairn_server, browser):
    srv = cairn_server()
    d = browser
    sign_in(d, srv)
    # A same-origin form without the token (as a forged page's form would lack it).
    old = d.find_element(By.TAG_NAME, "html")
    d.execute_script("""
        const f = document.createElement('form');
        f.method = 'post'; f.action = '/console/zones';
        const i = document.createElement('input');
        i.name = 'name'; i.value = 'forged.example.com'; f.appendChild(i);
        document.body.appendChild(f); f.submit();""")
    wait_loaded(d, old)
    assert d.find_element(By.TAG_NAME, "h1").text == "Request refused"
    assert "CSRF token is missing or does not match" in error_text(d)

    # The right cookie and token, but from another site's origin.
    d.get(base(srv) + "/console/zones")
    token = d.find_element(By.NAME, "csrf").get_attribute("value")
    cookie = d.get_cookie("cairn_console")["value"]

    def post(extra_headers, form):
        req = urllib.request.Request(base(srv) + "/console/zones", method="POST",
                                     data=urllib.parse.urlencode(form).encode(),
                                     headers={"Cookie": f"cairn_console={cookie}",
                                              "Content-Type": "application/x-www-form-urlencoded",
                                              **extra_headers})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code

    assert post({"Origin": "http://evil.example"}, {"csrf": token, "name": "forged.example.com"}) == 403
    assert post({}, {"csrf": "0" * 64, "name": "forged.example.com"}) == 403
    r53 = harness.route53_client(srv)
    assert [z["Name"] for z in r53.list_hosted_zones()["HostedZones"]] == []
    # The same request with the token from our own origin is accepted (so the refusals above
    # were the token's and the origin's doing).
    host, port = srv.api
    assert post({"Origin": f"http://{host}:{port}"}, {"csrf": token, "name": "real.example.com"}) in (200, 303)
    assert [z["Name"] for z in r53.list_hosted_zones()["HostedZones"]] == ["real.example.com."]


def test_console_service_pages_show_what_the_api_lists(cairn_server, browser):
    srv = cairn_server()
    d = browser
    sign_in(d, srv)
    for path, heading in (("/console/healthchecks", "Health checks"), ("/console/vpcs", "VPCs"),
                          ("/console/resolver", "Resolver"), ("/console/profiles", "Profiles"),
                          ("/console/firewall", "DNS Firewall"), ("/console/querylogs", "Query logs")):
        d.get(base(srv) + path)
        assert d.find_element(By.TAG_NAME, "h1").text == heading
        assert error_text(d) == "", f"{path}: {error_text(d)}"
    # Keyboard use: the first Tab reaches the skip link, which leads to the main content.
    d.get(base(srv) + "/console/zones")
    ActionChains(d).send_keys(Keys.TAB).perform()
    assert d.switch_to.active_element.text == "Skip to content"

#!/usr/bin/python3
"""Drives the dashboard of a running `gantry serve` in headless Chromium.

Run by Tests/EndToEndTests/DashboardTests.swift against a real daemon:

  dashboard.py --url http://127.0.0.1:PORT --screenshots DIR main
  dashboard.py --url http://127.0.0.1:PORT --screenshots DIR auth --token TOKEN --job-id ID
  dashboard.py --url http://127.0.0.1:PORT --screenshots DIR pages

Prints one "ok:" line per check; a failed check raises, and the exit status is 1.
Every console message the page logged is printed, and an error fails the run
(in `auth`, the 401s the refused calls log are expected and allowed).
"""
import argparse
import hashlib
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select, WebDriverWait


class Check(Exception):
    pass


def ok(message):
    print("ok: " + message, flush=True)


def browser(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("GANTRY_CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1000", "--hide-scrollbars", "--no-first-run", "--disable-extensions"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("GANTRY_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    return driver


class Page:
    def __init__(self, driver, base, screenshots):
        self.driver, self.base, self.screenshots = driver, base, screenshots
        self.console = []

    def wait(self, what, condition, timeout=30):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda d: condition())
        except Exception as error:
            self.shot("failed-" + what.replace(" ", "-")[:40])
            raise Check(f"timed out after {timeout} s waiting for {what} ({type(error).__name__})")

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def text(self, css):
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null", css)

    def shot(self, name, full=False):
        if full:
            height = self.js("return Math.ceil(document.documentElement.scrollHeight)")
            width = self.driver.get_window_size()["width"]
            self.driver.set_window_size(width, min(max(height + 140, 600), 6000))
            time.sleep(0.4)
        path = os.path.join(self.screenshots, name + ".png")
        self.driver.save_screenshot(path)
        print(f"screenshot: {path}", flush=True)
        if full:
            self.driver.set_window_size(1280, 1000)
        return path

    def drain_console(self):
        for entry in self.driver.get_log("browser"):
            self.console.append(entry)
            print(f"console {entry['level']} {entry.get('source', '')}: {entry['message']}", flush=True)

    def canvas(self, css):
        """The canvas's pixels: how many distinct grey values, and a hash of the RGBA bytes."""
        result = self.js("""
            const c = document.querySelector(arguments[0]);
            if (!c || c.width === 0) return null;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const seen = new Set();
            let hash = 2166136261;
            for (let i = 0; i < d.length; i++) { if (i % 4 === 0) seen.add(d[i]); hash = Math.imul(hash ^ d[i], 16777619) >>> 0; }
            return {width: c.width, height: c.height, distinct: seen.size, hash: hash, epoch: c.dataset.epoch || null, seed: c.dataset.seed || null};
        """, css)
        return result

    def points(self):
        # 0 until the job page has drawn its chart: right after a click the old page may
        # still be shown, and a wait must keep waiting rather than fail on a missing node.
        return int(self.js("const s = document.querySelector('#loss-chart svg'); return s ? Number(s.dataset.points || 0) : 0"))

    def path_commands(self):
        return int(self.js("const p = document.querySelector('#loss-chart path[data-series=d_loss]');"
                           "return p ? (p.getAttribute('d').match(/[ML]/g) || []).length : 0"))

    def confirm_dialog(self, accept=True):
        self.wait("the confirmation dialog", lambda: self.js("return document.getElementById('confirm-dialog').open"), 10)
        self.find("#confirm-ok" if accept else "#confirm-keep").click()
        self.wait("the confirmation dialog to close", lambda: not self.js("return document.getElementById('confirm-dialog').open"), 10)


def api(base, path, token=None, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, method=method, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def fill(page, values):
    for name, value in values.items():
        if name == "dataset":
            Select(page.find("#field-dataset")).select_by_value(value)
            continue
        field = page.find(f"#field-{name}")
        field.clear()
        field.send_keys(value)


def main_flow(page, downloads, dataset, epochs):
    base = page.base
    page.driver.get(base + "/")
    page.wait("the start form", lambda: page.find("#job-form").is_displayed())
    page.wait("the empty jobs list", lambda: page.find("p.empty").is_displayed())
    ok("/ loads the dashboard; the jobs list is empty")
    headers = urllib.request.urlopen(base + "/", timeout=10).headers
    if "default-src 'self'" not in (headers.get("Content-Security-Policy") or ""):
        raise Check(f"no strict CSP on /: {headers.get('Content-Security-Policy')}")
    page.shot("01-jobs-empty")

    # A value the API refuses: its 400 message appears beside the field it names.
    fill(page, {"epochs": "0"})
    page.find("#job-form button[type=submit]").click()
    page.wait("the epochs error", lambda: "epochs must be between 1 and 10000" in (page.text("#field-epochs-error") or ""))
    if page.find("#field-epochs").get_attribute("aria-invalid") != "true":
        raise Check("the refused field is not marked aria-invalid")
    if page.js("return document.activeElement.id") != "field-epochs":
        raise Check("focus did not move to the refused field")
    ok("a 400 shows its message beside the field it names: " + page.text("#field-epochs-error"))
    # Chromium logs every 4xx response as a console error: this one was asked for.
    page.drain_console()
    refused = [e for e in page.console if e["level"] == "SEVERE"]
    if len(refused) != 1 or "/v1/jobs" not in refused[0]["message"] or "status of 400" not in refused[0]["message"]:
        raise Check(f"expected the one logged 400 of the refused form, got: {[e['message'] for e in refused]}")
    page.console = []
    page.shot("02-form-error", full=True)

    # A recipe shows its own defaults in the fields still at the old ones; back to notebook restores them.
    Select(page.find("#field-model")).select_by_value("improved")
    shown = page.js("return ['beta1', 'g_hidden', 'd_dropout', 'ema_decay', 'epochs'].map((n) => document.getElementById('field-' + n).value)")
    if shown != ["0.5", "256", "0.3", "0.999", "0"]:
        raise Check(f"the improved recipe shows {shown}")
    Select(page.find("#field-model")).select_by_value("dcgan")
    shown = page.js("return ['learning_rate', 'beta1', 'alpha', 'smooth', 'g_hidden', 'd_dropout', 'g_channels', 'd_channels'].map((n) => document.getElementById('field-' + n).value)")
    if shown != ["0.0002", "0.5", "0.2", "0", "128", "0", "128", "64"]:
        raise Check(f"the dcgan recipe shows {shown}")
    Select(page.find("#field-model")).select_by_value("notebook")
    shown = page.js("return ['beta1', 'g_hidden', 'd_dropout', 'ema_decay', 'learning_rate', 'alpha'].map((n) => document.getElementById('field-' + n).value)")
    if shown != ["0.9", "128", "0", "0", "0.002", "0.01"]:
        raise Check(f"back on the notebook recipe the fields show {shown}")
    ok("choosing a recipe shows its defaults (improved: beta1 0.5, 256 units, dropout 0.3, average 0.999; dcgan: rate 0.0002, slope 0.2, channels 128/64) and back")

    # A short job, submitted twice at once: one Idempotency-Key, so one job.
    page.wait(f"dataset {dataset} in the form", lambda: page.js(f"return !!document.querySelector('#field-dataset option[value=\"{dataset}\"]')"))
    fill(page, {"dataset": dataset, "epochs": str(epochs), "eval_every": str(max(1, epochs // 10)), "eval_samples": "500", "seed": "7"})
    page.js("const f = document.getElementById('job-form'); f.requestSubmit(); f.requestSubmit();")
    page.wait("the job page", lambda: page.driver.current_url.split("#")[-1].startswith("/jobs/"))
    job_id = page.driver.current_url.split("/jobs/")[-1]
    time.sleep(1)
    jobs = api(base, "/v1/jobs")["jobs"]
    if len(jobs) != 1:
        raise Check(f"two submissions of one form made {len(jobs)} jobs: {[j['id'] for j in jobs]}")
    config = jobs[0]["config"]
    if (config["epochs"], config["eval_every"], config["eval_samples"], config["seed"]) != (epochs, max(1, epochs // 10), 500, 7):
        raise Check(f"the job's config is not the form's: {config}")
    ok(f"the form started job {job_id} with its fields; a double submit made one job")

    # The loss chart gains points as epochs land.
    page.wait("the first plotted epoch", lambda: page.points() >= 1, 120)
    seen = [page.points()]
    deadline = time.time() + 240 + epochs // 5
    while time.time() < deadline and page.text("#job-status") != "completed":
        n = page.points()
        if n != seen[-1]:
            seen.append(n)
        if len(seen) == 4:
            page.shot("03-job-training", full=True)
        time.sleep(0.2)
    if page.text("#job-status") != "completed":
        raise Check(f"job {job_id} did not complete in time; status {page.text('#job-status')}")
    page.wait(f"all {epochs} epochs plotted", lambda: page.points() == epochs, 20)
    seen.append(epochs)
    if len(seen) < 4 or seen != sorted(seen):
        raise Check(f"the chart did not gain points step by step while training: {seen}")
    if page.path_commands() < min(epochs, 1000) // 2:
        raise Check(f"the D line has only {page.path_commands()} points for {epochs} epochs")
    ok(f"the loss chart gained points as epochs landed: {seen[:12]}{'…' if len(seen) > 12 else ''}")

    # Digits decoded from PGM bytes and drawn on canvases.
    page.wait(f"the latest digits at epoch {epochs}", lambda: (page.canvas("#latest-digits") or {}).get("epoch") == str(epochs), 30)
    latest = page.canvas("#latest-digits")
    if latest["distinct"] < 16:
        raise Check(f"the latest digits canvas holds {latest['distinct']} grey values: {latest}")
    ok(f"latest digits: a {latest['width']}×{latest['height']} canvas with {latest['distinct']} grey values")
    page.wait("the best epoch's digits", lambda: (page.canvas("#best-digits") or {}).get("epoch") is not None, 30)
    best = page.canvas("#best-digits")
    best_epoch = api(base, f"/v1/jobs/{job_id}")["quality"]["best_epoch"]
    if best["epoch"] != str(best_epoch) or best["distinct"] < 16:
        raise Check(f"best digits canvas {best} does not show best epoch {best_epoch}")
    ok(f"best digits drawn from epoch {best_epoch}")
    page.find("#new-digits").click()
    page.wait("new digits", lambda: (page.canvas("#latest-digits") or {}).get("seed") not in (None, "7"), 20)
    renewed = page.canvas("#latest-digits")
    if renewed["hash"] == latest["hash"]:
        raise Check("new digits (another seed) drew the same pixels")
    ok(f"'New digits' drew another grid (seed {renewed['seed']})")

    # The epoch slider, by keyboard: Home goes to epoch 1, whose grid differs from the last epoch's.
    page.wait(f"the epoch grid at {epochs}", lambda: (page.canvas("#epoch-digits") or {}).get("epoch") == str(epochs), 30)
    last_grid = page.canvas("#epoch-digits")
    slider = page.find("#epoch-slider")
    slider.send_keys(Keys.HOME)
    page.wait("the epoch grid at 1", lambda: (page.canvas("#epoch-digits") or {}).get("epoch") == "1", 20)
    first_grid = page.canvas("#epoch-digits")
    if first_grid["hash"] == last_grid["hash"] or first_grid["distinct"] < 2:
        raise Check(f"the slider's epoch-1 grid is not a different picture: {first_grid} vs {last_grid}")
    slider.send_keys(Keys.ARROW_RIGHT)
    page.wait("the epoch grid at 2", lambda: (page.canvas("#epoch-digits") or {}).get("epoch") == "2", 20)
    if f"epoch 2 of {epochs}" not in page.text("#epoch-slider-value"):
        raise Check(f"the slider's label reads {page.text('#epoch-slider-value')!r}")
    ok(f"the epoch slider (Home, →) shows epoch 1's and epoch 2's recorded grids, unlike epoch {epochs}'s")
    slider.send_keys(Keys.END)
    page.wait(f"the epoch grid back at {epochs}", lambda: (page.canvas("#epoch-digits") or {}).get("epoch") == str(epochs), 20)

    # Scores, the best epoch marked, the histogram.
    if page.js("return document.querySelectorAll('#fd-chart .marker').length") != 1:
        raise Check("the fd chart has no best-epoch marker")
    if f"best {best_epoch}" not in page.text("#fd-chart"):
        raise Check(f"the fd chart's marker does not name epoch {best_epoch}")
    bars = page.js("return document.querySelectorAll('#class-histogram rect.bar').length")
    if bars != 10:
        raise Check(f"the class histogram has {bars} bars")
    warnings = [w["code"] for w in api(base, f"/v1/jobs/{job_id}")["warnings"]]
    shown = page.js("return !!document.getElementById('mode-collapse')")
    if shown != ("mode_collapse" in warnings):
        raise Check(f"mode-collapse warning shown={shown}, but the job's warnings are {warnings}")
    ok(f"fd and inception charts mark best epoch {best_epoch}; 10 class bars; mode-collapse warning shown={shown} as the API says")

    # Hover and keyboard read the chart's values.
    plot = page.find("#loss-chart svg")
    ActionChains(page.driver).move_to_element(plot).perform()
    page.wait("a hover readout", lambda: (page.text("#loss-chart .readout") or "").startswith("Epoch "), 10)
    hovered = page.text("#loss-chart .readout")
    page.js("arguments[0].focus()", plot)
    ActionChains(page.driver).send_keys(Keys.END).perform()
    page.wait("the keyboard readout", lambda: (page.text("#loss-chart .readout") or "").startswith(f"Epoch {epochs}:"), 10)
    ok(f"hover reads {hovered!r}; End reads {page.text('#loss-chart .readout')!r}")
    page.find("#loss-chart input[data-series=d_loss_real]").click()
    page.wait("the D-on-real line", lambda: page.js("return !!document.querySelector('#loss-chart path[data-series=d_loss_real]')"), 5)
    ok("the D-on-real toggle adds its line")

    # 10,000 epochs: the page's own chart module, fed synthetic records, draws at most
    # two points per pixel column and keeps the extremes. That count is what keeps a
    # redraw fast (the DOM gets width-bound work however many epochs there are); it is
    # asserted instead of a wall-clock bound, which a loaded machine breaks. The time
    # is reported.
    measured = page.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('/ui/chart.js').then(({ Chart }) => {
          const records = Array.from({ length: 10000 }, (_, i) => ({ epoch: i + 1, d_loss: Math.sin(i / 50) + (i === 5000 ? 9 : 0) }));
          const chart = new Chart({ id: 'probe', title: 'probe', description: '', series: [{ key: 'd_loss', name: 'D', className: 's-d', on: true }] });
          const holder = document.createElement('div');
          holder.style.width = '1000px';
          document.body.append(holder);
          holder.append(chart.element);
          const started = performance.now();
          for (let i = 0; i < 10; i++) chart.setRecords(records);
          const ms = (performance.now() - started) / 10;
          const d = chart.element.querySelector('path').getAttribute('d');
          const ys = [...d.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
          const result = { ms, drawn: ys.length, top: Math.min(...ys), width: Number(chart.svg.getAttribute('width')), points: chart.svg.dataset.points };
          holder.remove();
          done(result);
        }).catch((error) => done({ error: String(error) }));
    """)
    if "error" in measured:
        raise Check(f"the chart probe failed: {measured['error']}")
    if measured["points"] != "10000" or measured["drawn"] > 2 * measured["width"] or measured["top"] > 40:
        raise Check(f"10,000 epochs: {measured}")
    ok(f"10,000 epochs draw as {measured['drawn']} points in {measured['ms']:.1f} ms, the one-epoch spike kept")

    # Downloads go through fetch + blob (a link cannot carry a bearer header).
    for label, name in [("Losses (JSON)", f"{job_id}-losses.json"), ("Checkpoint, latest epoch", f"{job_id}-epoch{epochs}.gantry")]:
        page.driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']").click()
        path = os.path.join(downloads, name)
        page.wait(f"the download {name}", lambda: os.path.exists(path) and os.path.getsize(path) > 0, 30)
    losses = json.load(open(os.path.join(downloads, f"{job_id}-losses.json")))
    if len(losses["epochs"]) != epochs:
        raise Check(f"the downloaded losses hold {len(losses['epochs'])} epochs")
    ok(f"downloaded {job_id}-losses.json ({epochs} epochs) and the latest checkpoint "
       f"({os.path.getsize(os.path.join(downloads, f'{job_id}-epoch{epochs}.gantry'))} bytes)")

    # The README's picture: the cursor on the last epoch, no focus ring, from the top.
    page.js("document.querySelector('#loss-chart svg').focus()")
    ActionChains(page.driver).send_keys(Keys.END).perform()
    page.js("document.activeElement.blur(); window.scrollTo(0, 0)")
    # The pointer rests on the header, so no button under it shows its hover border.
    ActionChains(page.driver).move_to_element(page.find(".top h1")).perform()
    page.shot("04-job-page", full=True)
    page.js("window.scrollTo(0, 0)")
    ActionChains(page.driver).move_to_element(page.find(".top h1")).perform()
    page.shot("04-job-page-first-screen")
    page.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    time.sleep(0.3)
    background = page.js("return getComputedStyle(document.body).backgroundColor")
    if background in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"):
        raise Check(f"prefers-color-scheme: dark left the background {background}")
    page.shot("05-job-page-dark", full=True)
    page.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
    ok(f"dark scheme: background {background}")

    # 200% zoom: the CSS viewport is half as wide; nothing may need sideways scrolling.
    page.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 640, "height": 1000, "deviceScaleFactor": 2, "mobile": False})
    time.sleep(0.5)
    overflow = page.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.shot("06-job-page-zoom-200")
    page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    if overflow > 0:
        raise Check(f"at 200% zoom the job page is {overflow} px wider than the window")
    ok("at 200% zoom (640 CSS px) the job page needs no sideways scrolling")

    # A second, long job: started from the list's form, cancelled from its page.
    page.driver.get(base + "/#/")
    page.wait("the jobs table", lambda: page.find("#jobs-table").is_displayed())
    page.wait(f"job {job_id}'s row", lambda: page.text(f"tr[data-job='{job_id}'] .badge") == "completed")
    fill(page, {"dataset": dataset, "epochs": "10000", "eval_every": "0", "seed": "8"})
    page.find("#job-form button[type=submit]").click()
    page.wait("the second job's page", lambda: "/jobs/" in page.driver.current_url and not page.driver.current_url.endswith(job_id))
    long_id = page.driver.current_url.split("/jobs/")[-1]
    page.wait("the second job training", lambda: page.text("#job-status") == "running" and page.points() >= 1, 90)
    page.find("#main [data-action=cancel]").click()
    page.confirm_dialog(accept=False)
    time.sleep(0.5)
    if api(base, f"/v1/jobs/{long_id}")["status"] != "running":
        raise Check("'Keep it' in the confirmation still cancelled the job")
    page.find("#main [data-action=cancel]").click()
    page.confirm_dialog(accept=True)
    page.wait("the cancelled status", lambda: page.text("#job-status") == "cancelled", 30)
    if api(base, f"/v1/jobs/{long_id}")["status"] != "cancelled":
        raise Check("the API does not show the job cancelled")
    ok(f"job {long_id} cancelled from its page after a confirmation ('Keep it' kept it running)")

    # Delete from the list, with a confirmation.
    page.driver.get(base + "/#/")
    page.wait("the cancelled job's delete button", lambda: page.js(f"return !!document.querySelector(\"tr[data-job='{long_id}'] [data-action=delete]\")"))
    page.shot("07-jobs-list", full=True)
    page.find(f"tr[data-job='{long_id}'] [data-action=delete]").click()
    page.confirm_dialog(accept=True)
    page.wait("the deleted row to go", lambda: not page.js(f"return !!document.querySelector(\"tr[data-job='{long_id}']\")"), 15)
    remaining = [j["id"] for j in api(base, "/v1/jobs")["jobs"]]
    if remaining != [job_id]:
        raise Check(f"after deleting {long_id} the API lists {remaining}")
    ok(f"job {long_id} deleted from the list after a confirmation")

    page.drain_console()
    errors = [e for e in page.console if e["level"] == "SEVERE"]
    if errors:
        raise Check(f"{len(errors)} console error(s): " + "; ".join(e["message"] for e in errors))
    ok(f"no console errors ({len(page.console)} console message(s) in all)")


def auth_flow(page, token, job_id):
    base = page.base
    page.driver.get(base + "/")
    page.wait("the token dialog", lambda: page.js("return document.getElementById('token-dialog').open"))
    if "needs its access token" not in page.text("#token-message"):
        raise Check(f"the token dialog says {page.text('#token-message')!r}")
    time.sleep(0.5)
    if page.js(f"return !!document.querySelector(\"tr[data-job='{job_id}']\")"):
        raise Check("the job list showed a job before any token was given")
    ok("static files load without a token; the page asks for one and shows no job")
    page.shot("08-token-asked")

    page.find("#token-input").send_keys("wrong-token-0123456789" + Keys.ENTER)
    page.wait("the refusal message", lambda: "refused this token" in (page.text("#token-message") or ""), 15)
    if not page.js("return document.getElementById('token-dialog').open"):
        raise Check("the dialog closed after a wrong token")
    if page.js(f"return !!document.querySelector(\"tr[data-job='{job_id}']\")"):
        raise Check("the job list showed a job with a wrong token")
    ok("a wrong token is refused with: " + page.text("#token-message"))
    page.shot("09-token-refused")

    page.find("#token-input").send_keys(token + Keys.ENTER)
    page.wait("the job's row", lambda: page.js(f"return !!document.querySelector(\"tr[data-job='{job_id}']\")"), 20)
    if page.js("return document.getElementById('token-dialog').open"):
        raise Check("the token dialog is still open after the right token")
    if page.js("return sessionStorage.getItem('gantry.token')") != token:
        raise Check("the token is not kept in sessionStorage")
    ok("the right token lists the job; it is kept in sessionStorage")
    page.find(f"tr[data-job='{job_id}'] a").click()
    page.wait("the job page's loss chart", lambda: page.points() >= 1, 30)
    page.wait("the job's digits", lambda: (page.canvas("#latest-digits") or {}).get("epoch") is not None, 30)
    ok("the job page loads its losses and digits with the token")

    page.driver.refresh()
    page.wait("the job page after a reload", lambda: page.points() >= 1, 30)
    if page.js("return document.getElementById('token-dialog').open"):
        raise Check("a reload asked for the token again")
    ok("a reload in the same tab does not ask again")
    page.shot("10-token-accepted", full=True)

    page.drain_console()
    unexpected = [e for e in page.console if e["level"] == "SEVERE" and " 401 " not in e["message"] + " "
                  and "status of 401" not in e["message"]]
    if unexpected:
        raise Check(f"{len(unexpected)} console error(s) besides the refused calls' 401s: "
                    + "; ".join(e["message"] for e in unexpected))
    ok(f"no console errors besides the refused calls' 401s ({len(page.console)} message(s) in all)")


def pages_flow(page):
    """More jobs than one page (the daemon holds them, made by the test): the list
    shows 50 a page, Older follows the cursor, Newer comes back, and a later page
    stays put while a job is created."""
    base = page.base

    def walk():
        pages, cursor = [], None
        while True:
            answer = api(base, "/v1/jobs?limit=50" + (f"&cursor={cursor}" if cursor else ""))
            pages.append([j["id"] for j in answer["jobs"]])
            cursor = answer["next_cursor"]
            if cursor is None:
                return pages

    def shown():
        return page.js("return [...document.querySelectorAll('#jobs-table tbody tr')].map((r) => r.dataset.job)")

    def showing(ids, label):
        page.wait(f"{label} ({len(ids)} rows)", lambda: shown() == ids and page.text("#jobs-page") == label, 15)

    expected = walk()
    if [len(p) for p in expected] != [50, 50, 20]:
        raise Check(f"the API's pages of 50 hold {[len(p) for p in expected]} jobs, not 50, 50, 20")
    page.driver.get(base + "/")
    showing(expected[0], "Page 1")
    if not page.find("#jobs-newer").get_attribute("disabled") or page.find("#jobs-older").get_attribute("disabled"):
        raise Check("on the first page Newer should be disabled and Older enabled")
    ok("the list shows the newest 50 of 120 jobs, Page 1, with Older enabled and Newer disabled")
    page.shot("11-jobs-page-1")

    page.find("#jobs-older").click()
    showing(expected[1], "Page 2")
    # A job created now is newer than every page: page 2 stays as it was over a poll.
    created = api(base, "/v1/jobs", method="POST", body={"epochs": 1000, "eval_every": 0})
    api(base, f"/v1/jobs/{created['id']}/cancel", method="POST")
    time.sleep(2.5)
    if shown() != expected[1]:
        raise Check("page 2 changed when a newer job was created")
    ok("Older shows the next 50; a job created meanwhile leaves page 2 as it was after a poll")
    page.find("#jobs-older").click()
    showing(expected[2], "Page 3")
    if not page.find("#jobs-older").get_attribute("disabled"):
        raise Check("Older is still enabled on the last page")
    ok("the last page holds the oldest 20 and disables Older")
    page.shot("12-jobs-page-3")

    page.find("#jobs-newer").click()
    showing(expected[1], "Page 2")
    page.find("#jobs-newer").click()
    showing([created["id"]] + expected[0][:49], "Page 1")
    ok("Newer goes back page by page; the first page shows the job created meanwhile at the top")

    page.drain_console()
    errors = [e for e in page.console if e["level"] == "SEVERE"]
    if errors:
        raise Check(f"{len(errors)} console error(s): " + "; ".join(e["message"] for e in errors))
    ok(f"no console errors ({len(page.console)} message(s) in all)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("mode", choices=["main", "auth", "pages"])
    parser.add_argument("--token")
    parser.add_argument("--job-id")
    parser.add_argument("--epochs", type=int, default=200, help="the first job's epochs (at least 20)")
    parser.add_argument("--dataset", default="mnist", help="the dataset the form's jobs train on")
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)
    downloads = os.path.join(args.screenshots, "downloads-" + args.mode)
    os.makedirs(downloads, exist_ok=True)
    driver = browser(downloads)
    page = Page(driver, args.url.rstrip("/"), args.screenshots)
    try:
        if args.mode == "main":
            main_flow(page, downloads, args.dataset, args.epochs)
        elif args.mode == "pages":
            pages_flow(page)
        else:
            auth_flow(page, args.token, args.job_id)
    except Check as failure:
        page.drain_console()
        print(f"FAILED: {failure}", flush=True)
        return 1
    finally:
        driver.quit()
    print("dashboard: all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The HTML report in a real browser. From the captures in captures/, the
report is written as HTML and as JSON with the same options; headless
Chromium opens the HTML page, and the DOM it rendered (--dump-dom) must
carry the JSON report's figures, the registry caveat verbatim and ahead of
the charts, and every chart with its title and text alternative; a
screenshot is taken (--screenshot).

The page must not ask the network for anything. Chromium runs with a proxy
this test listens on (loopback included) as its only way out, and is driven
once more over the DevTools protocol (--remote-debugging-pipe), which names
every request the page makes: the page may load itself and nothing else.
Chromium's own service calls (sign-in, component updates, network time: to
Google's hosts, whatever page is open) reach the proxy too; any other
connection fails the test. A copy of the page that loads an image proves
both the protocol and the proxy see such a request. The sorting script is
clicked in the browser, and tidy must find no error or warning in the page.

Over the same protocol: at window sizes of 1366x768, 1280x800 and 1024x768
the caveat is on screen as the page opens, before the charts, also on a page
of 150 inputs (one of them a 200-character name); with scripting
off (Emulation.setScriptExecutionDisabled) the page carries every figure of
the JSON report from its markup alone; printed (print media on the printable
area of US Letter, Chromium's default paper) nothing is wider than the paper,
the caveat ends on the first sheet, every chart and table is drawn, and
Page.printToPDF makes a PDF; the page of 150 inputs prints all of them within
the paper's width. None of that may make a request either."""
import base64
import fcntl
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from html import unescape as html_unescape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_parse  # noqa: E402

PORTSNIFF = os.environ["PORTSNIFF"]
CAPS = os.path.join(os.environ["PS_SOURCE_DIR"], "captures")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHARTS = ("c-bytes", "c-flows", "c-transports", "c-series", "c-talkers")

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


class Proxy:
    """A listener on 127.0.0.1 that records every connection and refuses it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.unused = 0      # connections closed without a request
        self.answering = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            t = threading.Thread(target=self.answer, args=(conn,), daemon=True)
            self.answering.append(t)
            t.start()

    def answer(self, conn):
        # Chromium may open a connection ahead of use and close it unused;
        # what counts is a request line. Each connection waits on its own.
        conn.settimeout(60)
        try:
            first = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
        except OSError:
            first = ""
        if first:
            self.requests.append(first)
            try:
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
        else:
            self.unused += 1
        conn.close()

    def close(self):
        """Stop listening; wait for the connections taken (the browsers have
        exited, so each has its request or has been closed)."""
        self.sock.close()
        for t in list(self.answering):
            t.join(timeout=60)


# Chromium's own services: it calls them whatever page it shows.
BROWSER_HOSTS = (".google.com", ".googleapis.com", ".gstatic.com", ".gvt1.com", ".gvt2.com")


def proxy_host(request_line):
    """The host a proxy request line asks for: 'CONNECT h:443 ...', 'GET http://h/...'."""
    parts = request_line.split()
    target = parts[1] if len(parts) > 1 else ""
    target = re.sub(r"^[a-z]+://", "", target)
    return re.split(r"[:/]", target, 1)[0]


def chromium_flags(proxy, profile):
    return [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + profile, "--proxy-server=http://127.0.0.1:%d" % proxy.port,
            "--proxy-bypass-list=<-loopback>"]


class DevTools:
    """Chromium driven over --remote-debugging-pipe (JSON messages ended by
    NUL on file descriptors 3 and 4)."""

    def __init__(self, proxy, profile):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        # Chromium's ends go to descriptors 3 and 4 by a bash redirection from
        # descriptors numbered 10 or more, which cannot be 3 or 4 themselves
        # (a preexec dup2 needs 3 and 4 open in this process beforehand).
        child_r = fcntl.fcntl(to_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(from_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_r)
        os.close(from_w)
        flags = chromium_flags(proxy, profile) + ["--hide-scrollbars", "--remote-debugging-pipe", "about:blank"]
        redirect = 'exec "$@" 3<&%d 4>&%d %d<&- %d>&-' % (child_r, child_w, child_r, child_w)
        self.proc = subprocess.Popen(["bash", "-c", redirect, "bash"] + flags, pass_fds=(child_r, child_w),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(child_r)
        os.close(child_w)
        self.buf, self.id, self.events = b"", 0, []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Network.enable", session=True)
        self.call("Page.enable", session=True)

    def wait_for(self, pred, timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                msg = json.loads(raw)
                self.events.append(msg)
                if pred(msg):
                    return msg
            ready, _, _ = select.select([self.from_r], [], [], 1)
            if ready:
                chunk = os.read(self.from_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buf += chunk
        raise TimeoutError("no answer from chromium")

    def call(self, method, params=None, session=False):
        self.id += 1
        msg = {"id": self.id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        reply = self.wait_for(lambda m: m.get("id") == msg["id"])
        if "error" in reply:
            raise RuntimeError("%s: %s" % (method, reply["error"]))
        return reply.get("result", {})

    def open(self, url):
        """Load url; the URLs of the requests the page made."""
        first = len(self.events)
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for(lambda m: m.get("method") == "Page.loadEventFired")
        return [m["params"]["request"]["url"] for m in self.events[first:]
                if m.get("method") == "Network.requestWillBeSent"]

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                         session=True)["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_w)
        os.close(self.from_r)


def chromium(proxy, profile, args):
    cmd = chromium_flags(proxy, profile) + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    if p.returncode != 0:
        fail("chromium %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr[-400:]))
    return p.stdout


def check_dom(dom, want, caveat, scripted=True):
    """The rendered page against the JSON report. scripted: the page ran its
    script (the sort buttons are there); otherwise it must not have, and the
    page must read just as fully without it."""
    got = report_parse.from_html(dom)
    a, b = report_parse.at_text_precision(want), report_parse.at_text_precision(got)
    for key in sorted(a):
        if report_parse.diff(a[key], b.get(key)):
            fail("rendered page: %s is %r, the JSON report says %r" % (key, b.get(key), a[key]))
    # The caveat, verbatim, before the charts.
    m = re.search(r'<p id="caveat-text">(.*?)</p>', dom, re.S)
    text = m and html_unescape(m.group(1))
    if text != caveat:
        fail("the caveat on the page is %r, want the registry's %r" % (text, caveat))
    if not (0 <= dom.find('id="caveat"') < dom.find('id="charts"')):
        fail("the caveat does not come before the charts")
    for chart in CHARTS:
        m = re.search(r'<figure id="%s">(.*?)</figure>' % chart, dom, re.S)
        if not m:
            fail("chart %s missing" % chart)
            continue
        fig = m.group(1)
        for part, pattern in (("caption", r"<figcaption><strong>[^<]+</strong>[^<]+</figcaption>"),
                              ("svg", r'<svg [^>]*role="img"[^>]*aria-label="[^"]+"'),
                              ("title", r"<title>[^<]+</title>"), ("text alternative", r"<desc>[^<]{20,}</desc>"),
                              ("drawing", r"<(rect|path) ")):
            if not re.search(pattern, fig):
                fail("chart %s has no %s" % (chart, part))
    # Scripted sorting turned the header cells into buttons.
    buttons = dom.count("<th scope=\"col\" class=\"num\"><button")
    if scripted and buttons < 5:
        fail("the table headers were not made sortable")
    if not scripted and "<button" in dom:
        fail("the page ran its script with scripting off (%d sort buttons)" % buttons)


# Chromium prints on US Letter with 0.4 in margins by default (Page.printToPDF):
# a printable area of 7.7 x 10.2 in, at 96 CSS pixels an inch.
PRINT_W, PRINT_H = 739, 979


def check_layout(devtools, urls):
    """The caveat is on screen as each page opens, at common window sizes, and
    the first page reads with scripting off (its DOM is returned)."""
    rect = ("(function(id){var r=document.getElementById(id).getBoundingClientRect();"
            "return [r.top,r.bottom,r.width,r.height];})")
    for w, h in ((1366, 768), (1280, 800), (1024, 768)):
        devtools.call("Emulation.setDeviceMetricsOverride",
                      {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False}, session=True)
        for url in urls:
            devtools.open(url)
            inner, scroll = devtools.evaluate("[innerWidth, innerHeight, scrollY]")[1:]
            top, bottom, width, height = devtools.evaluate(rect + "('caveat-text')")
            charts = devtools.evaluate(rect + "('charts')")[0]
            name = "%dx%d %s" % (w, h, os.path.basename(url))
            if scroll != 0 or inner != h:
                fail("%s: the page opened scrolled to %r, viewport height %r" % (name, scroll, inner))
            if not (0 <= top and bottom <= inner and width > 0 and height > 0 and bottom <= charts):
                fail("%s: the caveat is at %.0f-%.0f px (charts at %.0f): not visible without scrolling"
                     % (name, top, bottom, charts))

    # Scripting off: the same figures, from the markup alone.
    devtools.call("Emulation.setScriptExecutionDisabled", {"value": True}, session=True)
    devtools.open(urls[0])
    return devtools.evaluate("document.documentElement.outerHTML")


def check_print(devtools, url, many_url, many):
    devtools.call("Emulation.setScriptExecutionDisabled", {"value": False}, session=True)
    devtools.call("Emulation.setEmulatedMedia", {"media": "print"}, session=True)
    devtools.call("Emulation.setDeviceMetricsOverride",
                  {"width": PRINT_W, "height": PRINT_H, "deviceScaleFactor": 1, "mobile": False}, session=True)
    devtools.open(url)
    if devtools.evaluate("matchMedia('print').matches") is not True:
        fail("print media was not emulated")
    wide = devtools.evaluate(
        "(function(){var w=document.documentElement.clientWidth,o=[];"
        "document.querySelectorAll('body *').forEach(function(e){var r=e.getBoundingClientRect();"
        "if(r.right>w+0.5&&(e.id||!e.parentElement.closest('[id]')))o.push((e.id||e.tagName)+':'+"
        "Math.round(r.right));});return [w,document.documentElement.scrollWidth,o.slice(0,8)];})()")
    if wide[0] != PRINT_W or wide[1] > PRINT_W or wide[2]:
        fail("printed, the page is wider than the paper (%d px): %r" % (PRINT_W, wide))
    bottom = devtools.evaluate("document.getElementById('caveat-text').getBoundingClientRect().bottom")
    if not bottom or bottom > PRINT_H:
        fail("printed, the caveat ends at %r px, past the first sheet (%d px)" % (bottom, PRINT_H))
    hidden = devtools.evaluate(
        "Array.prototype.filter.call(document.querySelectorAll('figure, table, #caveat, header'),"
        "function(e){var r=e.getBoundingClientRect(),s=getComputedStyle(e);"
        "return !(r.width>0&&r.height>0&&s.visibility==='visible');}).map(function(e){return e.id||e.tagName;})")
    if hidden:
        fail("printed, these are not drawn: %r" % hidden)
    pdf = base64.b64decode(devtools.call("Page.printToPDF", {}, session=True)["data"])
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    if not pdf.startswith(b"%PDF-") or pages < 2:
        fail("printing made no PDF of the report (%d bytes, %d pages)" % (len(pdf), pages))
    # A page with many inputs, one of them a long name without spaces: all of
    # them printed, nothing wider than the paper.
    devtools.open(many_url)
    shown = devtools.evaluate("(function(){var u=document.querySelector('#m-inputs ul'),"
                              "r=u.getBoundingClientRect();"
                              "return [u.children.length,u.scrollHeight-u.clientHeight,"
                              "document.documentElement.scrollWidth,Math.round(r.right)];})()")
    if shown[0] != many or shown[1] > 1 or shown[2] > PRINT_W or shown[3] > PRINT_W:
        fail("printed, the header does not show all %d inputs within the paper: %r" % (many, shown))
    devtools.call("Emulation.setEmulatedMedia", {"media": ""}, session=True)
    devtools.call("Emulation.clearDeviceMetricsOverride", session=True)


def static_checks(html):
    # Nothing that could fetch: no src or href, no url(), no @import; the
    # only URL is the SVG namespace, which is a name, not a request.
    urls = set(re.findall(r"[a-z][a-z0-9+.-]*://[^\s\"'<>]+", html)) - {"http://www.w3.org/2000/svg"}
    if urls:
        fail("the page names URLs: %s" % sorted(urls))
    for pat in (r"\ssrc\s*=", r"\shref\s*=", r"url\(", r"@import", r"<link", r"<iframe", r"<object", r"<embed"):
        if re.search(pat, html, re.I):
            fail("the page holds %r" % pat)
    if "Content-Security-Policy\" content=\"default-src 'none';" not in html:
        fail("the page has no Content-Security-Policy of default-src 'none'")


def main():
    work = tempfile.mkdtemp(prefix="ps-browser-")
    try:
        return run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work):
    for tool in (CHROMIUM, shutil.which("tidy")):
        if not tool or not os.path.exists(tool):
            fail("%s is not installed (tools/install-deps.sh --test installs chromium and tidy)" % tool)
            return 1
    caps = sorted(os.path.join(CAPS, f) for f in os.listdir(CAPS) if f.endswith((".pcap", ".pcapng")))
    args = []
    for c in caps:
        args += ["-r", c]
    args += ["-q", "--top", "3", "--aggregate", "/24,/64"]
    html_path = os.path.join(work, "report.html")
    # The file name picks the format.
    p = subprocess.run([PORTSNIFF] + args + ["--report-file", html_path], capture_output=True, text=True)
    j = subprocess.run([PORTSNIFF] + args + ["--report=json"], capture_output=True, text=True)
    if p.returncode != 0 or j.returncode != 0:
        fail("portsniff exited %d / %d: %s" % (p.returncode, j.returncode, p.stderr + j.stderr))
        return 1
    html = open(html_path, encoding="utf-8").read()
    if not html.startswith("<!DOCTYPE html>"):
        fail("--report-file report.html did not write HTML")
        return 1
    # Many inputs, one named by 200 characters without a space.
    long_name = os.path.join(work, "x" * 200 + ".pcap")
    os.symlink(os.path.join(CAPS, "dns-udp.pcap"), long_name)
    many = 150
    many_args = sum((["-r", os.path.join(CAPS, "dns-udp.pcap")] for _ in range(many - 1)), ["-r", long_name])
    many_path = os.path.join(work, "many.html")
    m = subprocess.run([PORTSNIFF] + many_args + ["-q", "--report-file", many_path],
                       capture_output=True, text=True)
    if m.returncode != 0:
        fail("portsniff with %d inputs exited %d: %s" % (many, m.returncode, m.stderr))
        return 1
    many_url = "file://" + many_path
    want = report_parse.parse_json_stream(j.stdout)[0]
    caveat = __import__("json").loads(j.stdout)["caveat"]
    static_checks(html)

    t = subprocess.run(["tidy", "-errors", "-quiet", html_path], capture_output=True, text=True)
    if t.returncode != 0 or t.stdout.strip() or t.stderr.strip():
        fail("tidy: exit %d: %s" % (t.returncode, (t.stdout + t.stderr).strip()[:2000]))

    proxy = Proxy()
    url = "file://" + html_path
    dom = chromium(proxy, os.path.join(work, "profile1"), ["--dump-dom", url])
    check_dom(dom, want, caveat)

    shot = os.path.join(work, "report.png")
    chromium(proxy, os.path.join(work, "profile2"),
             ["--hide-scrollbars", "--window-size=1000,1400", "--screenshot=" + shot, url])
    data = open(shot, "rb").read() if os.path.exists(shot) else b""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 20000:
        fail("no screenshot (%d bytes)" % len(data))

    # Over the DevTools protocol: the requests the page makes, and sorting:
    # the flows header of the services table clicked once (descending), the
    # bytes header twice (descending, then ascending).
    devtools = DevTools(proxy, os.path.join(work, "profile3"))
    try:
        requests = devtools.open(url)
        if requests != [url]:
            fail("the page made requests besides loading itself: %r" % requests)
        col = ("(function(i){return Array.prototype.map.call(document.querySelectorAll("
               "'#t-services tbody tr'),function(r){return parseInt(r.cells[i].textContent);});})")
        click = "document.querySelectorAll('#t-services thead button')[%d].click()"
        devtools.evaluate(click % 3)
        by_flows = devtools.evaluate(col + "(3)")
        devtools.evaluate(click % 5)
        devtools.evaluate(click % 5)
        by_bytes = devtools.evaluate(col + "(5)")
        for got, key, descending in ((by_flows, 3, True), (by_bytes, 5, False)):
            if not got or got != sorted((r[key] for r in want["services"]), reverse=descending):
                fail("clicking a header did not sort the services by column %d: %r" % (key, got))
        if sorted(want["services"], key=lambda r: r[3], reverse=True) == want["services"]:
            fail("the services are already in flows order: the sorting check proves nothing")

        # The control: a copy without the Content-Security-Policy that loads an image.
        leak_path = os.path.join(work, "leak.html")
        leaky = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        open(leak_path, "w").write(leaky.replace("</body>", '<img src="http://portsniff-test.invalid/x.png" '
                                                           'alt=""></body>'))
        requests = devtools.open("file://" + leak_path)
        if "http://portsniff-test.invalid/x.png" not in requests:
            fail("the DevTools protocol did not report the control page's request: %r" % requests)

        # Window sizes, scripting off, print; none of it may make a request.
        first = len(devtools.events)
        plain = check_layout(devtools, [url, many_url])
        check_dom(plain, want, caveat, scripted=False)
        check_print(devtools, url, many_url, many)
        requests = [m["params"]["request"]["url"] for m in devtools.events[first:]
                    if m.get("method") == "Network.requestWillBeSent"]
        if set(requests) != {url, many_url}:
            fail("the page made requests besides loading itself: %r" % sorted(set(requests)))
    finally:
        devtools.close()
    proxy.close()
    seen = [proxy_host(r) for r in proxy.requests]
    if "portsniff-test.invalid" not in seen:
        fail("the proxy did not see the control page's request: %r" % proxy.requests)
    others = [r for r, h in zip(proxy.requests, seen)
              if h != "portsniff-test.invalid" and not ("." + h).endswith(BROWSER_HOSTS)]
    if others:
        fail("connections through the proxy besides the browser's own services: %r" % others)

    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

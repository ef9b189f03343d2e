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
clicked in the browser, and tidy must find no error or warning in the page."""
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

        def fds():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)
        self.proc = subprocess.Popen(chromium_flags(proxy, profile) + ["--remote-debugging-pipe", "about:blank"],
                                     pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
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


def check_dom(dom, want, caveat):
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
    if dom.count("<th scope=\"col\" class=\"num\"><button") < 5:
        fail("the table headers were not made sortable")


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

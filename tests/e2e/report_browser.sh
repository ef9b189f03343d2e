#!/usr/bin/env bash
# The HTML report in headless Chromium: figures, caveat, charts, sorting, no network, tidy.
exec python3 "$(dirname "$0")/report_browser.py"

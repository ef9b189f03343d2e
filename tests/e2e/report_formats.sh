#!/bin/bash
# Text, CSV and JSON reports carry the same figures (see report_formats.py).
exec python3 "$(dirname "$0")/report_formats.py"

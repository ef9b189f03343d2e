#!/usr/bin/env bash
# Exact flows, labels and report counts for every capture in captures/.
exec python3 "$(dirname "$0")/captures_expect.py"

"""Read a stream of JSON reports as portsniff writes them one after another
(interval reports, then the final one) to one output."""
import json


def read_reports(path):
    text = open(path).read()
    dec, pos, reports = json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return reports
        obj, pos = dec.raw_decode(text, pos)
        reports.append(obj)

"""The capture files the comparison tools read: files named on the command
line and every capture below named directories, gzip'd ones decompressed to
a scratch copy (libpcap reads no compressed files), shared by
compare_tshark.py and compare_labels.py."""
import gzip
import os
import shutil
import tempfile
from contextlib import contextmanager

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz", ".cap.gz")


def capture_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith(CAPTURE_SUFFIXES):
                        yield os.path.join(root, f)
        else:
            yield p


@contextmanager
def readable_captures(paths, prefix):
    """Yield an iterator of (path as named, path to read or None when missing)."""
    tmpdir = tempfile.mkdtemp(prefix=prefix)

    def each():
        for path in capture_files(paths):
            if not os.path.isfile(path):
                yield path, None
                continue
            real = path
            if path.endswith(".gz"):
                # Both tools get the same decompressed copy.
                real = os.path.join(tmpdir, os.path.basename(path)[:-3])
                with gzip.open(path, "rb") as src, open(real, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            yield path, real

    try:
        yield each()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

#!/usr/bin/env python3
"""Prints what a PNG screenshot holds, as JSON: its size, how many distinct colours it has and the
share of pixels that differ from the most common one (a blank page is one colour, share 0).
Standard library only (zlib); 8-bit greyscale, RGB and RGBA, non-interlaced, as Chromium writes.

usage: png-stats.py FILE.png
"""
import json
import struct
import sys
import zlib
from collections import Counter

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def paeth(left, up, upper_left):
    estimate = left + up - upper_left
    to_left, to_up, to_upper_left = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
    if to_left <= to_up and to_left <= to_upper_left:
        return left
    return up if to_up <= to_upper_left else upper_left


def rows(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG file")
    at, idat, header = 8, [], None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        at += 12 + length
    if header is None:
        raise SystemExit(f"{path}: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in CHANNELS or interlace != 0:
        raise SystemExit(f"{path}: unsupported PNG (bit depth {depth}, colour type {colour}, interlace {interlace})")
    step = CHANNELS[colour]
    stride = width * step
    raw = zlib.decompress(b"".join(idat))
    previous = bytearray(stride)
    out = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for x in range(stride):
            left = line[x - step] if x >= step else 0
            up = previous[x]
            upper_left = previous[x - step] if x >= step else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[x] = (line[x] + paeth(left, up, upper_left)) & 0xFF
        out.append(bytes(line))
        previous = line
    return width, height, step, out


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    width, height, step, lines = rows(sys.argv[1])
    colours = Counter()
    for line in lines:
        for x in range(0, len(line), step):
            colours[line[x:x + step]] += 1
    total = width * height
    most_common = colours.most_common(1)[0][1] if colours else 0
    print(json.dumps({"width": width, "height": height, "colours": len(colours),
                      "non_background_share": (total - most_common) / total if total else 0}))


if __name__ == "__main__":
    main()

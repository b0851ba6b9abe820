#!/usr/bin/env python3
"""Cross-checks the golden bytes with a second independent codec, kio (pip install kio).

For every case in Fixtures/protocol/*.json: kio decodes the hex (all bytes must be consumed) and
re-encodes the value to the same bytes. Cases kio has no schema for are counted as skipped. This does
not involve kscale's Swift code: it checks that the fixtures themselves (made by kafka-python) agree
with another implementation of the Kafka protocol.

Usage: python3 Fixtures/protocol/check_with_kio.py   (exit 1 on any disagreement)
"""
import glob
import importlib
import io
import json
import os
import re
import sys

from kio.serial import entity_reader, entity_writer

HERE = os.path.dirname(os.path.abspath(__file__))


def kio_class(message, version):
    kind = 'request' if message.endswith('Request') else 'response'
    api = message[:-len('Request')] if kind == 'request' else message[:-len('Response')]
    module = re.sub(r'(?<!^)(?=[A-Z])', '_', api).lower()
    try:
        mod = importlib.import_module('kio.schema.%s.v%d.%s' % (module, version, kind))
    except ImportError:
        return None
    return getattr(mod, message, None)


def main():
    checked, skipped, failures = 0, 0, []
    for path in sorted(glob.glob(os.path.join(HERE, '*.json'))):
        with open(path, encoding='utf-8') as f:
            fx = json.load(f)
        for case in fx['cases']:
            cls = kio_class(fx['message'], case['version'])
            if cls is None:
                skipped += 1
                continue
            data = bytes.fromhex(case['hex'])
            label = '%s v%d %s' % (fx['message'], case['version'], case['variant'])
            try:
                value, end = entity_reader(cls)(memoryview(data), 0)
                out = io.BytesIO()
                entity_writer(cls)(out, value)
            except Exception as e:
                failures.append('%s: %s: %s' % (label, type(e).__name__, e))
                continue
            if end != len(data):
                failures.append('%s: kio read %d of %d bytes' % (label, end, len(data)))
            elif out.getvalue() != data:
                failures.append('%s: kio re-encodes differently' % label)
            checked += 1
    for f in failures:
        print('DISAGREE', f)
    print('kio agreed on %d cases, disagreed on %d, had no schema for %d' % (checked - len(failures), len(failures), skipped))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())

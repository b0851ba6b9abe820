#!/usr/bin/env python3
"""Writes golden bytes for kscale's Kafka codecs using an encoder kscale did not write: kafka-python 3.x.

For every message listed in Sources/kafka-codegen/messages.txt (request and response), and every version
that both kafka-python and kscale support, it builds two values from the schema -- "full" (every field
set, unicode strings, non-empty arrays, tagged fields set to non-defaults) and "sparse" (nulls where the
version allows them, empty arrays and strings, tagged fields left at their defaults) -- encodes them with
`encode(version=N)` and writes Fixtures/protocol/<MessageName>.json:

  {"message": ..., "apiKey": ..., "cases": [{"version": N, "variant": ..., "hex": ..., "values": {...},
     "frameHex": ..., "correlationId": ..., "clientId": ...  (full variant only: size + header + body)}],
   "skipped": [{"version": N, "variant": ..., "reason": ...}]}

`values` is keyed by the schema's field names; bytes, records and uuids are hex strings. Only fields that
exist in that version appear. Tests/KafkaProtocolTests/GoldenTests.swift decodes each hex, compares the
result with `values`, re-encodes it and compares the bytes exactly.

Usage: python3 Fixtures/protocol/make_golden.py [SCHEMA_DIR]   (needs: pip install 'kafka-python>=3,<4')
"""
import importlib
import json
import os
import pkgutil
import re
import sys
import uuid

import kafka
import kafka.protocol

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMAS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'kafka-protocol', 'schemas')
OUT = os.path.join(ROOT, 'Fixtures', 'protocol')
INT16_MAX = 32767
# NOT_CONTROLLER, UNKNOWN_TOPIC_OR_PARTITION, NO_REASSIGNMENT_IN_PROGRESS, INVALID_REPLICA_ASSIGNMENT,
# SASL_AUTHENTICATION_FAILED, REQUEST_TIMED_OUT, UNSUPPORTED_VERSION, TOPIC_ALREADY_EXISTS,
# TOPIC_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED, NONE
REAL_ERROR_CODES = [41, 3, 85, 39, 58, 7, 35, 36, 29, 31, 0]


# kscale's own schemas, for messages the shared set lacks (UnregisterBroker); read when SCHEMAS has none.
OWN_SCHEMAS = os.path.join(ROOT, 'Sources', 'kafka-codegen', 'schemas')


def schema_path(name):
    path = os.path.join(SCHEMAS, name + '.json')
    return path if os.path.exists(path) else os.path.join(OWN_SCHEMAS, name + '.json')


def load_schema(name):
    with open(schema_path(name), encoding='utf-8') as f:
        text = f.read()
    return json.loads('\n'.join(line.split('//')[0] for line in text.split('\n')))


def parse_versions(text):
    if text is None or text.strip() in ('', 'none'):
        return None
    text = text.strip()
    if text.endswith('+'):
        return (int(text[:-1]), INT16_MAX)
    if '-' in text:
        lo, hi = text.split('-')
        return (int(lo), int(hi))
    return (int(text), int(text))


def in_range(r, v):
    return r is not None and r[0] <= v <= r[1]


def find_class(name):
    for mod in pkgutil.walk_packages(kafka.protocol.__path__, 'kafka.protocol.'):
        if '.old' in mod.name or 'generate_stubs' in mod.name:
            continue
        try:
            m = importlib.import_module(mod.name)
        except Exception:
            continue
        if hasattr(m, name):
            return getattr(m, name)
    return class_from_schema(name)


def class_from_schema(name):
    """kafka-python's own schema-driven class over our schema, for a message it ships no class for
    (kafka-python 3.0.12 has no UnregisterBroker), so the bytes still come from kafka-python's encoder."""
    sys.path.insert(0, os.path.join(ROOT, 'Tests', 'fidelity'))
    from own_schema_message import message_class
    return message_class(name, schema_path)


class Builder:
    """Builds kafka-python kwargs and the matching JSON values, walking the original schema (for our
    field names) alongside kafka-python's parsed fields (for its names and patched types)."""

    def __init__(self, version, flexible, variant):
        self.version = version
        self.flexible = flexible
        self.variant = variant
        self.counter = 0

    def next(self):
        self.counter += 1
        return self.counter

    def build_struct(self, schema_fields, py_fields, data_class, in_tagged=False):
        kwargs, values = {}, {}
        for sf, pf in zip(schema_fields, py_fields):
            v = self.version
            if not in_range(parse_versions(sf.get('versions')), v):
                continue
            tagged = 'tag' in sf and in_range(parse_versions(sf.get('taggedVersions')), v)
            if tagged and (self.variant == 'sparse' or in_tagged):
                continue  # left at its default, so neither side writes it
            nullable = in_range(parse_versions(sf.get('nullableVersions')), v)
            py_val, js_val = self.value(sf, pf, data_class, nullable, tagged or in_tagged)
            kwargs[pf.name] = py_val
            values[sf['name']] = js_val
        return kwargs, values

    def value(self, sf, pf, data_class, nullable, tagged):
        t = sf['type']
        n = self.next()
        sparse = self.variant == 'sparse' and not tagged
        if pf._type_str == 'bitfield':  # kafka-python patches authorized-operations int32s into bit sets
            if sparse:
                return None, -2147483648
            bits = {n % 8, 8 + n % 5}
            return bits, sum(1 << b for b in bits)
        if t.startswith('[]'):
            elem = t[2:]
            if sparse:
                return (None, None) if nullable else ([], [])
            if elem[0].isupper():
                cls = getattr(data_class, elem)
                py, js = [], []
                for _ in range(2):
                    k, vals = self.build_struct(sf['fields'] if 'fields' in sf else self.common[elem], pf._fields, cls, tagged)
                    py.append(cls(**k))
                    js.append(vals)
                return py, js
            items = [self.scalar(elem, n + i, False)[0] for i in range(3)]
            return items, [self.scalar(elem, n + i, False)[1] for i in range(3)]
        if t[0].isupper():
            cls = getattr(data_class, t)
            if sparse and nullable:
                return None, None
            k, vals = self.build_struct(sf['fields'] if 'fields' in sf else self.common[t], pf._fields, cls, tagged)
            return cls(**k), vals
        if sparse and nullable and t in ('string', 'bytes', 'records'):
            return None, None
        if t == 'int16' and sf['name'].endswith('ErrorCode'):
            # Real codes, so codecs that check error codes (kio) can read the fixtures too.
            code = -1 if sparse else REAL_ERROR_CODES[n % len(REAL_ERROR_CODES)]
            return code, code
        return self.scalar(t, n, sparse, sf.get('default'))

    def scalar(self, t, n, sparse, default=None):
        ints = {'int8': (7, -1), 'int16': (300, -2), 'int32': (70000, -1), 'int64': (1 << 40, -1),
                'uint16': (65000, 0), 'uint32': (4000000000, 0)}
        if t in ints:
            full, low = ints[t]
            val = low if sparse else full + n
            if t == 'int8':
                val = low if sparse else (n % 100) + 1
            if default is not None and str(val) == str(default):
                val += 1
            return val, val
        if t == 'float64':
            val = 0.0 if sparse else n + 0.5
            return val, val
        if t == 'bool':
            val = (not sparse) if default is None else (str(default).lower() != 'true')
            return val, val
        if t == 'string':
            val = '' if sparse else 'k\u00e9\u2713-%d' % n
            return val, val
        if t in ('bytes', 'records'):
            val = b'' if sparse else bytes([1, 2, 3, n % 256])
            return val, val.hex()
        if t == 'uuid':
            val = uuid.UUID(int=0) if sparse else uuid.UUID(int=(n << 64) | 0x0123456789abcdef)
            return val, val.bytes.hex()
        raise ValueError('unknown type ' + t)


def fixtures_for(name):
    schema = load_schema(name)
    cls = find_class(name)
    lo, hi = parse_versions(schema['validVersions'])
    hi = min(hi, cls.max_version)
    flex = parse_versions(schema.get('flexibleVersions'))
    common = {c['name']: c['fields'] for c in schema.get('commonStructs', [])}
    out = {'message': name, 'apiKey': schema['apiKey'], 'kafkaPython': kafka.__version__, 'cases': [], 'skipped': []}
    for version in range(lo, hi + 1):
        for variant in ('full', 'sparse'):
            b = Builder(version, in_range(flex, version), variant)
            b.common = common
            try:
                kwargs, values = b.build_struct(schema['fields'], cls._struct._fields, cls)
                data = cls(version=version, **kwargs).encode(version=version)
            except Exception as e:  # recorded, documented, and covered by round-trip tests instead
                out['skipped'].append({'version': version, 'variant': variant, 'reason': '%s: %s' % (type(e).__name__, e)})
                continue
            case = {'version': version, 'variant': variant, 'hex': data.hex(), 'values': values}
            if variant == 'full':
                # The same body framed as it goes on the wire: int32 size, header, body.
                msg = cls(version=version, **kwargs)
                case['correlationId'] = 1000 + version
                case['clientId'] = 'kscale-\u00e9'
                msg.with_header(correlation_id=case['correlationId'], client_id=case['clientId'])
                case['frameHex'] = msg.encode(header=True, framed=True).hex()  # version set at construction
            out['cases'].append(case)
    return out


def main():
    names = []
    with open(os.path.join(ROOT, 'Sources', 'kafka-codegen', 'messages.txt')) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                names += [line + 'Request', line + 'Response']
    total = 0
    for name in names:
        fx = fixtures_for(name)
        total += len(fx['cases'])
        with open(os.path.join(OUT, name + '.json'), 'w', encoding='utf-8') as f:
            json.dump(fx, f, indent=1, ensure_ascii=False, sort_keys=True)
            f.write('\n')
        if fx['skipped']:
            print('%s: %d cases, skipped %s' % (name, len(fx['cases']), sorted({s['version'] for s in fx['skipped']})))
    print('wrote %d messages, %d cases' % (len(names), total))


if __name__ == '__main__':
    main()

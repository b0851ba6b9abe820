#!/usr/bin/env python3
"""Produces and consumes records on a KafkaSim cluster with kafka-python 3.x (a client kscale did
not write) and prints what it got back as one JSON object. The Swift test
KafkaPythonFidelityTests.kafkaPythonProducesAndConsumes starts the simulator, writes one record
with kscale's own client first, runs this script and asserts on the JSON.

Expects topic "records" (one partition) holding, at offset 0, the record kscale wrote
(key b"kscale", value b"written by kscale").
"""
import argparse
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def consume(bootstrap, tp, **options):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             client_id="fidelity-consumer", consumer_timeout_ms=5000, **options)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    records, polls = [], 0
    while len(records) < 21 and polls < 100:
        polls += 1
        for batch in consumer.poll(timeout_ms=1000, max_records=100).values():
            records.extend(batch)
    out = {
        "records": [{"offset": r.offset, "key": r.key.decode() if r.key is not None else None,
                     "value": r.value.decode() if r.value is not None else None} for r in records],
        "beginning": consumer.beginning_offsets([tp])[tp],
        "end": consumer.end_offsets([tp])[tp],
    }
    consumer.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    args = ap.parse_args()
    tp = TopicPartition("records", 0)
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", linger_ms=0, client_id="fidelity-producer")
    offsets = []
    for i in range(20):
        md = producer.send("records", key=b"k%d" % (i % 5), value=b"value-%d" % i, partition=0).get(timeout=30)
        offsets.append(md.offset)
    producer.flush()
    producer.close()
    out = {"produced_offsets": offsets, "whole": consume(args.bootstrap, tp),
           # A partition limit smaller than any batch: the broker still returns one batch at a time (KIP-74).
           "tiny_fetch": consume(args.bootstrap, tp, max_partition_fetch_bytes=1, fetch_max_bytes=1)}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

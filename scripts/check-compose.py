#!/usr/bin/env python3
"""Checks the compose files statically, since no Docker engine runs in CI: every file parses, every service
and profile is well formed, volumes are mounted only on paths the image owns (a path the image does not
create is made root-owned by Docker and Kafka's appuser cannot format storage there), log dirs are mounted,
node ids, rack, host ports and advertised listeners agree, quorum voters are controller nodes of the file,
and integration.sh knows every file. `--self-test` checks the checker catches each kind of mistake.

Usage: scripts/check-compose.py [--self-test]"""
import copy
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = ["docker-compose.yml", "compose/zookeeper-3.3.yml", "compose/combined.yml"]
# Paths each image creates and gives to the user it runs as.
OWNED_PATHS = {
    "apache/kafka": {"/var/lib/kafka/data"},
    "confluentinc/cp-kafka": {"/var/lib/kafka/data"},
    "confluentinc/cp-zookeeper": {"/var/lib/zookeeper/data", "/var/lib/zookeeper/log"},
}
PROFILES = {"scale-out"}
SPARES = {7, 8, 9}
BROKER = re.compile(r"^broker-(\d+)$")


def load(path):
    text = open(os.path.join(ROOT, path)).read()
    # Compose's ${VAR:-default}: check the defaults.
    text = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)
    return yaml.safe_load(text)


def image_name(image):
    return image.rsplit(":", 1)[0] if image else ""


def problems(doc, path):
    found = []
    services = doc.get("services") or {}
    declared_volumes = set((doc.get("volumes") or {}).keys())
    if not services:
        return [f"{path}: no services"]
    node_ids = {}
    for name, service in services.items():
        where = f"{path}: service {name}"
        image = service.get("image")
        owned = OWNED_PATHS.get(image_name(image))
        if owned is None:
            found.append(f"{where}: image {image!r} is not one the check knows the owned paths of")
            owned = set()
        env = service.get("environment") or {}
        mounts = []
        for volume in service.get("volumes") or []:
            source, _, target = str(volume).partition(":")
            target = target.split(":")[0]
            mounts.append(target)
            if source not in declared_volumes:
                found.append(f"{where}: volume {source!r} is not declared under volumes:")
            if target not in owned:
                found.append(f"{where}: volume mounted at {target}, which {image_name(image)} does not own "
                             f"(it owns {', '.join(sorted(owned)) or 'nothing known'})")
        log_dirs = env.get("KAFKA_LOG_DIRS")
        if log_dirs is not None and str(log_dirs) not in mounts:
            found.append(f"{where}: KAFKA_LOG_DIRS {log_dirs} is not a mounted volume")
        for profile in service.get("profiles") or []:
            if profile not in PROFILES:
                found.append(f"{where}: unknown profile {profile!r}")
        for dependency in (service.get("depends_on") or {}):
            if dependency not in services:
                found.append(f"{where}: depends on {dependency!r}, which the file does not define")
        node = env.get("KAFKA_NODE_ID", env.get("KAFKA_BROKER_ID"))
        if node is not None:
            if node in node_ids:
                found.append(f"{where}: node id {node} also used by {node_ids[node]}")
            node_ids[node] = name
        match = BROKER.match(name)
        if match:
            broker = int(match.group(1))
            if node != broker:
                found.append(f"{where}: node id {node}, expected {broker} (tests stop broker-N by id)")
            if "KAFKA_BROKER_RACK" not in env:
                found.append(f"{where}: no KAFKA_BROKER_RACK")
            port = f"1909{broker}"
            if service.get("ports") != [f"127.0.0.1:{port}:9094"]:
                found.append(f"{where}: ports {service.get('ports')}, expected 127.0.0.1:{port}:9094")
            if f"EXTERNAL://localhost:{port}" not in str(env.get("KAFKA_ADVERTISED_LISTENERS", "")):
                found.append(f"{where}: does not advertise EXTERNAL://localhost:{port}")
            spare = broker in SPARES
            if spare != ("scale-out" in (service.get("profiles") or [])):
                found.append(f"{where}: the scale-out profile is for spares 7-9 only")
    for name, service in services.items():
        env = service.get("environment") or {}
        voters = env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")
        if not voters:
            continue
        for voter in str(voters).split(","):
            node, _, host = voter.partition("@")
            host = host.split(":")[0]
            target = services.get(host)
            if target is None:
                found.append(f"{path}: service {name}: voter {voter} names no service of the file")
                continue
            target_env = target.get("environment") or {}
            if str(target_env.get("KAFKA_NODE_ID")) != node or "controller" not in str(target_env.get("KAFKA_PROCESS_ROLES")):
                found.append(f"{path}: service {name}: voter {voter} is not controller node {node}")
    return found


def check_all():
    found = []
    integration = open(os.path.join(ROOT, "scripts/integration.sh")).read()
    for path in FILES:
        try:
            doc = load(path)
        except (OSError, yaml.YAMLError) as error:
            found.append(f"{path}: {error}")
            continue
        found += problems(doc, path)
        if path not in integration:
            found.append(f"scripts/integration.sh does not run {path}")
    return found


def self_test():
    doc = load("docker-compose.yml")
    assert not problems(doc, "docker-compose.yml"), problems(doc, "docker-compose.yml")
    mistakes = {
        "controller log dir the image does not own": lambda d: d["services"]["controller-1"].update(
            volumes=["controller-1:/var/lib/kafka/metadata"]),
        "log dirs not mounted": lambda d: d["services"]["broker-1"]["environment"].update(KAFKA_LOG_DIRS="/tmp/x"),
        "duplicate node id": lambda d: d["services"]["broker-2"]["environment"].update(KAFKA_NODE_ID=1),
        "wrong host port": lambda d: d["services"]["broker-3"].update(ports=["127.0.0.1:19099:9094"]),
        "voter that is not a controller": lambda d: d["services"]["broker-1"]["environment"].update(
            KAFKA_CONTROLLER_QUORUM_VOTERS="1@broker-1:9093"),
        "spare outside the profile": lambda d: d["services"]["broker-7"].pop("profiles"),
        "undeclared volume": lambda d: d["services"]["broker-4"].update(volumes=["nowhere:/var/lib/kafka/data"]),
    }
    for mistake, apply in mistakes.items():
        broken = copy.deepcopy(doc)
        apply(broken)
        if not problems(broken, "docker-compose.yml"):
            sys.exit(f"check-compose self-test: did not catch {mistake}")
    print(f"check-compose self-test: caught all {len(mistakes)} kinds of mistake")


if __name__ == "__main__":
    if "--self-test" in sys.argv:
        self_test()
    found = check_all()
    for problem in found:
        print(f"check-compose: {problem}", file=sys.stderr)
    if found:
        sys.exit(1)
    print(f"check-compose: {len(FILES)} compose files OK")

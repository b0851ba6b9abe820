import Foundation
import KScaleCore
import KScaleExec
import Testing

/// A temporary directory with recording `kubectl` and `docker` scripts: each call appends its
/// argv (the program's name, then its arguments, tab-separated) to `calls`, `get kafkanodepool
/// POOL` answers `pool.json`, a list (`get kafkanodepool -n ...`) answers `pools.json`, and a file
/// `fail-VERB` makes that verb fail with exit 3 and a message.
struct RecordingTools {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-prov-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let script = """
        #!/bin/sh
        here=$(dirname "$0")
        { printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> "$here/calls"
        for a in "$@"; do
          if [ -f "$here/fail-$a" ]; then echo "error: $a refused by the recording tool" >&2; exit 3; fi
        done
        if [ "$1" = get ] && [ "$2" = kafkanodepool ]; then
          if [ "$3" = -n ]; then cat "$here/pools.json"; else cat "$here/pool.json"; fi
        fi
        exit 0
        """
        for name in ["kubectl", "docker"] {
            let file = dir.appendingPathComponent(name)
            try script.write(to: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        }
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }

    /// The recording tools first, then the usual PATH (for /bin/sh's own tools).
    var runner: ProvisionRunner { ProvisionRunner(searchPath: dir.path + ":/usr/bin:/bin") }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Every call so far, each as its argv.
    func calls() -> [[String]] {
        let text = (try? String(contentsOf: dir.appendingPathComponent("calls"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    static func pool(replicas: Int, nodeIDs: [Int], annotations: [String: String] = [:]) -> String {
        let object: [String: Any] = [
            "apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaNodePool",
            "metadata": ["name": "brokers", "namespace": "kafka", "labels": ["strimzi.io/cluster": "my-cluster"], "annotations": annotations],
            "spec": ["replicas": replicas, "roles": ["broker"]],
            "status": ["nodeIds": nodeIDs, "replicas": replicas],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite struct StrimziProvisionerTests {
    static let kubectlGet = ["kubectl", "get", "kafkanodepool", "brokers", "-n", "kafka", "-o", "json"]
    static func patch(_ n: Int) -> [String] {
        ["kubectl", "patch", "kafkanodepool", "brokers", "-n", "kafka", "--type", "merge", "-p", "{\"spec\":{\"replicas\":\(n)}}"]
    }

    func provisioner(_ tools: RecordingTools) -> any BrokerProvisioner {
        makeProvisioner(.strimzi(namespace: "kafka", pool: "brokers", kubectl: nil), runner: tools.runner)
    }

    @Test func scaleOutPredictsTheLowestUnusedIdsOfTheClusterAndPatchesReplicas() async throws {
        let tools = try RecordingTools()
        defer { tools.remove() }
        try tools.write("pool.json", RecordingTools.pool(replicas: 3, nodeIDs: [0, 1, 2]))
        // Another pool of the same cluster holds 3 and 5: Strimzi's ids are cluster-wide.
        try tools.write("pools.json", "{\"items\":[\(RecordingTools.pool(replicas: 3, nodeIDs: [0, 1, 2])),\(RecordingTools.pool(replicas: 2, nodeIDs: [3, 5]))]}")
        let p = provisioner(tools)
        #expect(p.kind == "strimzi")
        let requests = [ProvisionRequest(id: 10, rack: "a"), ProvisionRequest(id: 11, rack: "b"), ProvisionRequest(id: 12, rack: "c")]
        #expect(try await p.idsToAdd(requests) == [4, 6, 7])
        let steps = try await p.run(.add(requests))
        #expect(steps.map(\.command) == [Self.kubectlGet, Self.patch(6)])
        #expect(steps.allSatisfy { $0.exitCode == 0 })
        // The read is summarised in the step, not kept whole.
        #expect(steps[0].output == "spec.replicas 3, status.nodeIds [0,1,2]")
        #expect(tools.calls() == [
            Self.kubectlGet,
            ["kubectl", "get", "kafkanodepool", "-n", "kafka", "-l", "strimzi.io/cluster=my-cluster", "-o", "json"],
            Self.kubectlGet, Self.patch(6),
        ])
    }

    @Test func anAddRunAgainPatchesToTheSameSize() async throws {
        // The autoscaler crashed after the patch to 6 and before recording it; on restart it runs
        // the same add. Strimzi has not reconciled yet (nodes 0-2, spec 6), then has (nodes 0-2,4,6,7).
        let requests = [ProvisionRequest(id: 4, rack: "a"), ProvisionRequest(id: 6, rack: "b"), ProvisionRequest(id: 7, rack: "c")]
        for nodes in [[0, 1, 2], [0, 1, 2, 4, 6, 7]] {
            let tools = try RecordingTools()
            defer { tools.remove() }
            try tools.write("pool.json", RecordingTools.pool(replicas: 6, nodeIDs: nodes))
            let steps = try await provisioner(tools).run(.add(requests))
            #expect(steps.map(\.command) == [Self.kubectlGet, Self.patch(6)], "nodes \(nodes): never N + 2k")
        }
    }

    @Test func scaleOutTakesTheNextNodeIdsAnnotationFirst() async throws {
        let tools = try RecordingTools()
        defer { tools.remove() }
        let pool = RecordingTools.pool(replicas: 2, nodeIDs: [100, 102], annotations: ["strimzi.io/next-node-ids": "[100-103]"])
        try tools.write("pool.json", pool)
        try tools.write("pools.json", "{\"items\":[\(pool)]}")
        // 101 and 103 from the range, then the lowest unused ids.
        let requests = (1...3).map { ProvisionRequest(id: BrokerID(200 + $0), rack: nil) }
        #expect(try await provisioner(tools).idsToAdd(requests) == [101, 103, 0])
    }

    @Test func scaleInNamesTheDrainedIdsWithTheRemoveAnnotationBeforeThePatch() async throws {
        let tools = try RecordingTools()
        defer { tools.remove() }
        try tools.write("pool.json", RecordingTools.pool(replicas: 5, nodeIDs: [0, 1, 2, 3, 4]))
        let p = provisioner(tools)
        // The decision's candidates are the pool's: those are removed, named by the annotation.
        #expect(try await p.idsToRemove(count: 2, candidates: [1, 3]) == [1, 3])
        // Candidates of another pool: Strimzi's own choice, the highest ids, to drain instead.
        #expect(try await p.idsToRemove(count: 2, candidates: [7, 8]) == [4, 3])
        let before = tools.calls().count
        let steps = try await p.run(.remove([1, 3]))
        let annotate = ["kubectl", "annotate", "kafkanodepool", "brokers", "-n", "kafka", "--overwrite", "strimzi.io/remove-node-ids=[1,3]"]
        #expect(Array(tools.calls().dropFirst(before)) == [Self.kubectlGet, annotate, Self.patch(3)])
        #expect(steps.map(\.command) == [Self.kubectlGet, annotate, Self.patch(3)])
        #expect(p.plannedSteps(.remove([1, 3])).map(\.command).prefix(2) == [Self.kubectlGet, annotate])
    }

    @Test func scaleInOfIdsNotInThePoolChangesNothing() async throws {
        let tools = try RecordingTools()
        defer { tools.remove() }
        try tools.write("pool.json", RecordingTools.pool(replicas: 3, nodeIDs: [0, 1, 2]))
        let failure = await #expect(throws: ProvisionFailure.self) { try await provisioner(tools).run(.remove([2, 9])) }
        #expect(failure?.message.contains("broker(s) 9 are not nodes of KafkaNodePool brokers") == true)
        #expect(tools.calls() == [Self.kubectlGet])
    }

    @Test func aFailingPatchIsAProvisionFailureWithItsExitCodeAndOutput() async throws {
        let tools = try RecordingTools()
        defer { tools.remove() }
        try tools.write("pool.json", RecordingTools.pool(replicas: 3, nodeIDs: [0, 1, 2]))
        try tools.write("fail-patch", "")
        let failure = await #expect(throws: ProvisionFailure.self) {
            try await provisioner(tools).run(.add([ProvisionRequest(id: 3, rack: nil)]))
        }
        #expect(failure?.steps.map(\.command) == [Self.kubectlGet, Self.patch(4)])
        #expect(failure?.steps.last?.exitCode == 3)
        #expect(failure?.steps.last?.output?.contains("error: patch refused by the recording tool") == true)
    }

    @Test func annotationIdsParse() {
        #expect(StrimziProvisioner.parseIDs("[3]") == [3])
        #expect(StrimziProvisioner.parseIDs("[3, 4, 5]") == [3, 4, 5])
        #expect(StrimziProvisioner.parseIDs("[2, 4-6]") == [2, 4, 5, 6])
        #expect(StrimziProvisioner.parseIDs("3,4") == nil)
        #expect(StrimziProvisioner.parseIDs("[6-4]") == nil)
    }
}

@Suite struct ComposeProvisionerTests {
    @Test func addStartsTheServicesAndRemoveStopsThenRemovesThem() async throws {
        let tools = try RecordingTools()
        defer { tools.remove() }
        let p = makeProvisioner(.compose(file: "/srv/kafka/compose.yml", service: "kafka-{id}"), runner: tools.runner)
        #expect(p.kind == "compose")
        let add = ProvisionAction.add([ProvisionRequest(id: 4, rack: "a"), ProvisionRequest(id: 5, rack: "b")])
        #expect(try await p.idsToAdd([ProvisionRequest(id: 4, rack: "a")]) == [4])
        _ = try await p.run(add)
        _ = try await p.run(.remove([4, 5]))
        let compose = ["docker", "compose", "-f", "/srv/kafka/compose.yml"]
        let expected = [compose + ["up", "-d", "kafka-4", "kafka-5"], compose + ["stop", "kafka-4", "kafka-5"], compose + ["rm", "-f", "kafka-4", "kafka-5"]]
        #expect(tools.calls() == expected)
        // The dry run's steps are the commands that ran.
        #expect((p.plannedSteps(add) + p.plannedSteps(.remove([4, 5]))).map(\.command) == expected)
    }

    @Test func withoutAFileAndWhenStopFails() async throws {
        let tools = try RecordingTools()
        defer { tools.remove() }
        try tools.write("fail-stop", "")
        let p = makeProvisioner(.compose(file: nil, service: "broker{id}"), runner: tools.runner)
        let failure = await #expect(throws: ProvisionFailure.self) { try await p.run(.remove([7])) }
        // rm never ran after the failed stop.
        #expect(tools.calls() == [["docker", "compose", "stop", "broker7"]])
        #expect(failure?.steps.count == 1)
        #expect(failure?.steps.first?.exitCode == 3)
        #expect(failure?.message.contains("exited 3") == true)
        #expect(p.plannedSteps(.add([])).isEmpty)
    }
}

@Suite struct CommandProvisionerTests {
    @Test func perBrokerTemplatesRunOncePerBrokerWithQuotedValuesAndStopAtAFailure() async throws {
        let tools = try RecordingTools()
        defer { tools.remove() }
        let script = tools.dir.appendingPathComponent("add-broker.sh")
        try """
        #!/bin/sh
        echo "making broker $1 in rack [$2] of $3" >> "$(dirname "$0")/made"
        if [ "$1" = 5 ]; then echo "no capacity left for broker $1" >&2; exit 4; fi
        echo "broker $1 is up"
        """.write(to: script, atomically: true, encoding: .utf8)
        let p = makeProvisioner(.command(add: "sh \(script.path) {id} {rack} {count}", remove: "true"), runner: tools.runner)
        let requests = [ProvisionRequest(id: 4, rack: "eu west'1; rm -rf x"), ProvisionRequest(id: 5, rack: "b"), ProvisionRequest(id: 6, rack: "c")]
        let failure = await #expect(throws: ProvisionFailure.self) { try await p.run(.add(requests)) }
        let made = try String(contentsOf: tools.dir.appendingPathComponent("made"), encoding: .utf8)
        // The rack reached the script as one word, quote and semicolon included; 6 never ran.
        #expect(made == "making broker 4 in rack [eu west'1; rm -rf x] of 3\nmaking broker 5 in rack [b] of 3\n")
        #expect(failure?.steps.count == 2)
        #expect(failure?.steps[0].exitCode == 0)
        #expect(failure?.steps[0].output == "broker 4 is up\n")
        #expect(failure?.steps[1].exitCode == 4)
        #expect(failure?.steps[1].output?.contains("no capacity left for broker 5") == true)
        #expect(failure?.steps[1].command == ["/bin/sh", "-c", "sh \(script.path) '5' 'b' '3'"])
        #expect(failure?.message.contains("exited 4: no capacity left for broker 5") == true)
    }

    @Test func aCountOnlyTemplateRunsOnceForTheAction() async throws {
        let tools = try RecordingTools()
        defer { tools.remove() }
        let out = tools.dir.appendingPathComponent("count").path
        let p = makeProvisioner(.command(add: "echo add {count} >> \(out)", remove: "echo remove {id} >> \(out)"), runner: tools.runner)
        let steps = try await p.run(.add([ProvisionRequest(id: 4, rack: nil), ProvisionRequest(id: 5, rack: nil)]))
        #expect(steps.count == 1)
        #expect(try await p.run(.remove([4, 5])).count == 2)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "add 2\nremove 4\nremove 5\n")
        #expect(p.plannedSteps(.remove([4])).map(\.command) == [["/bin/sh", "-c", "echo remove '4' >> \(out)"]])
    }

    @Test func outputIsBoundedFromItsEnd() async throws {
        let runner = ProvisionRunner(searchPath: "/usr/bin:/bin", outputLimit: 100)
        let step = await runner.run(["/bin/sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line $i; i=$((i+1)); done; echo last"])
        #expect(step.exitCode == 0)
        #expect(step.output?.hasSuffix("line 199\nlast\n") == true)
        #expect(step.output?.hasPrefix("[") == true)
        #expect((step.output?.utf8.count ?? 0) < 140)
        let missing = await runner.run(["kscale-no-such-tool"])
        #expect(missing.exitCode == 127)
    }
}

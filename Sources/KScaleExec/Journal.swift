import Foundation
import KScaleCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of a run's journal. A flat record (rather than an enum with payloads) keeps every line
/// readable by `jq` and lets later versions add fields without breaking older journals.
public struct JournalRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The run's identity and settings; the first line.
        case run
        case plan, rollback
        /// Ledger: a broker rate about to be set, with the value it replaces (write-ahead).
        case rate
        case rateRestored = "rate-restored"
        /// Ledger: topic throttled-replica entries about to be appended for one partition (write-ahead).
        case replicas
        case replicasRemoved = "replicas-removed"
        /// A broker's per-broker cordon about to be lifted because the run moves replicas onto it,
        /// with the value it had (write-ahead; `CordonLift`).
        case cordonLifted = "cordon-lifted"
        /// A lifted cordon set back to its value (cancel).
        case cordonRestored = "cordon-restored"
        /// A partition's state transition.
        case partition
        /// The run ended: `state` is completed, cancelled or verified.
        case end
        /// Free text worth keeping (stall reports, throttle steps).
        case note
    }

    public var type: Kind
    public var at: Double
    public var runID: String?
    public var bootstrap: String?
    public var commandConfig: String?
    public var options: RunOptions?
    public var partitions: [PlanLine]?
    public var broker: BrokerID?
    public var topic: String?
    public var key: String?
    public var previous: String?
    /// A rate record whose value before the run could not be read (Kafka 2.4-2.5 report throttle
    /// rates as sensitive, without a value): the undo leaves the rate and reports it.
    public var previousUnknown: Bool?
    public var value: String?
    public var entries: [String]?
    public var partition: Int32?
    public var state: String?
    public var from: [BrokerID]?
    public var to: [BrokerID]?
    public var bytes: Int64?
    public var detail: String?

    public init(_ type: Kind, at: Double) {
        self.type = type
        self.at = at
    }

    /// A plan line as the journal stores it (the same fields as Kafka's reassignment JSON).
    /// `log_dirs` only when the line names a directory: "any", the default, is left out, so a
    /// plan read back from the journal asks for the same as the one journaled.
    public struct PlanLine: Codable, Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public var replicas: [BrokerID]
        public var logDirs: [String]?
        /// kscale's own: one replica's size when the run began (the plan record only), so
        /// progress counts a partition that has not started in its total.
        public var bytes: Int64?
        /// The plan's record of the partition's replicas when it was made (`original_replicas`,
        /// docs/planner.md), kept so a resume judges drift for partitions not yet started. Absent
        /// in journals written before it was kept, and for plans that do not record it.
        public var originalReplicas: [BrokerID]?

        enum CodingKeys: String, CodingKey {
            case topic, partition, replicas, bytes
            case logDirs = "log_dirs"
            case originalReplicas = "original_replicas"
        }
    }

    static func lines(_ plan: ReassignmentPlan, sizes: [TopicPartition: Int64] = [:]) -> [PlanLine] {
        plan.partitions.map {
            PlanLine(topic: $0.topic, partition: $0.partition, replicas: $0.replicas, logDirs: $0.namedLogDirs, bytes: sizes[$0.topicPartition],
                     originalReplicas: $0.originalReplicas)
        }
    }

    static func plan(_ lines: [PlanLine]?) -> ReassignmentPlan? {
        lines.map {
            ReassignmentPlan(partitions: $0.map {
                PartitionAssignment(topic: $0.topic, partition: $0.partition, replicas: $0.replicas, logDirs: $0.logDirs,
                                    originalReplicas: $0.originalReplicas)
            })
        }
    }
}

/// The append-only journal of one run: JSON lines, each fsynced before the action it describes is
/// taken, so a process killed at any instant leaves a journal that says at least what it did.
public final class Journal: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let lock = NSLock()

    /// Opens (creating) the journal for appending. A torn last line, left by a crash in the middle
    /// of a write, is cut off first so the next record starts on a line of its own.
    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        try StateFiles.makeDirectories(dir)
        let existed = FileManager.default.fileExists(atPath: path)
        let fd = StateFiles.openFile(path, O_RDWR | O_APPEND)
        guard fd >= 0 else { throw LocalIOError("cannot open journal", path: path) }
        self.fd = fd
        if existed { try Self.cutTornTail(fd: fd, path: path) } else { Self.syncDirectory(dir) }
    }

    deinit { close(fd) }

    /// Appends one record and waits for it to reach the disk.
    public func append(_ record: JournalRecord) throws { try appendLine(record) }

    /// Appends one line of any record type (a run's `JournalRecord`, a flow's `FlowRecord`) and
    /// waits for it to reach the disk.
    func appendLine<Record: Encodable>(_ record: Record) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(record)
        data.append(0x0A)
        lock.lock()
        defer { lock.unlock() }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count else { throw LocalIOError("cannot write journal", path: path, errno: written < 0 ? errno : EIO) }
        guard fsync(fd) == 0 else { throw LocalIOError("cannot fsync journal", path: path) }
    }

    /// Every complete record of a journal. A last line that does not decode is a torn write and is
    /// skipped; a bad line anywhere else means the file was damaged, which is refused.
    public static func read(path: String) throws -> [JournalRecord] { try read(JournalRecord.self, path: path) }

    /// The same for a journal of another record type (a flow's).
    static func read<Record: Decodable>(_ type: Record.Type, path: String) throws -> [Record] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InvalidInput("no journal at \(path)")
        }
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        let decoder = JSONDecoder()
        var records: [Record] = []
        for (i, line) in lines.enumerated() {
            if line.isEmpty { continue }
            do {
                records.append(try decoder.decode(Record.self, from: Data(line)))
            } catch {
                if i == lines.count - 1 { break }
                throw InvalidInput("journal \(path) is damaged at line \(i + 1) (not a torn last line): \(error)")
            }
        }
        return records
    }

    private static func cutTornTail(fd: Int32, path: String) throws {
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return }
        var last: UInt8 = 0
        guard pread(fd, &last, 1, size - 1) == 1 else { return }
        if last == 0x0A { return }
        // Find the last newline and drop everything after it.
        var cut: off_t = 0
        var pos = size - 1
        var byte: UInt8 = 0
        while pos > 0 {
            pos -= 1
            if pread(fd, &byte, 1, pos) == 1, byte == 0x0A { cut = pos + 1; break }
        }
        guard ftruncate(fd, cut) == 0, fsync(fd) == 0 else {
            throw LocalIOError("cannot repair the torn last line of journal", path: path)
        }
    }

    private static func syncDirectory(_ dir: String) {
        let dfd = open(dir, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}

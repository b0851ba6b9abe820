import Foundation
import KScaleCore

/// Snapshot and plan files on disk. A name ending in `.zst` is read and written zstd-compressed.
public enum KScaleFiles {
    /// The most bytes a snapshot or plan may hold once decompressed, unless the operator says
    /// more (`--max-input-size`): a few times the largest sane input (a 10-million-replica
    /// snapshot is about 300 MB of JSON).
    public static let defaultMaxInputBytes = 1 << 30

    /// Reads a file (decompressing `.zst`), refusing one whose content passes `maxBytes`.
    public static func read(_ path: String, what: String, maxBytes: Int = defaultMaxInputBytes) throws -> Data {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxBytes {
            throw InvalidInput("\(what) file \(path) holds \(ByteUnits.format(Int64(size))), more than the input size limit of \(ByteUnits.format(Int64(maxBytes))); if it is real, raise --max-input-size")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InvalidInput("cannot read \(what) file \(path): no such file or not readable")
        }
        guard path.hasSuffix(".zst") else { return data }
        do {
            return try Zstd.decompress(data, limit: maxBytes)
        } catch let e as InvalidInput {
            throw InvalidInput("\(what) file \(path) \(e.message)")
        }
    }

    /// Writes beside `path` and renames over it, so a reader never sees half a file. Through POSIX,
    /// so a failure names the system's reason (Foundation on Linux says "the file doesn't exist"
    /// for a directory that is a file).
    public static func write(_ data: Data, to path: String, what: String) throws {
        let bytes = path.hasSuffix(".zst") ? try Zstd.compress(data) : data
        let operation = "cannot write \(what) file"
        let temporary = path + ".kscale-\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw LocalIOError(operation, path: path) }
        var failure = writeAll(bytes, to: fd)
        if failure == nil, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == nil { failure = errno }
        if failure == nil, rename(temporary, path) != 0 { failure = errno }
        if let failure {
            unlink(temporary)
            throw LocalIOError(operation, path: path, errno: failure)
        }
    }

    /// Makes the directory `path` (and its parents) when it does not exist; a failure names the
    /// path and the system's reason.
    public static func createDirectory(_ path: String, what: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw LocalIOError("cannot make \(what) directory", path: path, errno: EEXIST) }
            return
        }
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST { throw LocalIOError("cannot make \(what) directory", path: path) }
        }
    }

    public static func readSnapshot(_ path: String, maxBytes: Int = defaultMaxInputBytes) throws -> ClusterSnapshot {
        do {
            return try ClusterSnapshot.decode(read(path, what: "snapshot", maxBytes: maxBytes))
        } catch let e as InvalidInput {
            throw e.message.hasPrefix("cannot read") || e.message.contains(path) ? e : InvalidInput("\(path): \(e.message)")
        }
    }

    public static func readPlan(_ path: String) throws -> ReassignmentPlan {
        do {
            return try ReassignmentPlan.decode(read(path, what: "plan"))
        } catch let e as InvalidInput {
            throw e.message.hasPrefix("cannot read") || e.message.contains(path) ? e : InvalidInput("\(path): \(e.message)")
        }
    }

    /// A `--broker-capacity` file (kscale's layout or Cruise Control's capacity.json).
    public static func readCapacities(_ path: String) throws -> BrokerCapacities {
        do {
            return try BrokerCapacities.decode(read(path, what: "broker capacity file"))
        } catch let e as InvalidInput {
            throw e.message.hasPrefix("cannot read") || e.message.contains(path) ? e : InvalidInput("\(path): \(e.message)")
        }
    }

    /// A snapshot, with a capacity file's capacities on its brokers when one is given.
    public static func readSnapshot(_ path: String, capacities: String?, maxBytes: Int = defaultMaxInputBytes) throws -> ClusterSnapshot {
        let snapshot = try readSnapshot(path, maxBytes: maxBytes)
        guard let capacities else { return snapshot }
        return snapshot.withCapacities(try readCapacities(capacities))
    }

    public static func writeSnapshot(_ s: ClusterSnapshot, to path: String) throws {
        try write(s.encoded(), to: path, what: "snapshot")
    }

    public static func writePlan(_ p: ReassignmentPlan, to path: String) throws {
        try write(p.encoded(), to: path, what: "plan")
    }
}

/// Writes every byte to `fd`; the errno when it cannot.
private func writeAll(_ bytes: Data, to fd: Int32) -> Int32? {
    bytes.withUnsafeBytes { buffer -> Int32? in
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return written < 0 ? errno : EIO
            }
        }
        return nil
    }
}

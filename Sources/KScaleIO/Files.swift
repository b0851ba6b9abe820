import Foundation
import KScaleCore

/// Snapshot and plan files on disk. A name ending in `.zst` is read and written zstd-compressed.
public enum KScaleFiles {
    public static func read(_ path: String, what: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InvalidInput("cannot read \(what) file \(path): no such file or not readable")
        }
        return path.hasSuffix(".zst") ? try Zstd.decompress(data) : data
    }

    public static func write(_ data: Data, to path: String, what: String) throws {
        let bytes = path.hasSuffix(".zst") ? try Zstd.compress(data) : data
        do {
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw InvalidInput("cannot write \(what) file \(path): \(error.localizedDescription)")
        }
    }

    public static func readSnapshot(_ path: String) throws -> ClusterSnapshot {
        do {
            return try ClusterSnapshot.decode(read(path, what: "snapshot"))
        } catch let e as InvalidInput {
            throw e.message.hasPrefix("cannot read") ? e : InvalidInput("\(path): \(e.message)")
        }
    }

    public static func readPlan(_ path: String) throws -> ReassignmentPlan {
        do {
            return try ReassignmentPlan.decode(read(path, what: "plan"))
        } catch let e as InvalidInput {
            throw e.message.hasPrefix("cannot read") ? e : InvalidInput("\(path): \(e.message)")
        }
    }

    public static func writeSnapshot(_ s: ClusterSnapshot, to path: String) throws {
        try write(s.encoded(), to: path, what: "snapshot")
    }

    public static func writePlan(_ p: ReassignmentPlan, to path: String) throws {
        try write(p.encoded(), to: path, what: "plan")
    }
}

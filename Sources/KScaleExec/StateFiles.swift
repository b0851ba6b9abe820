import Foundation
import KScaleCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How kscale creates what it keeps under its state root (run directories, journals, locks,
/// progress reports): for its owner only, directories 0700 and files 0600, whatever the umask,
/// because a journal names hosts, topics and the `--command-config` path. The mode is set
/// explicitly after creation (a umask can only take bits away, and a lax one would leave 0755).
/// What already exists keeps its mode: an operator's own `--state-dir` is theirs to set.
enum StateFiles {
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    /// `mkdir -p`, each directory it creates 0700, failing with the errno of the step that failed.
    static func makeDirectories(_ dir: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue { return }
        let parent = (dir as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != dir { try makeDirectories(parent) }
        if mkdir(dir, directoryMode) == 0 {
            guard chmod(dir, directoryMode) == 0 else { throw LocalIOError("cannot make the state directory owner-only", path: dir) }
        } else if errno != EEXIST {
            throw LocalIOError("cannot create state directory", path: dir)
        }
    }

    /// Opens `path` with `flags` (O_CREAT is implied), creating it 0600 when it does not exist.
    /// Returns the descriptor, or -1 with `errno` set.
    static func openFile(_ path: String, _ flags: Int32) -> Int32 {
        let created = open(path, flags | O_CREAT | O_EXCL, fileMode)
        if created >= 0 {
            guard fchmod(created, fileMode) == 0 else {
                let failure = errno
                close(created)
                errno = failure
                return -1
            }
            return created
        }
        guard errno == EEXIST else { return -1 }
        return open(path, flags & ~O_CREAT)
    }

    /// Replaces `path` with `data`: written to a 0600 file beside it, then renamed over it, so a
    /// reader sees the old content or the new, never half of it.
    static func replace(_ path: String, with data: Data) throws {
        let temporary = path + ".kscale-\(getpid()).tmp"
        unlink(temporary)
        let fd = openFile(temporary, O_WRONLY | O_TRUNC)
        guard fd >= 0 else { throw LocalIOError("cannot write", path: temporary) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let failure: Int32? = written == data.count ? nil : (written < 0 ? errno : EIO)
        close(fd)
        if let failure {
            unlink(temporary)
            throw LocalIOError("cannot write", path: temporary, errno: failure)
        }
        guard rename(temporary, path) == 0 else {
            let failure = errno
            unlink(temporary)
            throw LocalIOError("cannot replace", path: path, errno: failure)
        }
    }
}

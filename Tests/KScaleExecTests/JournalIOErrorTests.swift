import Foundation
import Testing
import KScaleCore
@testable import KScaleExec

/// A journal or run directory the disk will not take is a local I/O failure naming the path and
/// the system's reason, never "bad input".
@Suite struct JournalIOErrorTests {
    /// /dev/full takes the open and refuses every write with ENOSPC: a full disk, for real.
    @Test func aFullDiskIsALocalIOErrorWithThePathAndENOSPC() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + RunDirectory.journalName
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/full")
        let journal = try Journal(path: path)
        let error = try #require(throws: LocalIOError.self) { try journal.append(JournalRecord(.run, at: 1)) }
        #expect(error.kind == .localIO)
        #expect(error.code == ENOSPC)
        #expect(error.path == path)
        #expect(error.description == "cannot write journal \(path): \(String(cString: strerror(ENOSPC)))")
    }

    /// A state dir under a regular file cannot exist: the journal and the lock say so, with ENOTDIR.
    @Test func aStateDirUnderAFileIsALocalIOErrorNamingIt() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/not-a-directory"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let runDir = file + "/run"

        let journal = try #require(throws: LocalIOError.self) { try Journal(path: runDir + "/" + RunDirectory.journalName) }
        #expect(journal.path == runDir)
        #expect(journal.code == ENOTDIR, "\(journal)")
        #expect(journal.description.hasPrefix("cannot create state directory \(runDir): "))

        let lock = try #require(throws: LocalIOError.self) { try RunLock(directory: runDir) }
        #expect(lock.path == runDir)
        #expect(lock.code == ENOTDIR)
    }
}

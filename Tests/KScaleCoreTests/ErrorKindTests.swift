import Foundation
import KScaleTestSupport
import Testing
import KScaleCore

/// Each error type says its kind; a local I/O error carries the path and the system's reason.
@Suite(.offThePool) struct ErrorKindTests {
    @Test func eachTypeHasOneKind() {
        #expect(InvalidInput("x").kind == .badInput)
        #expect(Refusal("x").kind == .refused)
        #expect(LocalIOError("cannot write journal", path: "/j", errno: EIO).kind == .localIO)
        #expect(InternalError("x").kind == .internal)
        #expect(ErrorKind.allCases.filter(\.isTransient) == [.connection, .cluster])
    }

    @Test func localIOErrorFromErrnoNamesThePathAndStrerror() {
        let e = LocalIOError("cannot fsync journal", path: "/runs/r/journal.jsonl", errno: ENOSPC)
        #expect(e.code == ENOSPC)
        #expect(e.description == "cannot fsync journal /runs/r/journal.jsonl: \(String(cString: strerror(ENOSPC)))")
    }
}

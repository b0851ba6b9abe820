import Foundation

/// Files of this repository that tests read (fixtures, helper scripts), found from where this
/// source file sits in it: `Tests/KScaleTestSupport/`.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // Tests/KScaleTestSupport
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent()

    /// `relative` (for example `Fixtures/snapshots`) under the repository root.
    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}

import KafkaSim

/// The KafkaSim profiles every executor and lifecycle scenario runs on (issue 12, "kscale against
/// every profile"), named once: the releases operators run, in each mode they ran in. A scenario
/// takes them as `@Test(arguments: TestProfiles.all)`, so `swift test` runs it on each.
public enum TestProfiles {
    /// 2.5 and 2.8 ZooKeeper (before and after KAFKA-9644's fix), 2.8 KRaft (early access), 3.3
    /// both modes (KRaft production ready; the last ZooKeeper with PR 12503's leading empty item),
    /// 3.9 both modes (the last ZooKeeper), 4.0 KRaft (KIP-896's removed versions), 4.3 KRaft
    /// (cordons) and 4.3 combined (every broker a quorum voter).
    public static let all: [KafkaProfile] = [
        profile("2.5", .zookeeper),
        profile("2.8", .zookeeper),
        profile("2.8", .kraft),
        profile("3.3", .zookeeper),
        profile("3.3", .kraft),
        profile("3.9", .zookeeper),
        profile("3.9", .kraft),
        profile("4.0", .kraft),
        profile("4.3", .kraft),
        profile("4.3", .kraft, combined: true),
    ]

    /// The KRaft ones (the record cap, the quorum).
    public static var kraft: [KafkaProfile] { all.filter { $0.mode == .kraft } }

    /// A profile KafkaSim has: one it refuses is a bug of this list, and stops the test run loudly
    /// (its refusal says why) rather than running a scenario on some other profile.
    static func profile(_ version: String, _ mode: KafkaMode, combined: Bool = false) -> KafkaProfile {
        try! KafkaProfile(version: version, mode: mode, combined: combined)
    }
}

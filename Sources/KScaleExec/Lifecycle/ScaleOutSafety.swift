import KScaleCore

/// The rule that refuses a scale-out before anything changes. Pure: it judges a snapshot (the
/// live flow's reading, or the file `kscale plan scale-out` plans from).
public enum ScaleOutSafety {
    /// Scale-out adds brokers that hold nothing yet (new, or drained and emptied earlier). A broker
    /// that already holds replicas is serving: naming it in `--add-brokers` is a mistake (a typo, or
    /// a drained broker that is not empty after all), and would lift its cordon and hand it more
    /// data. Refused, naming each such broker and how many replicas it holds; nil means go.
    public static func refusal(adding: [BrokerID], in snapshot: ClusterSnapshot) -> Refusal? {
        let held = Dictionary(BrokerBalance.of(snapshot).map { ($0.broker, $0.replicas) }, uniquingKeysWith: { first, _ in first })
        let serving = adding.filter { (held[$0] ?? 0) > 0 }.sorted()
        guard !serving.isEmpty else { return nil }
        let named = serving.map { b in "broker \(b) holds \(held[b] ?? 0) replica\(held[b] == 1 ? "" : "s")" }
        return Refusal("refusing to add brokers \(ScaleFlows.ids(adding)): \(named.joined(separator: ", ")); --add-brokers names brokers that hold nothing yet (to spread data over serving brokers, plan a rebalance)")
    }
}

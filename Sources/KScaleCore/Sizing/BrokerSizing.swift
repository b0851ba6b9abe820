/// How many brokers a cluster needs for its traffic and retention, resource by resource.
///
/// The model an operator uses on a whiteboard, with leaders and replicas spread evenly:
/// - network in = producers' ingress + replication in = ingress x RF
/// - network out = consumers' egress + replication out = egress + ingress x (RF - 1)
/// - storage = ingress x retention x RF
/// - disk throughput (when the broker's is given) = writes ingress x RF + reads by lagging consumers,
///   who have fallen out of the page cache and read from disk: egress x lagging share
/// Each resource needs `ceil(demand / (per-broker capacity x target utilisation))` brokers, and no
/// cluster has fewer brokers than its replication factor. The answer is the largest.
public struct BrokerSizing: Sendable, Hashable, Codable {
    public struct Inputs: Sendable, Hashable, Codable {
        /// Bytes per second producers write, before replication.
        public var ingress: Int64
        /// Bytes per second all consumer groups read together.
        public var egress: Int64
        public var replicationFactor: Int
        public var retentionHours: Double
        /// Per broker, each direction (NICs are full duplex).
        public var brokerNetwork: Int64
        /// Usable log-dir bytes per broker.
        public var brokerDisk: Int64
        /// Sustained disk bytes per second per broker; nil leaves disk throughput unsized.
        public var brokerDiskThroughput: Int64?
        /// Fraction (0...1) of egress that lagging consumers read from disk.
        public var laggingConsumers: Double
        /// Fraction (0...1] of each resource to plan for; 0.7 is the usual alarm line.
        public var targetUtilization: Double

        public init(ingress: Int64, egress: Int64, replicationFactor: Int, retentionHours: Double, brokerNetwork: Int64,
                    brokerDisk: Int64, brokerDiskThroughput: Int64? = nil, laggingConsumers: Double = 0, targetUtilization: Double = 0.7) {
            self.ingress = ingress
            self.egress = egress
            self.replicationFactor = replicationFactor
            self.retentionHours = retentionHours
            self.brokerNetwork = brokerNetwork
            self.brokerDisk = brokerDisk
            self.brokerDiskThroughput = brokerDiskThroughput
            self.laggingConsumers = laggingConsumers
            self.targetUtilization = targetUtilization
        }

        enum CodingKeys: String, CodingKey {
            case ingress = "ingress_bytes_per_sec"
            case egress = "egress_bytes_per_sec"
            case replicationFactor = "replication_factor"
            case retentionHours = "retention_hours"
            case brokerNetwork = "broker_network_bytes_per_sec"
            case brokerDisk = "broker_disk_bytes"
            case brokerDiskThroughput = "broker_disk_throughput_bytes_per_sec"
            case laggingConsumers = "lagging_consumers_share"
            case targetUtilization = "target_utilization"
        }
    }

    /// One resource's demand, what one broker may use of it, and the brokers that takes.
    public struct Requirement: Sendable, Hashable, Codable {
        public var resource: String
        /// Cluster-wide demand: bytes per second for traffic, bytes for storage; nil for the RF floor.
        public var demand: Double?
        /// Per-broker capacity x target utilisation.
        public var usablePerBroker: Double?
        /// Nil when the resource is shown but not sized (disk throughput without a broker figure).
        public var brokers: Int?
        public var arithmetic: String

        enum CodingKeys: String, CodingKey {
            case resource, demand, brokers, arithmetic
            case usablePerBroker = "usable_per_broker"
        }
    }

    public var inputs: Inputs
    public var requirements: [Requirement]
    public var brokers: Int
    /// The resources that set `brokers` (several when they tie).
    public var decidedBy: [String]

    public init(_ inputs: Inputs) throws {
        try Self.validate(inputs)
        self.inputs = inputs
        let i = inputs
        let rf = Double(i.replicationFactor)
        let util = i.targetUtilization
        let utilText = "\(Percentage.formatted(util * 100))%"
        let ingress = Double(i.ingress), egress = Double(i.egress)
        let replication = ingress * (rf - 1)
        let network = Double(i.brokerNetwork) * util

        func rate(_ v: Double) -> String { ByteUnits.formatRate(Int64(v.rounded())) }
        func size(_ v: Double) -> String { ByteUnits.format(Int64(v.rounded())) }
        func need(_ demand: Double, _ usable: Double) -> Int { Self.ceilTolerant(demand / usable) }
        /// "300 MB/s / (125 MB/s x 70%) = 3.43 -> 4"
        func divided(_ demand: String, _ capacity: String, _ quotient: Double, _ n: Int) -> String {
            "\(demand) / (\(capacity) x \(utilText)) = \((quotient * 100).rounded() / 100) -> \(n)"
        }

        var reqs: [Requirement] = []
        let netIn = ingress * rf
        let netInBrokers = need(netIn, network)
        reqs.append(Requirement(
            resource: "network in", demand: netIn, usablePerBroker: network, brokers: netInBrokers,
            arithmetic: "ingress \(rate(ingress)) + replication in \(rate(ingress)) x (RF \(i.replicationFactor) - 1) = \(rate(netIn)); "
                + divided(rate(netIn), rate(Double(i.brokerNetwork)), netIn / network, netInBrokers)))

        let netOut = egress + replication
        let netOutBrokers = need(netOut, network)
        reqs.append(Requirement(
            resource: "network out", demand: netOut, usablePerBroker: network, brokers: netOutBrokers,
            arithmetic: "egress \(rate(egress)) + replication out \(rate(ingress)) x (RF \(i.replicationFactor) - 1) = \(rate(netOut)); "
                + divided(rate(netOut), rate(Double(i.brokerNetwork)), netOut / network, netOutBrokers)))

        let storage = ingress * i.retentionHours * 3600 * rf
        let disk = Double(i.brokerDisk) * util
        let storageBrokers = need(storage, disk)
        reqs.append(Requirement(
            resource: "storage", demand: storage, usablePerBroker: disk, brokers: storageBrokers,
            arithmetic: "ingress \(rate(ingress)) x \(Percentage.formatted(i.retentionHours)) h x 3600 s/h x RF \(i.replicationFactor) = \(size(storage)); "
                + divided(size(storage), size(Double(i.brokerDisk)), storage / disk, storageBrokers)))

        let diskReads = egress * i.laggingConsumers
        let diskIO = ingress * rf + diskReads
        let diskIOText = "writes \(rate(ingress)) x RF \(i.replicationFactor) + lagging reads \(rate(egress)) x \(Percentage.formatted(i.laggingConsumers * 100))% = \(rate(diskIO))"
        if let perBroker = i.brokerDiskThroughput {
            let usable = Double(perBroker) * util
            let n = need(diskIO, usable)
            reqs.append(Requirement(
                resource: "disk throughput", demand: diskIO, usablePerBroker: usable, brokers: n,
                arithmetic: diskIOText + "; " + divided(rate(diskIO), rate(Double(perBroker)), diskIO / usable, n)))
        } else {
            reqs.append(Requirement(
                resource: "disk throughput", demand: diskIO, usablePerBroker: nil, brokers: nil,
                arithmetic: diskIOText + "; not sized (give --broker-disk-throughput)"))
        }

        reqs.append(Requirement(
            resource: "replication factor", demand: nil, usablePerBroker: nil, brokers: i.replicationFactor,
            arithmetic: "each partition's \(i.replicationFactor) replicas need distinct brokers -> \(i.replicationFactor)"))

        requirements = reqs
        let most = reqs.compactMap(\.brokers).max() ?? i.replicationFactor
        brokers = most
        decidedBy = reqs.filter { $0.brokers == most }.map(\.resource)
    }

    static func validate(_ i: Inputs) throws {
        guard i.ingress > 0 else { throw InvalidInput("--ingress must be more than 0 bytes/s") }
        guard i.egress >= 0 else { throw InvalidInput("--egress must not be negative") }
        guard i.replicationFactor >= 1 else { throw InvalidInput("--replication-factor must be at least 1, got \(i.replicationFactor)") }
        guard i.retentionHours.isFinite, i.retentionHours > 0 else {
            throw InvalidInput("--retention-hours must be more than 0, got \(i.retentionHours)")
        }
        guard i.brokerNetwork > 0 else { throw InvalidInput("--broker-network must be more than 0 bytes/s") }
        guard i.brokerDisk > 0 else { throw InvalidInput("--broker-disk must be more than 0 bytes") }
        if let t = i.brokerDiskThroughput, t <= 0 { throw InvalidInput("--broker-disk-throughput must be more than 0 bytes/s") }
        guard (0...1).contains(i.laggingConsumers) else { throw InvalidInput("--lagging-consumers must be between 0% and 100%") }
        guard i.targetUtilization > 0, i.targetUtilization <= 1 else {
            throw InvalidInput("--target-utilization must be more than 0% and at most 100%")
        }
    }

    /// `ceil`, but a quotient within floating-point noise of a whole number counts as that number,
    /// so 0.7 x 125 MB/s into 87.5 MB/s is exactly one broker, not two.
    static func ceilTolerant(_ x: Double) -> Int {
        let r = x.rounded()
        if abs(x - r) <= 1e-9 * max(1, abs(x)) { return max(1, Int(r)) }
        return max(1, Int(x.rounded(.up)))
    }

    enum CodingKeys: String, CodingKey {
        case inputs, requirements, brokers
        case decidedBy = "decided_by"
    }
}

import Foundation

/// Broker capacities the operator gives (`--broker-capacity FILE`): Kafka reports a broker's disk
/// (DescribeLogDirs v4) but not its network, so network capacity comes from here.
///
/// Two JSON layouts are read:
/// - kscale's own, in the units operators type (see `ByteUnits`):
///   `{"default": {"network_in": "125MB/s", "network_out": "125MB/s", "disk": "2TB"},
///     "brokers": {"5": {"network_in": "250MB/s"}}}`
/// - Cruise Control's `capacity.json` / `capacityJBOD.json` (`BrokerCapacityConfigFileResolver`):
///   `{"brokerCapacities": [{"brokerId": "-1", "capacity": {"DISK": "100000", "NW_IN": "10000",
///   "NW_OUT": "10000", "CPU": "100"}}]}`, where broker -1 is the default, DISK is in MiB (or, in
///   the JBOD file, an object of log dir to MiB, summed), NW_IN/NW_OUT in KiB/s, and CPU is ignored.
///
/// A broker's own entry overrides the default key by key. The disk from a file replaces what
/// DescribeLogDirs reported only where the snapshot has none.
public struct BrokerCapacities: Sendable, Hashable {
    public struct Capacity: Sendable, Hashable {
        public var networkIn: Int64?
        public var networkOut: Int64?
        public var disk: Int64?

        public init(networkIn: Int64? = nil, networkOut: Int64? = nil, disk: Int64? = nil) {
            self.networkIn = networkIn
            self.networkOut = networkOut
            self.disk = disk
        }

        func overridden(by other: Capacity) -> Capacity {
            Capacity(networkIn: other.networkIn ?? networkIn, networkOut: other.networkOut ?? networkOut, disk: other.disk ?? disk)
        }
    }

    public var defaults: Capacity
    public var perBroker: [BrokerID: Capacity]

    public init(defaults: Capacity = Capacity(), perBroker: [BrokerID: Capacity] = [:]) {
        self.defaults = defaults
        self.perBroker = perBroker
    }

    /// What applies to `broker`: its own entry over the default.
    public func capacity(of broker: BrokerID) -> Capacity {
        defaults.overridden(by: perBroker[broker] ?? Capacity())
    }

    /// Cruise Control's units: `BYTES_IN_KB` and `BYTES_IN_MB` (KafkaCruiseControlUtils) are
    /// powers of 1024.
    static let cruiseControlKiB: Int64 = 1024
    static let cruiseControlMiB: Int64 = 1024 * 1024
    /// Cruise Control's id for the default entry.
    static let cruiseControlDefaultBroker = "-1"

    /// Reads either layout; throws, naming the key, on anything it cannot read.
    public static func decode(_ data: Data) throws -> BrokerCapacities {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw InvalidInput("broker capacity file is not JSON: \(error.localizedDescription)")
        }
        guard let object = root as? [String: Any] else {
            throw InvalidInput("broker capacity file must be a JSON object with \"default\"/\"brokers\" or Cruise Control's \"brokerCapacities\"")
        }
        if let entries = object["brokerCapacities"] {
            return try cruiseControl(entries)
        }
        let known: Set<String> = ["default", "brokers"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw InvalidInput("broker capacity file: unknown key \"\(unknown)\" (expected \"default\" and \"brokers\")")
        }
        var result = BrokerCapacities()
        if let defaults = object["default"] {
            result.defaults = try kscaleCapacity(defaults, at: "default")
        }
        if let brokers = object["brokers"] {
            guard let table = brokers as? [String: Any] else {
                throw InvalidInput("broker capacity file: \"brokers\" must be an object of broker id to capacities")
            }
            for (key, value) in table {
                guard let id = BrokerID(key) else {
                    throw InvalidInput("broker capacity file: \"brokers\" key \"\(key)\" is not a broker id")
                }
                result.perBroker[id] = try kscaleCapacity(value, at: "brokers.\(key)")
            }
        }
        return result
    }

    private static func kscaleCapacity(_ value: Any, at path: String) throws -> Capacity {
        guard let fields = value as? [String: Any] else {
            throw InvalidInput("broker capacity file: \"\(path)\" must be an object with network_in, network_out and/or disk")
        }
        var capacity = Capacity()
        for (key, field) in fields.sorted(by: { $0.key < $1.key }) {
            let text: String
            if let string = field as? String { text = string } else if let number = field as? NSNumber { text = number.stringValue } else {
                throw InvalidInput("broker capacity file: \"\(path).\(key)\" must be a size or rate such as \"125MB/s\" or \"2TB\"")
            }
            do {
                switch key {
                case "network_in": capacity.networkIn = try positive(ByteUnits.parseRate(text), at: "\(path).\(key)")
                case "network_out": capacity.networkOut = try positive(ByteUnits.parseRate(text), at: "\(path).\(key)")
                case "disk": capacity.disk = try positive(ByteUnits.parseSize(text), at: "\(path).\(key)")
                default: throw InvalidInput("broker capacity file: unknown key \"\(path).\(key)\" (expected network_in, network_out, disk)")
                }
            } catch let error as InvalidInput where !error.message.hasPrefix("broker capacity file") {
                throw InvalidInput("broker capacity file: \"\(path).\(key)\": \(error.message)")
            }
        }
        return capacity
    }

    private static func cruiseControl(_ entries: Any) throws -> BrokerCapacities {
        guard let list = entries as? [Any] else {
            throw InvalidInput("broker capacity file: \"brokerCapacities\" must be a list")
        }
        var result = BrokerCapacities()
        for (index, entry) in list.enumerated() {
            let path = "brokerCapacities[\(index)]"
            guard let fields = entry as? [String: Any], let capacityFields = fields["capacity"] as? [String: Any] else {
                throw InvalidInput("broker capacity file: \(path) needs \"brokerId\" and a \"capacity\" object")
            }
            let idText = (fields["brokerId"] as? String) ?? (fields["brokerId"] as? NSNumber)?.stringValue
            guard let idText, let id = BrokerID(idText) else {
                throw InvalidInput("broker capacity file: \(path).brokerId is not a broker id")
            }
            var capacity = Capacity()
            if let inbound = capacityFields["NW_IN"] {
                capacity.networkIn = try number(inbound, at: "\(path).capacity.NW_IN") * cruiseControlKiB
            }
            if let outbound = capacityFields["NW_OUT"] {
                capacity.networkOut = try number(outbound, at: "\(path).capacity.NW_OUT") * cruiseControlKiB
            }
            if let disk = capacityFields["DISK"] {
                if let perDir = disk as? [String: Any] {
                    var total: Int64 = 0
                    for (dir, size) in perDir.sorted(by: { $0.key < $1.key }) {
                        total += try number(size, at: "\(path).capacity.DISK.\(dir)")
                    }
                    capacity.disk = total * cruiseControlMiB
                } else {
                    capacity.disk = try number(disk, at: "\(path).capacity.DISK") * cruiseControlMiB
                }
            }
            if idText == cruiseControlDefaultBroker { result.defaults = capacity } else { result.perBroker[id] = capacity }
        }
        return result
    }

    private static func number(_ value: Any, at path: String) throws -> Int64 {
        let text = (value as? String) ?? (value as? NSNumber)?.stringValue
        guard let text, let parsed = Double(text), parsed.isFinite, parsed > 0, parsed < 9e15 else {
            throw InvalidInput("broker capacity file: \(path) must be a number above 0")
        }
        return Int64(parsed.rounded())
    }

    private static func positive(_ value: Int64, at path: String) throws -> Int64 {
        guard value > 0 else { throw InvalidInput("broker capacity file: \"\(path)\" must be above 0") }
        return value
    }
}

extension ClusterSnapshot {
    /// The snapshot with network capacities from `capacities` on every broker (a file's value wins
    /// over one already in the snapshot), and disk capacity where the snapshot has none.
    public func withCapacities(_ capacities: BrokerCapacities) -> ClusterSnapshot {
        var result = self
        for index in result.brokers.indices {
            let capacity = capacities.capacity(of: result.brokers[index].id)
            if let networkIn = capacity.networkIn { result.brokers[index].networkInCapacity = networkIn }
            if let networkOut = capacity.networkOut { result.brokers[index].networkOutCapacity = networkOut }
            if result.brokers[index].diskTotalBytes == nil, let disk = capacity.disk { result.brokers[index].diskTotalBytes = disk }
        }
        return result
    }
}

import KScaleCore
import KScaleTime
import KafkaSASL

/// How a simulated cluster listens and how fast it moves data.
public struct SimOptions: Sendable {
    public var listenHost: String
    /// Broker i (in snapshot order) listens on basePort + i; 0 gives every broker an ephemeral port.
    public var basePort: Int
    /// Simulated seconds per wall-clock second (ignored when `clock` is given).
    public var timeScale: Double
    public var brokerNetworkBytesPerSec: Int64
    public var ingestBytesPerSecPerPartition: Int64
    public var users: [SimUser]
    public var securityProtocol: SimSecurityProtocol
    /// Port of the HTTP control API; nil for none (tests call SimCluster's methods instead).
    public var controlPort: Int?
    /// Disk size of brokers whose snapshot entry has none.
    public var defaultDiskBytes: Int64
    /// The most partitions one CreateTopics or CreatePartitions request may create (Kafka's 10,000).
    public var maxPartitionsPerRequest: Int = 10_000
    /// The Kafka release and mode to behave as (`--kafka-version`, `--mode`, `--combined`).
    public var profile: KafkaProfile
    /// How far behind the controller the brokers' metadata caches are (`--metadata-lag`): Metadata,
    /// DescribeTopicPartitions and (KRaft) DescribeConfigs answer from the state that old. None by default.
    public var metadataLag: MetadataLag = .none
    /// Simulated time: a `ManualClock` in tests, or the clock the executor shares in process. When
    /// nil, wall time times `timeScale` from zero (`ScaledClock`).
    public var clock: (any KScaleClock)?

    public init(listenHost: String = "127.0.0.1", basePort: Int = 0, timeScale: Double = 1.0,
                brokerNetworkBytesPerSec: Int64 = 125_000_000, ingestBytesPerSecPerPartition: Int64 = 0,
                users: [SimUser] = [], securityProtocol: SimSecurityProtocol = .plaintext,
                controlPort: Int? = nil, defaultDiskBytes: Int64 = 1_000_000_000_000, clock: (any KScaleClock)? = nil,
                profile: KafkaProfile = .newest) {
        self.profile = profile
        self.listenHost = listenHost
        self.basePort = basePort
        self.timeScale = timeScale
        self.brokerNetworkBytesPerSec = brokerNetworkBytesPerSec
        self.ingestBytesPerSecPerPartition = ingestBytesPerSecPerPartition
        self.users = users
        self.securityProtocol = securityProtocol
        self.controlPort = controlPort
        self.defaultDiskBytes = defaultDiskBytes
        self.clock = clock
    }
}

public enum SimSecurityProtocol: String, Sendable {
    case plaintext = "PLAINTEXT"
    case saslPlaintext = "SASL_PLAINTEXT"
}

/// SASL mechanisms the simulated listeners accept: KafkaSASL's, so clients and simulator agree.
public typealias SimSaslMechanism = SaslMechanism

/// A SASL user. The password stays in memory only and is never logged or reported.
public struct SimUser: Sendable {
    public var name: String
    public var password: String
    public var mechanism: SimSaslMechanism

    public init(name: String, password: String, mechanism: SimSaslMechanism = .plain) {
        self.name = name
        self.password = password
        self.mechanism = mechanism
    }
}

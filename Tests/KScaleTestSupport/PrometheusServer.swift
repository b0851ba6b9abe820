import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus (Debian's `prometheus`, installed by scripts/setup.sh) for tests, scraping
/// KafkaSim's per-broker `/metrics` pages: one target per broker, as one JMX exporter runs per
/// broker process, each labelled `broker` and `instance` `broker-N`. Started on a free loopback
/// port below 32768 (Prometheus cannot report a port 0 it bound), its data in a temporary
/// directory; `stop()` kills it and removes the directory.
public final class PrometheusServer: Sendable {
    public let baseURL: String
    public let process: ChildProcess
    let directory: URL

    /// Prometheus on the PATH, or nil (the test then fails saying how to get it).
    public static func binary() -> URL? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("prometheus")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    public static let missing = "prometheus is not installed: run scripts/setup.sh (it installs Debian's prometheus package)"

    /// Starts Prometheus scraping `control` (KafkaSim's control API, `http://host:port`) for `brokers`
    /// every 2 s.
    public init(binary: URL, control: URL, brokers: [Int32]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let target = "\(control.host ?? "127.0.0.1"):\(control.port ?? 0)"
        var config = """
        global:
          scrape_interval: 2s
          scrape_timeout: 2s
        scrape_configs:
          - job_name: kafka
            static_configs:

        """
        for id in brokers {
            config += """
                  - targets: ['\(target)']
                    labels: {__metrics_path__: /brokers/\(id)/metrics, broker: '\(id)', instance: 'broker-\(id)'}

            """
        }
        let file = directory.appendingPathComponent("prometheus.yml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let port = try Self.freePort()
        process = try ChildProcess(executable: binary, arguments: [
            "--config.file=\(file.path)",
            "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
        ])
        baseURL = "http://127.0.0.1:\(port)"
    }

    public func stop() {
        process.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// True once Prometheus answers `query` with a non-empty vector (false while it starts up).
    public func answers(_ query: String) async -> Bool {
        var parts = URLComponents(string: baseURL + "/api/v1/query")
        parts?.queryItems = [URLQueryItem(name: "query", value: query)]
        guard let url = parts?.url, let (data, _) = try? await URLSession.shared.data(from: url),
              let body = String(data: data, encoding: .utf8) else { return false }
        return body.contains("\"result\":[{")
    }

    /// A loopback port below 32768 that is free now and not handed to another test of this
    /// process before (two suites may start a Prometheus at once).
    public static func freePort() throws -> Int {
        let base = 20_000 + Int(ProcessInfo.processInfo.processIdentifier % 5_000)
        return try handedOut.withLock { used in
            for port in base..<(base + 200) where !used.contains(port) && canBind(port) {
                used.insert(port)
                return port
            }
            throw NoFreePort(range: "\(base)..<\(base + 200)")
        }
    }

    static let handedOut = LockedPorts()

    static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct NoFreePort: Error, CustomStringConvertible {
    var range: String
    var description: String { "no free loopback port in \(range)" }
}

/// Ports already given out, behind a lock.
final class LockedPorts: @unchecked Sendable {
    private let lock = NSLock()
    private var used: Set<Int> = []

    func withLock<T>(_ body: (inout Set<Int>) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&used)
    }
}

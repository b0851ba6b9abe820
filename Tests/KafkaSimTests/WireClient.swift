import Foundation
import KafkaProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal blocking Kafka client for tests: one socket, one request at a time.
final class WireClient: @unchecked Sendable {
    let fd: Int32
    private var correlation: Int32 = 0

    init(_ address: String) throws {
        fd = try Self.connectedSocket(address)
    }

    /// A socket connected to `address`, closed here when the connection fails. Built before the
    /// object exists: a throwing initializer that has set every stored property runs `deinit`, so
    /// closing in the initializer too would close the descriptor twice, and the second close would
    /// hit whatever the process opened under that number meanwhile (a NIO listener's accepted
    /// socket, which NIO then finds closed under it, EBADF, and traps).
    private static func connectedSocket(_ address: String) throws -> Int32 {
        let parts = address.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw WireError.badAddress(address) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WireError.connectFailed(address) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, String(parts[0]), &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw WireError.connectFailed(address)
        }
        // A simulator that never answers fails the test instead of blocking it for ever.
        var limit = timeval(tv_sec: Self.ioTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// How long one send or receive may wait.
    static let ioTimeoutSeconds = 60

    deinit { close(fd) }

    /// Runs the blocking call on a plain thread: blocking a cooperative-pool thread (two on a
    /// two-core machine) would starve the simulator's own tasks and deadlock the test.
    func call<R: KafkaRequest>(_ request: R, version: Int16) async throws -> R.Response {
        try await offPool { try self.send(request, version: version) }
    }

    func send<R: KafkaRequest>(_ request: R, version: Int16) throws -> R.Response {
        correlation += 1
        let frame = try KafkaFraming.encodeRequest(RequestHeader(apiKey: R.apiKey, apiVersion: version, correlationId: correlation,
                                                                 clientId: "test"), request)
        try sendAll(frame)
        let body = try readFrame()
        var reader = ByteReader(body)
        let (header, response) = try KafkaFraming.decodeResponse(R.Response.self, version: version, from: &reader)
        guard header.correlationId == correlation else { throw WireError.wrongCorrelation }
        return response
    }

    /// Sends raw bytes and reads one raw response frame (for version-fallback tests).
    func sendRaw(_ frame: [UInt8]) throws -> [UInt8] {
        try sendAll(frame)
        return try readFrame()
    }

    private func sendAll(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Self.failure(n) }
            sent += n
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Self.failure(n) }
            got += n
        }
        return out
    }

    /// Why a send or receive that returned `n` moved nothing: its time ran out, or the socket closed.
    private static func failure(_ n: Int) -> WireError {
        n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? .timedOut(seconds: ioTimeoutSeconds) : .closed
    }

    func readFrame() throws -> [UInt8] {
        let size = try readExactly(4)
        let n = Int(UInt32(size[0]) << 24 | UInt32(size[1]) << 16 | UInt32(size[2]) << 8 | UInt32(size[3]))
        return try readExactly(n)
    }
}

enum WireError: Error {
    case badAddress(String), connectFailed(String), closed, wrongCorrelation, timedOut(seconds: Int)
}

/// Runs blocking work on a Dispatch thread and awaits it.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { cont in
        DispatchQueue.global().async { cont.resume(with: Result { try body() }) }
    }
}

/// Connects off the cooperative pool.
func connectWire(_ address: String) async throws -> WireClient {
    try await offPool { try WireClient(address) }
}

import Foundation
import KScaleCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// The control API, plain HTTP/JSON:
///
///     GET  /state                    the snapshot format plus isr, leader, moves, time
///     GET  /mutations                requests served that changed the cluster, by api key
///     POST /brokers/{id}/stop        stop a broker (listener and connections close)
///     POST /brokers/{id}/start       start it again
///     POST /controller/{id}          move the controller
///     POST /brokers/{id}/slow?ms=N   delay that broker's responses
///     POST /brokers/{id}/drop?count=N  close the connection on its next N requests
///     POST /traffic                  new produce/consume rates (JSON body, docs/simulator.md)
///     GET  /metrics                  every broker's BrokerTopicMetrics counters, Prometheus text
///     GET  /brokers/{id}/metrics     one broker's, as its JMX exporter would serve them
///
/// Answers 200 with JSON, 404 for unknown paths, 400 with {"error": ...} for bad input.
final class ControlServer: Sendable {
    private let host: String
    private let group: EventLoopGroup
    private let box = ClusterRef()

    init(host: String, group: EventLoopGroup) {
        self.host = host
        self.group = group
    }

    func attach(_ cluster: SimCluster) { box.set(cluster) }

    func start(port: Int) async throws -> Int {
        let box = self.box
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(HTTPControlHandler(box: box))
                }
            }
            .bind(host: host, port: port).get()
        box.setListener(channel)
        return channel.localAddress?.port ?? port
    }

    func stop() async {
        try? await box.listener()?.close()
    }

    /// Routes one request. Separate from NIO so it reads as the API it is.
    static func route(method: HTTPMethod, uri: String, body: Data = Data(), cluster: SimCluster) async -> (HTTPResponseStatus, Data) {
        let parts = uri.split(separator: "?", maxSplits: 1)
        let path = parts.first.map(String.init) ?? "/"
        let query = parts.count > 1 ? parseQuery(String(parts[1])) : [:]
        let segments = path.split(separator: "/").map(String.init)
        do {
            switch (method, segments.count, segments.first) {
            case (.GET, 1, "state"):
                return (.ok, try await cluster.state().encodedJSON())
            case (.GET, 1, "mutations"):
                let counts = await cluster.mutatingRequests()
                let byKey = Dictionary(uniqueKeysWithValues: counts.map { (String($0.key), $0.value) })
                return (.ok, try JSONSerialization.data(withJSONObject: byKey, options: [.sortedKeys]))
            case (.GET, 1, "metrics"):
                return (.ok, Data(await cluster.metrics(brokers: nil).utf8))
            case (.GET, 3, "brokers") where segments[2] == "metrics":
                let id = try brokerID(segments[1])
                guard cluster.servers[id] != nil else { throw InvalidInput("no broker \(id) in the simulated cluster") }
                return (.ok, Data(await cluster.metrics(brokers: [id]).utf8))
            case (.POST, 1, "traffic"):
                try await cluster.setTraffic(try trafficChanges(body))
                return ok()
            case (.POST, 2, "controller"):
                try await cluster.moveControllerChecked(to: try brokerID(segments[1]))
                return ok()
            case (.POST, 3, "brokers"):
                let id = try brokerID(segments[1])
                guard cluster.servers[id] != nil else { throw InvalidInput("no broker \(id) in the simulated cluster") }
                switch segments[2] {
                case "stop": try await cluster.stopBrokerChecked(id)
                case "start": try await cluster.startBrokerChecked(id)
                case "slow":
                    guard let ms = query["ms"].flatMap({ Int($0) }), ms >= 0 else { throw InvalidInput("slow needs ?ms=N with N >= 0") }
                    await cluster.setSlow(broker: id, ms: ms)
                case "drop":
                    guard let n = query["count"].flatMap({ Int($0) }), n >= 0 else { throw InvalidInput("drop needs ?count=N with N >= 0") }
                    cluster.dropConnections(broker: id, nextRequests: n)
                default: return notFound()
                }
                return ok()
            default:
                return notFound()
            }
        } catch let e as InvalidInput {
            return (.badRequest, json(["error": e.message]))
        } catch {
            return (.internalServerError, json(["error": "\(error)"]))
        }
    }

    /// `POST /traffic`'s body: `[{"topic": T, "partition": P?, "bytes_in_per_sec": N?, "bytes_out_per_sec": N?}, ...]`.
    static func trafficChanges(_ body: Data) throws -> [SimTrafficChange] {
        guard let items = (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] else {
            throw InvalidInput("POST /traffic needs a JSON array of {\"topic\", \"partition\" (optional), \"bytes_in_per_sec\", \"bytes_out_per_sec\"}")
        }
        let known: Set<String> = ["topic", "partition", "bytes_in_per_sec", "bytes_out_per_sec"]
        return try items.map { item in
            if let unknown = item.keys.sorted().first(where: { !known.contains($0) }) {
                throw InvalidInput("POST /traffic: unknown field \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
            }
            guard let topic = item["topic"] as? String else { throw InvalidInput("POST /traffic: every item needs a \"topic\"") }
            func rate(_ key: String) throws -> Double? {
                guard let value = item[key] else { return nil }
                guard let number = value as? NSNumber, number.doubleValue >= 0, number.doubleValue.isFinite else {
                    throw InvalidInput("POST /traffic: \(key) of \(topic) must be a number of bytes/s >= 0")
                }
                return number.doubleValue
            }
            var partition: Int32?
            if let value = item["partition"] {
                guard let number = value as? NSNumber, let index = Int32(exactly: number.doubleValue), index >= 0 else {
                    throw InvalidInput("POST /traffic: partition of \(topic) must be a partition number")
                }
                partition = index
            }
            let change = SimTrafficChange(topic: topic, partition: partition, bytesInPerSec: try rate("bytes_in_per_sec"), bytesOutPerSec: try rate("bytes_out_per_sec"))
            guard change.bytesInPerSec != nil || change.bytesOutPerSec != nil else {
                throw InvalidInput("POST /traffic: \(topic) gives neither bytes_in_per_sec nor bytes_out_per_sec")
            }
            return change
        }
    }

    private static func brokerID(_ s: String) throws -> BrokerID {
        guard let id = BrokerID(s) else { throw InvalidInput("\"\(s)\" is not a broker id") }
        return id
    }

    private static func parseQuery(_ q: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in q.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            out[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        return out
    }

    private static func ok() -> (HTTPResponseStatus, Data) { (.ok, json(["ok": "true"])) }
    private static func notFound() -> (HTTPResponseStatus, Data) { (.notFound, json(["error": "not found"])) }
    private static func json(_ dict: [String: String]) -> Data {
        (try? JSONSerialization.data(withJSONObject: dict, options: [.sortedKeys])) ?? Data()
    }
}

/// The cluster and listener the control server works with, set once after start.
private final class ClusterRef: @unchecked Sendable {
    private let lock = NSLock()
    private var cluster: SimCluster?
    private var channel: Channel?
    func set(_ c: SimCluster) { lock.withLock { cluster = c } }
    func get() -> SimCluster? { lock.withLock { cluster } }
    func setListener(_ c: Channel) { lock.withLock { channel = c } }
    func listener() -> Channel? { lock.withLock { channel } }
}

private final class HTTPControlHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let box: ClusterRef
    private var head: HTTPRequestHead?
    private var body = Data()
    /// A control request's body is a small JSON document.
    private static let maxBodyBytes = 16 << 20

    init(box: ClusterRef) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = Data()
        case .body(let chunk):
            if body.count + chunk.readableBytes <= Self.maxBodyBytes { body.append(contentsOf: chunk.readableBytesView) }
        case .end:
            guard let head, let cluster = box.get() else { return }
            self.head = nil
            let requestBody = body
            body = Data()
            let channel = context.channel
            let keepAlive = head.isKeepAlive
            Task {
                let (status, body) = await ControlServer.route(method: head.method, uri: head.uri, body: requestBody, cluster: cluster)
                var headers = HTTPHeaders()
                let isMetrics = head.method == .GET && status == .ok && head.uri.split(separator: "?").first?.hasSuffix("metrics") == true
                headers.add(name: "Content-Type", value: isMetrics ? PrometheusMetrics.contentType : "application/json")
                headers.add(name: "Content-Length", value: String(body.count))
                headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
                let responseHead = HTTPResponseHead(version: head.version, status: status, headers: headers)
                channel.write(HTTPServerResponsePart.head(responseHead), promise: nil)
                channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
                let done: EventLoopFuture<Void> = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
                if !keepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
            }
        }
    }
}

import AsyncHTTPClient
import Dispatch
import HubtopCore
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a receiver's stream for `hubtop attach` — over HTTP, or from `hubtop stream` run over
/// SSH — and hands each message to `handle`. A lost connection (or a `5xx`) is retried with
/// backoff, resuming after the last id; a refused token, a missing stream or a remote hubtop
/// that cannot run ends it with the reason (`AttachFailure`).
public final class Attachment: Sendable {
    public let status: AttachStatus
    let viewerToken: String?
    let sshCommand: [String]
    let remoteHubtop: String?
    let maximumMessageBytes: Int
    private let child = Mutex<pid_t>(0)

    public init(
        target: AttachTarget, viewerToken: String?, sshCommand: [String] = ["ssh"],
        remoteHubtop: String? = nil,
        maximumMessageBytes: Int = 16 << 20
    ) {
        self.status = AttachStatus(target: target)
        self.viewerToken = viewerToken
        self.sshCommand = sshCommand
        self.remoteHubtop = remoteHubtop
        self.maximumMessageBytes = maximumMessageBytes
    }

    /// Runs until cancelled, or until the target refuses for good (thrown). `handle` gets the
    /// messages of each read together, so that they are stored as one batch.
    public func run(_ handle: @escaping @Sendable ([ServerSentEvent]) -> Void) async throws(AttachFailure) {
        var lastID: String?
        var backoff = 0.5
        while !Task.isCancelled {
            var parser = ServerSentEventParser(maximumEventBytes: maximumMessageBytes)
            let started = WallClock.now()
            let ending: String
            do {
                switch status.target {
                case .receiver(let url):
                    ending = try await readReceiver(url, lastID: lastID, &parser, handle)
                case .ssh(let remote):
                    ending = try await readRemote(remote, &parser, handle)
                case .journal:
                    throw AttachFailure(
                        description: "a journal on this machine is followed, not read as a stream")
                }
            } catch let failure as AttachFailure {
                throw failure
            } catch {
                ending = Self.describe(error)
            }
            lastID = parser.lastID ?? lastID
            if Task.isCancelled { return }
            status.set(.lost(ending))
            // A connection that lasted a while starts the backoff again.
            if WallClock.now() - started > 30 { backoff = 0.5 }
            try? await Task.sleep(for: .seconds(backoff * Double.random(in: 0.8...1.2)))
            backoff = min(backoff * 2, 15)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout: return "no word from the receiver for 45 s"
            case .connectTimeout: return "cannot connect (timed out)"
            case .remoteConnectionClosed: return "the receiver closed the connection"
            default: break
            }
        }
        return TerminalSanitizer.line(String(describing: error).prefix(200).description)
    }

    private func deliver(
        _ bytes: UnsafeRawBufferPointer, _ parser: inout ServerSentEventParser,
        _ handle: @Sendable ([ServerSentEvent]) -> Void
    ) throws {
        status.heard()
        var events: [ServerSentEvent] = []
        // What came before a message the parser refuses is still handled.
        defer { if !events.isEmpty { handle(events) } }
        try parser.feed(bytes) { events.append($0) }
    }

    // MARK: - HTTP

    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            // The receiver sends a heartbeat every 15 s: silence for three is a lost connection.
            timeout: .init(connect: .seconds(10), read: .seconds(45)))
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    private func readReceiver(
        _ url: String, lastID: String?, _ parser: inout ServerSentEventParser,
        _ handle: @escaping @Sendable ([ServerSentEvent]) -> Void
    ) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "User-Agent", value: "hubtop attach")
        if let viewerToken { request.headers.add(name: "Authorization", value: "Bearer \(viewerToken)") }
        if let lastID { request.headers.add(name: "Last-Event-ID", value: lastID) }
        let response = try await Self.client.execute(request, deadline: .distantFuture)
        let code = response.status.code
        guard code == 200 else {
            let said = try? await response.body.collect(upTo: 4096)
            let detail = said.flatMap { AttachFailure.detail(of: Array(buffer: $0)) }
            let reason = "\(code) \(response.status.reasonPhrase)" + (detail.map { ": " + $0 } ?? "")
            switch code {
            case 401, 403:
                throw AttachFailure(description: "the receiver refused the viewer token (\(reason))")
            case 404:
                throw AttachFailure(
                    description: "no stream at \(url) (\(reason)): start the receiver with --viewer-token")
            case 500..., 429, 408: return "the receiver answered \(reason)"
            default: throw AttachFailure(description: "the receiver answered \(reason)")
            }
        }
        let type = response.headers.first(name: "content-type") ?? ""
        guard type.lowercased().hasPrefix("text/event-stream") else {
            throw AttachFailure(
                description: "\(url) is not an event stream (content type '\(TerminalSanitizer.line(type))')")
        }
        status.set(.catchingUp)
        status.heard()
        for try await var chunk in response.body {
            try chunk.withUnsafeReadableBytes { try deliver($0, &parser, handle) }
            chunk.clear()
        }
        return "the receiver closed the stream"
    }
}

extension Attachment {
    /// An event's raw requests, as the receiver keeps them (`GET /stream/requests/<id>`).
    public func requests(of receiverID: UInt64) async -> Result<[ReceivedRequest], StreamError> {
        guard case .receiver(let url) = status.target else {
            return .failure(StreamError("raw requests stay on the receiver: attach over HTTP to see them"))
        }
        var request = HTTPClientRequest(url: url + "/requests/\(receiverID)")
        request.headers.add(name: "User-Agent", value: "hubtop attach")
        if let viewerToken { request.headers.add(name: "Authorization", value: "Bearer \(viewerToken)") }
        do {
            let response = try await Self.client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 16 << 20)
            guard response.status.code == 200 else {
                return .failure(StreamError("the receiver answered \(response.status.code)"))
            }
            return Result { () throws(StreamError) in try StreamDecoder.requests(Array(buffer: body)) }
        } catch {
            return .failure(StreamError(Self.describe(error)))
        }
    }
}

/// Why attaching cannot go on (exit status 1): retrying would not help.
public struct AttachFailure: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }

    /// The `detail` (or `error`) of a JSON error body, sanitised; nil when there is none.
    static func detail(of body: [UInt8]) -> String? {
        guard let value = try? JSONValue.parse(String(decoding: body, as: UTF8.self)) else { return nil }
        let members = value.members
        return (members["detail"]?.string ?? members["error"]?.string).map { TerminalSanitizer.line($0) }
    }
}

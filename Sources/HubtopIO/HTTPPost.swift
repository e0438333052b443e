import AsyncHTTPClient
import HubtopCore
import HubtopServer
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Every outbound request hubtop makes (registry lookups, forwarding, notifications, re-sends,
/// `hubtop send`), through async-http-client: redirects are never followed here (the registry
/// client follows them itself, deciding per hop which headers may go along), answers are read
/// up to a cap, and `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` choose a proxy per request.
public enum HTTPPost {
    /// A URL split into what a connection needs.
    public struct Target: Sendable, Equatable {
        public var secure: Bool
        public var host: String
        public var port: Int
        public var path: String

        /// `host:port` for labels and messages (never the path, which may carry a secret).
        public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// Scheme, host and port: what decides whether a credential may go along.
        public var origin: Origin { Origin(secure: secure, host: host, port: port) }

        /// The URL again, without userinfo and with the port only when it is not the default.
        public var url: String { origin.url + path }
    }

    /// Scheme, host and port, compared exactly (never a string prefix).
    public struct Origin: Sendable, Hashable {
        public var secure: Bool
        public var host: String
        public var port: Int

        public var url: String {
            let name = host.contains(":") ? "[\(host)]" : host
            return (secure ? "https://" : "http://")
                + (port == (secure ? 443 : 80) ? name : "\(name):\(port)")
        }
    }

    /// Splits `http://host:port/path` or `https://…` into its parts.
    public static func target(_ url: String) throws -> Target {
        let secure: Bool
        let rest: Substring
        if url.lowercased().hasPrefix("https://") {
            secure = true
            rest = url.dropFirst("https://".count)
        } else if url.lowercased().hasPrefix("http://") {
            secure = false
            rest = url.dropFirst("http://".count)
        } else {
            throw Failure(description: "only http:// and https:// URLs are supported")
        }
        let slash = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<slash]
        // user:password@ is not supported and must not end up in a Host header or a label.
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var path = slash == rest.endIndex ? "/" : String(rest[slash...])
        if path.hasPrefix("?") { path = "/" + path }
        var host = String(authority)
        var port = secure ? 443 : 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(parsed)
            else {
                throw Failure(description: "the port is not a number from 1 to 65535")
            }
            port = parsed
        }
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw Failure(description: "the URL names no host") }
        return Target(secure: secure, host: host.lowercased(), port: port, path: path)
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        /// At most `maxResponseBody` bytes of it; the rest is not kept.
        public var body: String
    }

    /// Answers are read up to this size: whatever a downstream sends, hubtop holds no more.
    public static let maximumResponseBody = 64 * 1024

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The process's proxies, read once from its environment.
    static let processProxies = Result { () throws(ProxySettings.Failure) in
        try ProxySettings(environment: ProcessEnvironment.all())
    }

    /// One client per proxy (nil: direct), kept for the life of the process: a client pools
    /// its connections and owns no thread of its own (the NIO singleton group runs it).
    private static let clients = Mutex<[ProxySettings.Server?: HTTPClient]>([:])

    static func client(for proxy: ProxySettings.Server?) -> HTTPClient {
        clients.withLock { clients in
            if let client = clients[proxy] { return client }
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
            // A refused connection fails the request at once, as curl does: the pool would
            // otherwise retry until the connect timeout and then report only a timeout. hubtop's
            // own retries (forwarding's backoff) decide when to try again.
            configuration.connectionPool.retryConnectionEstablishment = false
            if let proxy {
                let authorization = proxy.user.map {
                    HTTPClient.Authorization.basic(username: $0, password: proxy.password?.reveal() ?? "")
                }
                configuration.proxy = .server(
                    host: proxy.host, port: proxy.port, authorization: authorization)
            }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[proxy] = client
            return client
        }
    }

    /// One request (POST by default). `proxies` overrides the process's (tests).
    public static func post(
        url: String, body: [UInt8], contentType: String = "application/json",
        extraHeaders: [(String, String)] = [], method: String = "POST", timeout: TimeAmount = .seconds(10),
        maxResponseBody: Int = maximumResponseBody, proxies: ProxySettings? = nil
    ) async throws -> Response {
        let target = try target(url)
        let proxy = try (proxies ?? processProxies.get()).server(secure: target.secure, host: target.host)
        var request = HTTPClientRequest(url: target.url)
        request.method = HTTPMethod(rawValue: method)
        if !extraHeaders.contains(where: { $0.0.lowercased() == "user-agent" }) {
            request.headers.add(name: "User-Agent", value: "hubtop")
        }
        if !body.isEmpty || !["GET", "HEAD"].contains(method) {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        // One request a connection, as before: a receiver's per-address caps see what they expect.
        request.headers.add(name: "Connection", value: "close")
        for (name, value) in extraHeaders { request.headers.add(name: name, value: value) }
        let seconds = timeout.nanoseconds / 1_000_000_000
        do {
            let response = try await client(for: proxy).execute(request, timeout: timeout)
            var kept = ByteBuffer()
            for try await chunk in response.body {
                let room = maxResponseBody - kept.readableBytes
                if room <= 0 { break }
                kept.writeImmutableBuffer(
                    chunk.getSlice(at: chunk.readerIndex, length: min(room, chunk.readableBytes))!)
            }
            return Response(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: String(buffer: kept))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw Failure(description: "no answer from \(target.authority) within \(seconds) s")
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
            throw Failure(description: "\(target.authority) closed the connection before a complete answer")
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw Failure(description: "cannot connect to \(target.authority): no connection within 5 s")
        } catch {
            throw Failure(
                description:
                    "cannot connect to \(target.authority)\(proxy == nil ? "" : " (through the proxy)"): \(reason(error))"
            )
        }
    }

    /// `connection refused`, not NIO's wording around it.
    static func reason(_ error: any Error) -> String {
        var error = error
        if let failed = error as? NIOConnectionError, let first = failed.connectionErrors.first?.error {
            error = first
        }
        guard let failure = error as? IOError, let text = strerror(failure.errnoCode) else {
            return "\(error)"
        }
        return String(cString: text).lowercased()
    }
}

import HubtopCore
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// `postgres://user:password@host:port/database?sslmode=require`: where the shared history is.
/// TLS only when the URL asks for it (`sslmode=require`, `verify-full` or `prefer`).
public struct DatabaseURL: Sendable, CustomStringConvertible {
    public var user: String
    public var password: Secret?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(Failure) {
        var rest = Substring(text)
        guard let scheme = ["postgres://", "postgresql://"].first(where: { rest.hasPrefix($0) }) else {
            // Never the text itself: it may hold a password.
            throw Failure(description: "a database URL starts with postgres:// or postgresql://")
        }
        rest = rest.dropFirst(scheme.count)
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
        }
        var userInfo = ""
        if let at = rest.lastIndex(of: "@") {
            userInfo = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        if let colon = userInfo.firstIndex(of: ":") {
            user = PercentEncoding.decoded(String(userInfo[..<colon]))
            password = Secret(PercentEncoding.decoded(String(userInfo[userInfo.index(after: colon)...])))
        } else {
            user = PercentEncoding.decoded(userInfo)
            password = nil
        }
        if user.isEmpty { user = "postgres" }
        var hostPart = String(rest)
        port = 5432
        if hostPart.hasPrefix("[") {
            // [::1]:5432
            let close = hostPart.firstIndex(of: "]") ?? hostPart.endIndex
            let after = hostPart[close...].dropFirst()
            host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()) else {
                    throw Failure(description: "bad port in the database URL")
                }
                port = number
            }
        } else {
            if let colon = hostPart.lastIndex(of: ":") {
                guard let number = Int(hostPart[hostPart.index(after: colon)...]),
                    (1...65_535).contains(number)
                else { throw Failure(description: "bad port in the database URL") }
                port = number
                hostPart = String(hostPart[..<colon])
            }
            host = hostPart
        }
        if host.isEmpty { host = "127.0.0.1" }
        database = path.isEmpty ? user : PercentEncoding.decoded(path)
        sslMode = "disable"
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0] == "sslmode" { sslMode = parts[1] }
        }
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
            throw Failure(
                description: "sslmode must be disable, prefer, require or verify-full; got \(sslMode)")
        }
    }

    /// The URL with the password hidden, for messages.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
            + (sslMode == "disable" ? "" : "?sslmode=\(sslMode)")
    }

    /// `%40` → `@`.
    func configuration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable", "allow": tls = .disable
        case "prefer":
            var client = TLSConfiguration.makeClientConfiguration()
            client.certificateVerification = .none
            tls = .prefer(try NIOSSLContext(configuration: client))
        case "require":
            // libpq's `require` encrypts without checking the certificate.
            var client = TLSConfiguration.makeClientConfiguration()
            client.certificateVerification = .none
            tls = .require(try NIOSSLContext(configuration: client))
        default:
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password?.reveal(), database: database, tls: tls
        )
        configuration.options.connectTimeout = .seconds(3)
        return configuration
    }

    /// A new connection, or the error saying why not.
    func connect(_ logger: Logger) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            configuration: try configuration(),
            id: Self.nextID.withLock { id in
                id += 1
                return id
            }, logger: logger)
    }

    static let nextID = Mutex(0)
}

/// What hubtop logs from the database driver: nothing (its errors reach the status instead).
let quietLogger = Logger(label: "hubtop.database", factory: { _ in SwiftLogNoOpLogHandler() })

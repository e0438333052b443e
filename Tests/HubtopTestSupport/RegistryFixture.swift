import Foundation
import HubtopCore
import HubtopIO
import HubtopServer

/// A real registry (Debian's `docker-registry`, the CNCF distribution registry) on loopback
/// with a storage folder of its own, filled through its HTTP API by `Tests/Fixtures/registry-push.py`.
/// Its log (every request, at info level) is kept in `logPath`.
public final class RegistryFixture: @unchecked Sendable {
    let process = Process()
    let directory: String
    public let port: Int
    public var base: String { "http://127.0.0.1:\(port)" }
    public var logPath: String { directory + "/registry.log" }

    public static var installed: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")
    }

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
    }

    /// Basic credentials every request must carry (`htpasswd`), when the registry asks for them.
    public let credentials: (user: String, password: String)?

    /// `credentials`: ask for them (bcrypt `htpasswd`), so notifications name the pusher;
    /// `notify`: send notifications there (timeout 1 s, so a slow answer means a redelivery);
    /// deletes are enabled with either.
    public init(credentials: (user: String, password: String)? = nil, notify: String? = nil) throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-registry-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = freeLoopbackPort()
        self.credentials = credentials
        var config = """
            version: 0.1
            log:
              level: info
              formatter: text
            storage:
              filesystem:
                rootdirectory: \(directory)/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            """
        if let credentials {
            let hash = try Self.htpasswd(credentials.user, credentials.password)
            try hash.write(toFile: directory + "/htpasswd", atomically: true, encoding: .utf8)
            config += "\nauth:\n  htpasswd:\n    realm: test\n    path: \(directory)/htpasswd"
        }
        if let notify {
            config += """

                notifications:
                  endpoints:
                    - name: hubtop
                      url: \(notify)
                      timeout: 1s
                      threshold: 3
                      backoff: 1s
                """
        }
        try config.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", directory + "/config.yml"]
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Waits until the registry answers `/v2/` (`401` when it asks for credentials).
    public func ready() async throws {
        let expected = credentials == nil ? 200 : 401
        try await eventually("the registry to answer /v2/", within: 20, every: .milliseconds(50)) {
            (try? await HTTPPost.post(url: base + "/v2/", body: [], method: "GET"))?.status == expected
        }
    }

    /// `user:bcrypt-hash`, the only form the registry reads.
    static func htpasswd(_ user: String, _ password: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/htpasswd")
        process.arguments = ["-Bbn", user, password]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
    }

    /// Deletes a manifest by digest (its tags go with it), with the credentials.
    public func delete(_ repository: String, digest: String) async throws -> Int {
        var headers: [(String, String)] = []
        if let credentials {
            let pair = Array("\(credentials.user):\(credentials.password)".utf8)
            headers.append(("Authorization", "Basic " + Base64.encode(pair)))
        }
        return try await HTTPPost.post(
            url: base + "/v2/\(repository)/manifests/\(digest)", body: [], extraHeaders: headers,
            method: "DELETE"
        ).status
    }

    /// Pushes the test images; returns what the script printed (the digests).
    public func push(_ repository: String) throws -> [String: JSONValue] {
        let push = Process()
        push.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        push.arguments = [
            "python3", Self.fixtures.appendingPathComponent("registry-push.py").path, base, repository,
        ]
        let output = Pipe()
        push.standardOutput = output
        if let credentials {
            push.environment = ProcessInfo.processInfo.environment.merging([
                "REGISTRY_USER": credentials.user, "REGISTRY_PASSWORD": credentials.password,
            ]) { $1 }
        }
        try push.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        push.waitUntilExit()
        return (try? JSONValue.parse(String(decoding: data, as: UTF8.self)))?.members ?? [:]
    }

    /// The registry's log lines that record a read (GET or HEAD, not the fixture's pushes) of a
    /// path starting with `path` (e.g. `/v2/acme/api/`), each with its `http.request.method=`.
    public func requests(for path: String) -> [String] {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").map(String.init).filter {
            $0.contains("msg=\"response completed")
                && ($0.contains("http.request.method=GET") || $0.contains("http.request.method=HEAD"))
                && ($0.contains("http.request.uri=\(path)") || $0.contains("http.request.uri=\"\(path)"))
        }
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A Python fixture from `Tests/Fixtures` that prints one line when it is up (its port), then
/// one line per request it saw.
public final class ReportingScript: @unchecked Sendable {
    let process = Process()
    let output = Pipe()
    /// What it printed first.
    public let firstLine: String
    private let lock = NSLock()
    private var lines: [String] = []
    /// Output after the last newline: a line the child has not finished writing.
    private var pending: [UInt8] = []

    public init(_ script: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", RegistryFixture.fixtures.appendingPathComponent(script).path] + arguments
        process.standardOutput = output
        try process.run()
        var first = Data()
        while !first.contains(UInt8(ascii: "\n")) {
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { break }
            first.append(more)
        }
        let bytes = Array(first)
        let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        firstLine = String(decoding: bytes[..<end], as: UTF8.self)
        absorb(end < bytes.endIndex ? Array(bytes[(end + 1)...]) : [])
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.absorb(Array(data))
        }
    }

    /// Whole lines only: a read may end in the middle of one (it waits for the rest).
    private func absorb(_ bytes: [UInt8]) {
        lock.withLock {
            pending += bytes
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                if !line.isEmpty { lines.append(line) }
                pending.removeSubrange(...newline)
            }
        }
    }

    /// The lines after the first, so far.
    public var reports: [String] { lock.withLock { lines } }

    deinit {
        output.fileHandleForReading.readabilityHandler = nil
        // SIGKILL: the child may have inherited a mask that blocks SIGTERM from the test's thread.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// `Tests/Fixtures/registry-gate.py` in front of a registry: Docker Hub's Bearer token flow,
/// or a pull limit (`429`) on every request. `requests` is what reached it.
public final class RegistryGate: Sendable {
    let script: ReportingScript
    public let port: Int
    public var base: String { "http://127.0.0.1:\(port)" }

    public init(upstream: String, _ mode: [String]) throws {
        script = try ReportingScript("registry-gate.py", [upstream] + mode)
        guard let port = Int(script.firstLine) else {
            throw FixtureFailure(description: "the gate printed \(script.firstLine)")
        }
        self.port = port
    }

    /// `METHOD PATH STATUS`, one per request so far.
    public var requests: [String] { script.reports }
}

/// `Tests/Fixtures/http-probe.py`: answers from a table of routes and reports every request.
public final class HTTPProbe: Sendable {
    public struct Route: Encodable, Sendable {
        public var path: String
        public var status: Int
        public var headers: [String: String]
        public var body: String
        /// The exact `Authorization` the route answers; nil: any.
        public var authorization: String?
        /// The body this many times.
        public var `repeat`: Int

        public init(
            _ path: String, _ status: Int, headers: [String: String] = [:], body: String = "",
            authorization: String? = nil, repeat count: Int = 1
        ) {
            (self.path, self.status, self.headers, self.body) = (path, status, headers, body)
            self.authorization = authorization
            self.repeat = count
        }
    }

    /// One request as it arrived.
    public struct Request: Decodable, Sendable {
        public var method: String
        public var target: String
        public var host: String?
        public var authorization: String?
        /// `X-Hubtop-Delivery`, as forwarding sends it.
        public var delivery: String?
    }

    let script: ReportingScript
    public let port: Int
    public let host: String

    /// On `host` (`127.0.0.1` or `::1`) and `port` (0: any); nil when that port is taken.
    public init?(host: String = "127.0.0.1", port: Int = 0, _ routes: [Route]) throws {
        let table = String(decoding: try JSONEncoder().encode(routes), as: UTF8.self)
        script = try ReportingScript("http-probe.py", [host, String(port), table])
        guard let bound = Int(script.firstLine) else { return nil }
        self.port = bound
        self.host = host
    }

    public var base: String { host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)" }

    public var requests: [Request] {
        script.reports.compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }
}

public struct FixtureFailure: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

import Foundation
import HubtopCore
import HubtopListener

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

    public init() throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-registry-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = freeLoopbackPort()
        let config = """
            version: 0.1
            log:
              level: info
              formatter: text
            storage:
              filesystem:
                rootdirectory: \(directory)/data
            http:
              addr: 127.0.0.1:\(port)
            """
        try config.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", directory + "/config.yml"]
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Waits until the registry answers `/v2/`.
    public func ready() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if (try? await HTTPPost.post(url: base + "/v2/", body: [], method: "GET"))?.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureFailure(description: "the registry did not start")
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

/// `Tests/Fixtures/registry-gate.py` in front of a registry: Docker Hub's Bearer token flow,
/// or a pull limit (`429`) on every request. `requests` is what reached it.
public final class RegistryGate: @unchecked Sendable {
    let process = Process()
    let output = Pipe()
    public let port: Int
    public var base: String { "http://127.0.0.1:\(port)" }
    private let lock = NSLock()
    private var lines: [String] = []

    public init(upstream: String, _ mode: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", RegistryFixture.fixtures.appendingPathComponent("registry-gate.py").path, upstream]
            + mode
        process.standardOutput = output
        try process.run()
        var first = Data()
        while !first.contains(UInt8(ascii: "\n")) {
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { throw FixtureFailure(description: "the gate did not start") }
            first.append(more)
        }
        let text = String(decoding: first, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        guard let port = Int(text[0]) else { throw FixtureFailure(description: "the gate printed \(text)") }
        self.port = port
        lines = text.dropFirst().filter { !$0.isEmpty }.map(String.init)
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock {
                self.lines += String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            }
        }
    }

    /// `METHOD PATH STATUS`, one per request so far.
    public var requests: [String] { lock.withLock { lines } }

    deinit {
        output.fileHandleForReading.readabilityHandler = nil
        // SIGKILL: the child may have inherited a mask that blocks SIGTERM from the test's thread.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

public struct FixtureFailure: Error, CustomStringConvertible {
    public var description: String
}

import Foundation
import HubtopTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A run is one group of services that SIGINT or SIGTERM shuts down gracefully, in reverse order
/// of start: the listener first, letting what is in flight finish, then what it fed.
@Suite struct LifecycleEndToEndTests {
    static let token = "life-token-0123456789"

    @Test func aRequestInFlightWhenSIGTERMArrivesIsAnsweredAndKept() async throws {
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hubtop-lifecycle-\(UUID()).journal"
        ).path
        defer { try? FileManager.default.removeItem(atPath: journal) }
        let arguments = [
            "--headless", "--json", "--listen", "127.0.0.1:0", "--token", Self.token, "--journal", journal,
            "--fsync", "always",
        ]
        let child = try Child(arguments)
        let url = try await child.webhookURL()
        let port = try #require(URLComponents(string: url)?.port)
        let body = Array(
            #"{"push_data":{"tag":"v1","pusher":"ann"},"repository":{"repo_name":"life/cycle"}}"#.utf8)
        let client = try RawClient(port: port)
        defer { client.close() }
        client.send(
            "POST /hook/\(Self.token) HTTP/1.1\r\nHost: hubtop\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n")
        client.send(Array(body.prefix(20)))
        // The listener has taken what was sent (accepted and read it): the request is in flight.
        try await eventually("the listener to read the request's start") {
            TCPTable.receiveQueue(serverPort: port, clientPort: client.localPort) == 0
        }
        child.signal(SIGTERM)
        try await eventually("the stop to be logged") { child.stderr.contains("hubtop: stopping signal=15") }
        client.send(Array(body.dropFirst(20)))
        let answer = await client.readAll()
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        #expect(answer.contains(#""ok":true"#))
        #expect(try await child.waitForExit() == 0)
        #expect(child.stdout.contains(#""repo_name":"life/cycle""#), "the event was printed before the exit")

        // It was journaled before it was answered: the next run has it.
        let next = try Child(arguments)
        _ = try await next.webhookURL()
        #expect(next.stderr.contains("1 lines replayed"), "\(next.stderr)")
        next.signal(SIGINT)
        #expect(try await next.waitForExit() == 0)
        #expect(next.stderr.contains("hubtop: stopping signal=2"))
    }
}

/// The kernel's view of loopback TCP connections, through `ss` (iproute2; `/proc/net/tcp` is
/// incomplete on some sandboxed kernels).
enum TCPTable {
    /// Bytes the server's end of the connection from `clientPort` holds unread; nil while the
    /// kernel shows no such connection.
    static func receiveQueue(serverPort: Int, clientPort: Int) -> Int? {
        let ss = Process()
        ss.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        ss.arguments = [
            "ss", "-tnH", "state", "established", "( sport = :\(serverPort) and dport = :\(clientPort) )",
        ]
        let output = Pipe()
        ss.standardOutput = output
        ss.standardError = FileHandle.nullDevice
        guard (try? ss.run()) != nil else { return nil }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ss.waitUntilExit()
        // `Recv-Q Send-Q local peer`: the first column is what the server has not read.
        return text.split(separator: " ").first.flatMap { Int($0) }
    }
}

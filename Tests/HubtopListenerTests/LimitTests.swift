import Foundation
import HubtopCore
import HubtopTestSupport
import NIOCore
import Testing

@testable import HubtopIO
@testable import HubtopServer

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback configuration with token `t`, adjusted by `adjust`.
func limited(_ adjust: (inout ListenerConfiguration) -> Void = { _ in }) -> ListenerConfiguration {
    var configuration = ListenerConfiguration(port: 0, token: testToken, eventLoopThreads: 1)
    adjust(&configuration)
    return configuration
}

func withLimitedListener(
    _ configuration: ListenerConfiguration, journal: Journal? = nil,
    _ body: (Int, Ingestor) async throws -> Void
) async throws {
    let ingestor = Ingestor(store: EventStore())
    var configuration = configuration
    if let journal { configuration.durability = JournalDurability(journal, ingestor) }
    let server = WebhookServer(configuration: configuration, ingestor: ingestor)
    let port = try await server.start()
    do {
        try await body(port, ingestor)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// Holds two connections open (the server has counted them once it answers on both), then
/// expects a third to be refused at once with `429 too_many_connections`.
func expectThirdConnectionRefused(_ configuration: ListenerConfiguration) async throws {
    try await withLimitedListener(configuration) { port, ingestor in
        let first = try RawClient(port: port)
        let second = try RawClient(port: port)
        defer {
            first.close()
            second.close()
        }
        // Both answered: both counted (under load the first can be counted after the second).
        first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        second.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try await eventually("two connections counted") { first.canRead() && second.canRead() }
        let third = try RawClient(port: port)
        defer { third.close() }
        let response = await third.readAll()
        #expect(status(of: response) == 429)
        #expect(jsonBody(of: response)["error"] == .string("too_many_connections"))
        #expect(ingestor.rejections.byReason["too_many_connections"] == 1)
    }
}

func status(of response: String) -> Int? {
    response.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
}

func jsonBody(of response: String) -> [String: JSONValue] {
    guard let range = response.range(of: "\r\n\r\n") else { return [:] }
    return (try? JSONValue.parse(String(response[range.upperBound...])))?.members ?? [:]
}

@Suite struct LimitTests {
    let example = Array(DockerHubExample.body.utf8)

    @Test func overlongRequestTargetsGet414() async throws {
        try await withLimitedListener(limited { $0.maxURIBytes = 100 }) { port, ingestor in
            let client = try RawClient(port: port)
            defer { client.close() }
            client.send("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = await client.readAll()
            #expect(status(of: response) == 414)
            #expect(jsonBody(of: response)["error"] == .string("uri_too_long"))
            #expect(ingestor.rejections.byReason["uri_too_long"] == 1)
        }
    }

    @Test func tooManyOrTooLargeHeadersGet431() async throws {
        try await withLimitedListener(
            limited {
                $0.maxHeaderCount = 10
                $0.maxHeaderBytes = 1000
            }
        ) { port, _ in
            let many = try RawClient(port: port)
            many.send("GET /healthz HTTP/1.1\r\n" + (0..<20).map { "X-\($0): y\r\n" }.joined() + "\r\n")
            let manyResponse = await many.readAll()
            many.close()
            #expect(status(of: manyResponse) == 431)
            #expect(jsonBody(of: manyResponse)["error"] == .string("too_many_headers"))
            let large = try RawClient(port: port)
            large.send("GET /healthz HTTP/1.1\r\nX-Big: \(String(repeating: "b", count: 2000))\r\n\r\n")
            let largeResponse = await large.readAll()
            large.close()
            #expect(status(of: largeResponse) == 431)
            // Beyond what the HTTP parser itself takes (80 KB): still a JSON 431.
            let huge = try RawClient(port: port)
            huge.send("GET /healthz HTTP/1.1\r\nX-Huge: \(String(repeating: "h", count: 100_000))\r\n\r\n")
            let hugeResponse = await huge.readAll()
            huge.close()
            #expect(status(of: hugeResponse) == 431)
            #expect(jsonBody(of: hugeResponse)["error"] == .string("headers_too_large"))
        }
    }

    @Test func malformedHTTPGetsAJSON400() async throws {
        try await withLimitedListener(limited()) { port, ingestor in
            let client = try RawClient(port: port)
            defer { client.close() }
            client.send("THIS IS NOT HTTP\r\n\r\n")
            let response = await client.readAll()
            #expect(status(of: response) == 400)
            #expect(jsonBody(of: response)["error"] == .string("malformed_http"))
            #expect(ingestor.rejections.byReason["malformed_http"] == 1)
        }
    }

    @Test func slowDripRequestsGet408AndAreClosed() async throws {
        try await withLimitedListener(limited { $0.requestTimeout = .milliseconds(300) }) { port, ingestor in
            let client = try RawClient(port: port)
            defer { client.close() }
            client.send("POST /hook/\(testToken) HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"repo")
            // …and nothing more: the deadline answers.
            let response = await client.readAll()
            #expect(status(of: response) == 408)
            #expect(jsonBody(of: response)["error"] == .string("request_timeout"))
            #expect(ingestor.rejections.byReason["request_timeout"] == 1)
            #expect(ingestor.store.totals.events == 0)
        }
    }

    @Test func keepAliveRequestsEachGetTheirOwnDeadline() async throws {
        try await withLimitedListener(limited { $0.requestTimeout = .milliseconds(500) }) { port, ingestor in
            let client = try RawClient(port: port)
            defer { client.close() }
            let request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            client.send(request)
            try await Task.sleep(nanoseconds: 400_000_000)
            client.send(request)
            try await Task.sleep(nanoseconds: 400_000_000)
            client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let responses = await client.readAll().components(separatedBy: "HTTP/1.1 ").filter { !$0.isEmpty }
            #expect(responses.count == 3)
            #expect(responses.allSatisfy { $0.hasPrefix("200") })
            #expect(ingestor.rejections.byReason["request_timeout"] == nil)
        }
    }

    @Test func idleKeepAliveConnectionsAreClosed() async throws {
        try await withLimitedListener(limited { $0.idleTimeout = .milliseconds(300) }) { port, ingestor in
            let client = try RawClient(port: port)
            defer { client.close() }
            client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            // One answer, then nothing more is sent: the server closes the idle connection.
            let started = Date()
            let response = await client.readAll()
            #expect(status(of: response) == 200)
            #expect(Date().timeIntervalSince(started) < 14, "closed by the server, not by the read timeout")
            #expect(ingestor.rejections.total == 0, "an idle close is not a rejection")
        }
    }

    @Test func excessConnectionsAreRefusedAtOnce() async throws {
        try await expectThirdConnectionRefused(limited { $0.maxConnections = 2 })
    }

    @Test func anAddressThatOverdrawsSitsInThePenaltyBox() {
        let box = PenaltyBox(rate: 5, penalty: 60)
        #expect(box.burst == 10)
        for _ in 0..<10 { #expect(box.strike("a", now: 100) == nil) }
        #expect(box.strike("a", now: 100) == 60, "out of allowance: boxed for the penalty")
        #expect(box.strike("b", now: 100) == nil, "addresses have their own allowance")
        // The allowance would have refilled after a second, but the box holds for the penalty.
        #expect(box.strike("a", now: 102) == 58)
        #expect(box.isBoxed("a", now: 159))
        #expect(box.strike("a", now: 161) == nil, "let out after the penalty, with a full allowance")
    }

    @Test func anIPv6SenderIsHeldByItsSlash64() {
        let box = PenaltyBox(rate: 1, penalty: 60)
        for index in 0..<3 { _ = box.strike("2001:db8:1:2::\(index + 1)", now: 100) }
        #expect(box.isBoxed("2001:db8:1:2::ffff", now: 101), "another address of the same /64")
        #expect(box.isBoxed("2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd", now: 101))
        #expect(!box.isBoxed("2001:db8:1:3::1", now: 101), "the next /64 is someone else")
        #expect(PenaltyBox.key("::ffff:192.0.2.7") == "192.0.2.7", "IPv4-mapped is the IPv4 address")
        #expect(PenaltyBox.key("192.0.2.7") == "192.0.2.7")
    }

    @Test func aFloodOfNewAddressesDoesNotSetTheBoxedOnesFree() {
        let box = PenaltyBox(rate: 1, penalty: 60, maximumAddresses: 100)
        for _ in 0..<3 { _ = box.strike("198.51.100.1", now: 100) }
        #expect(box.isBoxed("198.51.100.1", now: 100))
        for index in 0..<1_000 { _ = box.strike("10.\(index / 256).\(index % 256).1", now: 100) }
        #expect(box.isBoxed("198.51.100.1", now: 101), "still in the box after the table filled")
    }

    @Test func requestsBeyondTheRateLimitGet429WithRetryAfter() async throws {
        // One token, refilled every 100 s: the second request is refused however slow the machine is.
        try await withLimitedListener(limited { $0.rateLimit = 0.01 }) { port, ingestor in
            let url = "http://127.0.0.1:\(port)/healthz"
            let first = try await HTTPPost.post(url: url, body: [], method: "GET")
            let second = try await HTTPPost.post(url: url, body: [], method: "GET")
            #expect(first.status == 200)
            #expect(second.status == 429)
            #expect(jsonObject(second.body)["error"] == .string("rate_limited"))
            let retryAfter = second.headers.first { $0.0.lowercased() == "retry-after" }?.1
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
            #expect(ingestor.rejections.byReason["rate_limited"] == 1)
        }
    }

    @Test func chunkedBodiesAreAccepted() async throws {
        try await withLimitedListener(limited()) { port, ingestor in
            let client = try RawClient(port: port)
            defer { client.close() }
            let body = DockerHubExample.body
            let half = body.utf8.count / 2
            let first = String(decoding: Array(body.utf8)[..<half], as: UTF8.self)
            let second = String(decoding: Array(body.utf8)[half...], as: UTF8.self)
            var request =
                "POST /hook/\(testToken) HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            for part in [first, second] {
                request += String(part.utf8.count, radix: 16) + "\r\n" + part + "\r\n"
            }
            client.send(request + "0\r\n\r\n")
            let response = await client.readAll()
            #expect(status(of: response) == 200, "\(response)")
            #expect(ingestor.store.totals.events == 1)
        }
    }

    @Test func nothingStoredChangesAfterAnyRefusal() async throws {
        try await withLimitedListener(limited { $0.maxBodyBytes = 4096 }) { port, ingestor in
            let url = "http://127.0.0.1:\(port)/hook/\(testToken)"
            _ = try await HTTPPost.post(url: url, body: example)
            let before = ingestor.store.event(id: 1)
            let hostile: [[UInt8]] = [
                [], [0xFF, 0xFE, 0x00], Array("{\"a\":NaN}".utf8), Array("[]".utf8),
                Array(String(repeating: "[", count: 100_000).utf8), Array(repeating: 0x20, count: 5000),
                Array("repo_name=a%2Fb".utf8),
                Array(#"{"repository":{"repo_name":"\#(String(repeating: "r", count: 300))"}}"#.utf8),
                Array(#"{"repository":{"repo_name":"a/b"},"push_data":{"pushed_at":1e999}}"#.utf8),
            ]
            for body in hostile {
                let response = try await HTTPPost.post(url: url, body: body)
                #expect((400..<500).contains(response.status), "\(response.status) \(response.body)")
                #expect(jsonBody(of: "\r\n\r\n" + response.body)["error"] != nil)
            }
            #expect(ingestor.store.totals.events == 1)
            #expect(ingestor.store.event(id: 1) == before)
        }
    }
}

@Suite struct EarlyRefusalTests {
    /// A genuine sender whose bodies are too large: each 413 is counted once and never draws on
    /// the address's allowance for requests without the token.
    @Test func anEarly413IsCountedOnceAndNeverPenalisesAGenuineSender() async throws {
        try await withLimitedListener(
            limited {
                $0.maxBodyBytes = 1024
                $0.rateLimit = 1
            }
        ) { port, ingestor in
            let big = String(repeating: "x", count: 8192)
            for round in 0..<4 {
                let client = try RawClient(port: port)
                defer { client.close() }
                if round % 2 == 0 {
                    client.send(
                        "POST /hook/\(testToken) HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.utf8.count)\r\n\r\n"
                            + big)
                } else {
                    // Chunked: the size is only known as the body arrives.
                    client.send(
                        "POST /hook/\(testToken) HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + String(big.utf8.count, radix: 16) + "\r\n" + big + "\r\n0\r\n\r\n")
                }
                let answer = await client.readAll()
                #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            }
            try await eventually("every refusal counted") {
                ingestor.rejections.byReason["body_too_large"] == 4
            }
            #expect(ingestor.rejections.total == 4, "\(ingestor.rejections.byReason)")
            // Its allowance is whole: a health check from it is not refused with 429.
            let health = try await HTTPPost.post(
                url: "http://127.0.0.1:\(port)/healthz", body: [], method: "GET")
            #expect(health.status == 200, "\(health.body)")
        }
    }
}

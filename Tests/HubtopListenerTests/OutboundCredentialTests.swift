import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopIO
@testable import HubtopServer

/// Where credentials may go: a registry's pull token only to its own origin, compared exactly
/// and never after a redirect has left it; Basic credentials only to a realm the registry
/// itself named, over https or loopback. Mock registries and token servers on loopback.
@Suite struct OutboundCredentialTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)
    static let basic = "Basic " + Base64.encode(Array("alice:s3cret".utf8))

    /// Two probes whose URLs share a prefix (`http://127.0.0.1:P` and `…:P<d>`), so a string
    /// comparison would take one for the other; `routes` gets both ports.
    static func probesWithPrefixPorts(_ routes: (Int, Int) -> ([HTTPProbe.Route], [HTTPProbe.Route]))
        throws -> (HTTPProbe, HTTPProbe)
    {
        for _ in 0..<40 {
            let port = Int.random(in: 1025...6553)
            let longer = port * 10 + Int.random(in: 0...9)
            let (first, second) = routes(port, longer)
            guard let a = try HTTPProbe(port: port, first), let b = try HTTPProbe(port: longer, second) else {
                continue
            }
            return (a, b)
        }
        throw FixtureFailure(description: "no free pair of ports")
    }

    static func challenge(realm: String) -> [String: String] {
        ["WWW-Authenticate": #"Bearer realm="\#(realm)",service="probe",scope="repository:acme/api:pull""#]
    }

    @Test func thePullTokenGoesOnlyToTheRegistrysOwnOriginAndNeverAfterARedirectLeftIt() async throws {
        // The registry answers with the token by redirecting to storage on a port whose URL
        // starts with the registry's, which redirects back to the registry.
        let (registry, storage) = try Self.probesWithPrefixPorts { own, other in
            (
                [
                    HTTPProbe.Route("/token", 200, body: #"{"token":"pull-token-1"}"#),
                    HTTPProbe.Route(
                        "/v2/acme/api/manifests/v1", 302,
                        headers: ["Location": "http://127.0.0.1:\(other)/blob"],
                        authorization: "Bearer pull-token-1"),
                    HTTPProbe.Route("/back", 200, headers: ["Docker-Content-Digest": Self.digest]),
                    HTTPProbe.Route(
                        "/v2/", 401, headers: Self.challenge(realm: "http://127.0.0.1:\(own)/token")),
                ],
                [HTTPProbe.Route("/blob", 307, headers: ["Location": "http://127.0.0.1:\(own)/back"])]
            )
        }
        let client = RegistryClient(base: registry.base, credentials: ("alice", "s3cret"))
        #expect(try await client.digest("acme/api", "v1") == Self.digest)
        let seen = registry.requests
        #expect(seen.map(\.target).filter { $0.hasPrefix("/v2/") }.count == 2, "challenged once: \(seen)")
        #expect(seen.first { $0.target.hasPrefix("/token") }?.authorization == Self.basic, "loopback realm")
        #expect(storage.requests.count == 1)
        #expect(storage.requests.allSatisfy { $0.authorization == nil }, "\(storage.requests)")
        #expect(seen.first { $0.target == "/back" }?.authorization == nil, "not after leaving the origin")
    }

    @Test func aChallengeFromARedirectTargetIsNotAnswered() async throws {
        let (registry, elsewhere) = try Self.probesWithPrefixPorts { _, other in
            (
                [
                    HTTPProbe.Route(
                        "/v2/", 307,
                        headers: ["Location": "http://127.0.0.1:\(other)/v2/acme/api/manifests/v1"])
                ],
                [
                    HTTPProbe.Route("/token", 200, body: #"{"token":"stolen"}"#),
                    HTTPProbe.Route(
                        "/v2/", 401, headers: Self.challenge(realm: "http://127.0.0.1:\(other)/token")),
                ]
            )
        }
        let client = RegistryClient(base: registry.base, credentials: ("alice", "s3cret"))
        await #expect(throws: RegistryClient.Failure.self) { try await client.digest("acme/api", "v1") }
        #expect(elsewhere.requests.map(\.target) == ["/v2/acme/api/manifests/v1"], "no token asked for")
        #expect(elsewhere.requests.allSatisfy { $0.authorization == nil })
    }

    @Test func basicCredentialsNeverCrossANetworkInTheClear() async throws {
        // The realm is plain http on a host that is not loopback: reached through a proxy (the
        // probe, tunnelling), which sees what would cross the network.
        let proxy = try #require(
            try HTTPProbe([
                HTTPProbe.Route("auth.example.invalid:80", 200),
                HTTPProbe.Route("/token", 200, body: #"{"token":"t-1"}"#),
            ]))
        let registry = try #require(
            try HTTPProbe([
                HTTPProbe.Route(
                    "/v2/acme/api/manifests/v1", 200, headers: ["Docker-Content-Digest": Self.digest],
                    authorization: "Bearer t-1"),
                HTTPProbe.Route(
                    "/v2/", 401, headers: Self.challenge(realm: "http://auth.example.invalid/token")),
            ]))
        let proxies = ProxySettings(http: .init(host: "127.0.0.1", port: proxy.port))
        let client = RegistryClient(base: registry.base, credentials: ("alice", "s3cret"), proxies: proxies)
        #expect(try await client.digest("acme/api", "v1") == Self.digest, "an anonymous token still serves")
        let seen = proxy.requests
        #expect(seen.map(\.method) == ["CONNECT", "GET"], "\(seen)")
        let asked = try #require(seen.last)
        #expect(asked.target.hasPrefix("/token?service=probe&scope=") && asked.host == "auth.example.invalid")
        #expect(asked.authorization == nil, "no Basic credentials over plain http")
        #expect(registry.requests.allSatisfy { $0.method == "HEAD" }, "loopback is never proxied")
    }

    @Test func pullTokensAreBoundedAndTheLeastRecentlyUsedGoFirst() {
        var tokens = PullTokens()
        tokens.remember("first", for: "acme/first")
        for index in 0..<PullTokens.limit + 50 {
            tokens.remember("t\(index)", for: "acme/r\(index)")
            if index.isMultiple(of: 10) { _ = tokens.token(for: "acme/first") }
        }
        #expect(tokens.count == PullTokens.limit)
        #expect(tokens.token(for: "acme/first") == "first", "used recently, kept")
        #expect(tokens.token(for: "acme/r0") == nil, "the oldest unused went first")
        #expect(tokens.token(for: "acme/r\(PullTokens.limit + 49)") == "t\(PullTokens.limit + 49)")
    }

    @Test func automaticRequestsSpendOnlyTheFirstHalfOfTheBudget() throws {
        let budget = RequestBudget(perHour: 4)
        try budget.take(now: 10, automatic: true)
        try budget.take(now: 11, automatic: true)
        #expect(throws: RegistryClient.Failure.self) { try budget.take(now: 12, automatic: true) }
        try budget.take(now: 13)
        try budget.take(now: 14)
        #expect(budget.remaining(now: 15) == 0)
        #expect(throws: RegistryClient.Failure.self) { try budget.take(now: 16) }
        try budget.take(now: 3611, automatic: true)
    }
}

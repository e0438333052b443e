import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopIO
@testable import HubtopServer

/// The outbound client itself: the Host header for an IPv6 address, the answer cap, and the
/// proxy variables read as curl and Go read them.
@Suite struct OutboundHTTPTests {
    @Test func anIPv6AddressIsBracketedInTheHostHeader() async throws {
        let probe = try #require(try HTTPProbe(host: "::1", [HTTPProbe.Route("/", 200, body: "{}")]))
        let answer = try await HTTPPost.post(url: probe.base + "/hook", body: Array("{}".utf8))
        #expect(answer.status == 200)
        #expect(probe.requests.first?.host == "[::1]:\(probe.port)")
    }

    @Test func anAnswerIsKeptOnlyUpToItsCap() async throws {
        let probe = try #require(
            try HTTPProbe([HTTPProbe.Route("/", 200, body: "0123456789", repeat: 30_000)]))
        let answer = try await HTTPPost.post(
            url: probe.base + "/", body: [], method: "GET", maxResponseBody: 1000)
        #expect(answer.status == 200)
        #expect(answer.body.utf8.count == 1000)
    }

    @Test func redirectsAreNotFollowed() async throws {
        let target = try #require(try HTTPProbe([HTTPProbe.Route("/", 200)]))
        let probe = try #require(
            try HTTPProbe([HTTPProbe.Route("/", 307, headers: ["Location": target.base + "/"])]))
        let answer = try await HTTPPost.post(url: probe.base + "/hook", body: Array("{}".utf8))
        #expect(answer.status == 307)
        #expect(target.requests.isEmpty)
    }

    @Test func proxiesComeFromTheEnvironmentAsCurlReadsThem() throws {
        let settings = try ProxySettings(environment: [
            "HTTPS_PROXY": "http://bob:p%40ss@proxy.corp:3128/", "http_proxy": "proxy.corp:8080",
            "HTTP_PROXY": "ignored:1", "NO_PROXY": " .internal.example, registry.local:5000 ,10.1.2.3",
        ])
        let https = try #require(settings.server(secure: true, host: "registry-1.docker.io"))
        #expect(https == .init(host: "proxy.corp", port: 3128, user: "bob", password: Secret("p@ss")))
        #expect(!"\(https)".contains("p@ss"), "the password is masked wherever the server is printed")
        #expect(settings.server(secure: false, host: "hooks.example.com")?.port == 8080, "lowercase wins")
        #expect(settings.server(secure: true, host: "a.internal.example") == nil)
        #expect(settings.server(secure: true, host: "internal.example") == nil)
        #expect(settings.server(secure: true, host: "notinternal.example") != nil)
        #expect(settings.server(secure: false, host: "registry.local") == nil)
        #expect(settings.server(secure: false, host: "10.1.2.3") == nil)
        for loopback in ["127.0.0.1", "localhost", "::1", "api.localhost"] {
            #expect(settings.server(secure: true, host: loopback) == nil, "\(loopback)")
        }
        #expect(
            try ProxySettings(environment: ["NO_PROXY": "*", "HTTPS_PROXY": "p:1"]).server(
                secure: true, host: "x") == nil)
        #expect(try ProxySettings(environment: [:]).server(secure: true, host: "x") == nil)
    }

    @Test func noProxyTakesAddressRangesAsCurlDoes() throws {
        let settings = try ProxySettings(environment: [
            "HTTPS_PROXY": "proxy.corp:3128",
            "NO_PROXY": "10.0.0.0/8, 192.168.4.0/22, fd00::/8, [2001:db8::1]",
        ])
        #expect(settings.server(secure: true, host: "10.200.3.4") == nil)
        #expect(settings.server(secure: true, host: "11.0.0.1") != nil)
        #expect(settings.server(secure: true, host: "192.168.7.255") == nil, "inside the /22")
        #expect(settings.server(secure: true, host: "192.168.8.1") != nil, "past the /22")
        #expect(settings.server(secure: true, host: "fd12:3456::1") == nil)
        #expect(settings.server(secure: true, host: "fe80::1") != nil)
        #expect(settings.server(secure: true, host: "2001:db8::1") == nil, "a bracketed address")
        #expect(settings.server(secure: true, host: "10.example.com") != nil, "a name is not an address")
    }

    @Test func aBadProxyVariableIsNamedWithoutItsValue() {
        for value in ["socks5://user:hunter2@proxy:1080", "http://user:hunter2@proxy:notaport"] {
            do {
                _ = try ProxySettings(environment: ["HTTPS_PROXY": value])
                Issue.record("\(value) was accepted")
            } catch {
                #expect(error.description.hasPrefix("HTTPS_PROXY: "))
                #expect(!error.description.contains("hunter2"))
            }
        }
    }
}

import HubtopTestSupport
import Testing

/// The proxy variables, as the released binary reads them: `hubtop send` through a loopback
/// proxy (the probe), and a bad variable refused by name without its value.
@Suite struct ProxyEndToEndTests {
    /// Both spellings, so a proxy set in the test's own environment cannot win.
    static func proxyEnvironment(http: String = "", https: String = "") -> [String: String] {
        [
            "HTTP_PROXY": http, "http_proxy": http, "HTTPS_PROXY": https, "https_proxy": https,
            "NO_PROXY": "", "no_proxy": "",
        ]
    }

    @Test func sendGoesThroughTheProxyTheEnvironmentNames() throws {
        let proxy = try #require(
            try HTTPProbe([
                HTTPProbe.Route("hooks.example.invalid:8080", 200),
                HTTPProbe.Route("/hook/", 200, body: #"{"status":"stored"}"#),
            ]))
        let sent = try runHubtop(
            ["send", "--url", "http://hooks.example.invalid:8080/hook/secret-path-token"],
            environment: Self.proxyEnvironment(http: "http://127.0.0.1:\(proxy.port)"))
        #expect(sent.status == 0, "\(sent.err)")
        let seen = proxy.requests
        #expect(seen.map(\.method) == ["CONNECT", "POST"], "\(seen)")
        #expect(seen.last?.target == "/hook/secret-path-token")
        #expect(seen.last?.host == "hooks.example.invalid:8080")
        // https:// targets take HTTPS_PROXY (the probe refuses the tunnel: the CONNECT is the proof).
        let secure = try runHubtop(
            ["send", "--url", "https://hooks.example.invalid/hook/x"],
            environment: Self.proxyEnvironment(https: "http://127.0.0.1:\(proxy.port)"))
        #expect(secure.status == 1)
        #expect(
            proxy.requests.last?.method == "CONNECT"
                && proxy.requests.last?.target == "hooks.example.invalid:443")
    }

    @Test func aBadProxyVariableIsRefusedByNameWithoutItsValue() throws {
        let sent = try runHubtop(
            ["send", "--url", "https://hooks.example.invalid/hook/x"],
            environment: Self.proxyEnvironment(https: "socks5://user:hunter2@127.0.0.1:1"))
        #expect(sent.status == 1)
        #expect(sent.err.contains("HTTPS_PROXY") || sent.err.contains("https_proxy"), "\(sent.err)")
        #expect(!sent.err.contains("hunter2") && !sent.out.contains("hunter2"))
    }
}

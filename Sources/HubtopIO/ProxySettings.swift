import HubtopCore
import HubtopServer

#if canImport(Glibc)
    import Glibc
#endif

/// Which proxy an outbound request goes through, read from the environment as curl and Go read
/// it: `HTTPS_PROXY` for https:// targets, `HTTP_PROXY` for http:// ones (the lowercase names
/// win), none for a host `NO_PROXY` names (`*` for every host; `example.com` and `.example.com`
/// also cover its subdomains) and none for loopback, ever.
public struct ProxySettings: Sendable, Equatable {
    /// A proxy server; `user`/`password` from the URL's userinfo go to the proxy only.
    public struct Server: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var user: String?
        public var password: Secret?
    }

    public var http: Server?
    public var https: Server?
    /// `NO_PROXY`'s entries, lowercased, without a leading dot or a port.
    public var bypass: [String] = []

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public init(http: Server? = nil, https: Server? = nil, bypass: [String] = []) {
        self.http = http
        self.https = https
        self.bypass = bypass
    }

    /// From an environment (the process's, or a test's). A value that is not an http:// proxy
    /// URL is an error naming the variable — never echoing the value, which may hold a password.
    public init(environment: [String: String]) throws(Failure) {
        func value(_ name: String) -> (name: String, text: String)? {
            for key in [name.lowercased(), name] {
                if let text = environment[key], !text.isEmpty { return (key, text) }
            }
            return nil
        }
        if let (name, text) = value("HTTP_PROXY") { http = try Self.server(text, variable: name) }
        if let (name, text) = value("HTTPS_PROXY") { https = try Self.server(text, variable: name) }
        if let (_, text) = value("NO_PROXY") {
            bypass = text.split(separator: ",").compactMap { entry in
                var item = entry.trimmingCharacters(in: " \t").lowercased()
                if item.hasPrefix(".") { item.removeFirst() }
                // `[fd00::1]`: an IPv6 address as a URL writes it.
                if item.hasPrefix("["), let close = item.firstIndex(of: "]") {
                    item = String(item[item.index(after: item.startIndex)..<close])
                }
                if !item.hasPrefix("["), let colon = item.lastIndex(of: ":"),
                    item.firstIndex(of: ":") == colon
                {
                    item = String(item[..<colon])
                }
                return item.isEmpty ? nil : item
            }
        }
    }

    /// The proxy for a request to `host` (`secure`: https), if any.
    public func server(secure: Bool, host: String) -> Server? {
        guard let server = secure ? https : http else { return nil }
        let host = host.lowercased()
        if Self.isLoopback(host) { return nil }
        for entry in bypass
        where entry == "*" || host == entry || host.hasSuffix("." + entry) || Self.address(host, in: entry) {
            return nil
        }
        return server
    }

    /// Whether `host` is an address inside `range` (`10.0.0.0/8`, `fd00::/8`), as curl reads a
    /// `NO_PROXY` entry with a prefix length.
    static func address(_ host: String, in range: String) -> Bool {
        guard let slash = range.firstIndex(of: "/"), let bits = Int(range[range.index(after: slash)...]),
            let network = address(String(range[..<slash])), let address = address(host),
            address.count == network.count, (0...network.count * 8).contains(bits)
        else { return false }
        for index in 0..<network.count {
            let left = bits - index * 8
            if left <= 0 { break }
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if address[index] & mask != network[index] & mask { return false }
        }
        return true
    }

    /// An IPv4 (4 bytes) or IPv6 (16 bytes) address; nil for a name.
    static func address(_ text: String) -> [UInt8]? {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var bytes = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &bytes) == 1 { return Array(bytes.prefix(4)) }
        if inet_pton(AF_INET6, text, &bytes) == 1 { return bytes }
        return nil
    }

    /// localhost, 127.0.0.0/8 and ::1: never through a proxy, and safe for plain-http credentials.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host.hasSuffix(".localhost") || host == "::1"
            || host == "0:0:0:0:0:0:0:1"
            || (host.hasPrefix("127.") && host.split(separator: ".").count == 4
                && host.allSatisfy { $0.isNumber || $0 == "." })
    }

    /// `http://[user:password@]host[:port][/]` or a bare `host:port`, as the variables are set.
    static func server(_ text: String, variable: String) throws(Failure) -> Server {
        var rest = Substring(text)
        if let scheme = rest.firstRange(of: "://") {
            guard rest[..<scheme.lowerBound].lowercased() == "http" else {
                throw Failure(description: "\(variable): only http:// proxies are supported")
            }
            rest = rest[scheme.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var user: String?
        var password: Secret?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                user = PercentEncoding.decoded(userinfo[..<colon])
                password = Secret(PercentEncoding.decoded(userinfo[userinfo.index(after: colon)...]))
            } else {
                user = PercentEncoding.decoded(userinfo)
            }
            rest = rest[rest.index(after: at)...]
        }
        // Host and port as every other URL is read.
        guard !rest.isEmpty, let target = try? HTTPPost.target("http://" + rest) else {
            throw Failure(
                description: "\(variable): the proxy URL names no host, or a port that is not 1 to 65535")
        }
        return Server(host: target.host, port: target.port, user: user, password: password)
    }
}

import HubtopCore
import HubtopServer
import NIOCore
import Synchronization

/// A client for the Distribution HTTP API v2 (Docker Hub's `registry-1.docker.io`, or any
/// registry): what an image is — its index, platform manifests and configs, whose history is
/// the Dockerfile the payload no longer carries. Bearer tokens are taken from the
/// `WWW-Authenticate` challenge (anonymously, or with Basic credentials) and kept per scope.
///
/// `ImageService` decides when to ask (the enrichment modes) and caches what it answers.
public final class RegistryClient: Sendable {
    public let base: String
    /// `user:token` for the token endpoint (Basic), if any.
    private let credentials: (user: String, secret: Secret)?
    /// Pull tokens by repository, the least recently used forgotten past `tokenLimit`.
    private let tokens = Mutex(PullTokens())
    /// The registry's origin: the only one a pull token or a challenge is accepted from.
    let origin: HTTPPost.Origin?
    /// Proxies for tests; nil: the process's.
    let proxies: ProxySettings?
    /// Manifest GETs allowed per hour (what Docker Hub counts against pull limits); nil: any.
    public let budget: RequestBudget?
    let timeout: TimeAmount
    /// After a `429`: until when nothing is asked, and what to say meanwhile.
    private let blockedUntil = Mutex<(reset: Double?, message: String)?>(nil)
    /// Set once the registry challenged with `Basic` (a self-hosted registry with `htpasswd`):
    /// the credentials then go with every request to its origin.
    private let usesBasic = Mutex(false)
    let clock: @Sendable () -> Double

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var status: Int?
        public var description: String
    }

    public init(
        base: String = "https://registry-1.docker.io", credentials: (user: String, secret: Secret)? = nil,
        budget: RequestBudget? = nil, timeout: TimeAmount = .seconds(10),
        clock: @escaping @Sendable () -> Double = WallClock.now, proxies: ProxySettings? = nil
    ) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.origin = try? HTTPPost.target(self.base).origin
        self.proxies = proxies
        self.credentials = credentials
        self.budget = budget
        self.timeout = timeout
        self.clock = clock
    }

    /// Why lookups fail fast now (a `429` until its reset), if they do.
    public var blockedMessage: String? {
        blockedUntil.withLock { blocked in
            guard let blocked, let reset = blocked.reset, clock() < reset else { return nil }
            return blocked.message
        }
    }

    /// Seconds until a `429` lifts: `Retry-After` (seconds), else `RateLimit-Reset` (seconds
    /// or a Unix time).
    static func secondsToWait(retryAfter: String?, reset: String?, now: Double) -> Double? {
        if let retryAfter, let seconds = Double(retryAfter.trimmingCharacters(in: " ")), seconds >= 0 {
            return min(seconds, 6 * 3600)
        }
        if let reset, let value = Double(reset.trimmingCharacters(in: " ")), value >= 0 {
            return min(value > 1_000_000_000 ? max(0, value - now) : value, 6 * 3600)
        }
        return nil
    }

    static let manifestTypes = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]

    /// The image `repository:reference` (a tag or a digest) names: its digest, media type and
    /// platforms, with the config of one platform (`platform`, an index into the platforms, or
    /// the preferred one). `known`, the same image looked up before, saves the index GET and the
    /// configs already fetched.
    public func image(
        _ repository: String, _ reference: String, platform: Int? = nil, known: RegistryImage? = nil
    ) async throws -> RegistryImage {
        try Self.checkNames(repository, reference)
        var image: RegistryImage
        var single: [String: JSONValue]?
        if let known, known.digest == reference {
            image = known
        } else {
            let top = try await get(
                "/v2/\(repository)/manifests/\(reference)", repository, accept: Self.manifestTypes,
                counted: .asked)
            let document = try JSONValue.parse(top.body).members
            let mediaType = top.header("content-type") ?? document["mediaType"]?.string ?? "?"
            image = RegistryImage(
                digest: top.header("docker-content-digest") ?? reference, mediaType: mediaType)
            if case .array(let entries)? = document["manifests"] {
                for entry in entries.prefix(16) {
                    let fields = entry.members
                    guard let digest = fields["digest"]?.string, RegistryNames.isDigest(digest) else {
                        continue
                    }
                    let platform = fields["platform"]?.members ?? [:]
                    image.platforms.append(
                        RegistryImage.Platform(
                            digest: digest, os: platform["os"]?.string,
                            architecture: platform["architecture"]?.string,
                            variant: platform["variant"]?.string))
                }
            } else {
                single = document
                image.platforms.append(
                    RegistryImage.Platform(digest: image.digest, os: nil, architecture: nil, variant: nil))
            }
            if let known { image.merge(known) }
        }
        let chosen = platform.map { min(max(0, $0), image.platforms.count - 1) } ?? image.preferredPlatform
        guard image.platforms.indices.contains(chosen), image.platforms[chosen].config == nil else {
            return image
        }
        if let single {
            image.platforms[chosen].config = try await config(repository, manifestDocument: single)
            image.platforms[chosen].os = image.platforms[chosen].config?.os
            image.platforms[chosen].architecture = image.platforms[chosen].config?.architecture
        } else if image.platforms[chosen].os != "unknown" {
            // Attestation manifests ride along in indexes as `unknown/unknown`: no config to read.
            let response = try await get(
                "/v2/\(repository)/manifests/\(image.platforms[chosen].digest)", repository,
                accept: Self.manifestTypes, counted: .asked)
            image.platforms[chosen].config = try await config(
                repository, manifestDocument: try JSONValue.parse(response.body).members)
        }
        return image
    }

    /// The digest a tag points at, by HEAD: Docker Hub does not count HEADs against pull limits,
    /// but hubtop does when it asks on its own (`automatic`), so no sender can make it ask
    /// without end; those never take the budget's last half.
    public func digest(_ repository: String, _ tag: String, automatic: Bool = false) async throws -> String {
        try Self.checkNames(repository, tag)
        let answer = try await get(
            "/v2/\(repository)/manifests/\(tag)", repository, accept: Self.manifestTypes, method: "HEAD",
            counted: automatic ? .automatic : .no)
        guard let digest = answer.header("docker-content-digest"), RegistryNames.isDigest(digest) else {
            throw Failure(description: "the registry named no digest for \(repository):\(tag)")
        }
        return digest
    }

    static func checkNames(_ repository: String, _ reference: String) throws {
        guard RegistryNames.isRepository(repository) else {
            throw Failure(description: "not a repository name: \(TerminalSanitizer.line(repository))")
        }
        guard RegistryNames.isReference(reference) else {
            throw Failure(description: "not a tag or digest: \(TerminalSanitizer.line(reference))")
        }
    }

    func config(_ repository: String, manifestDocument: [String: JSONValue]) async throws -> ImageConfig? {
        guard let digest = manifestDocument["config"]?.members["digest"]?.string,
            RegistryNames.isDigest(digest)
        else { return nil }
        let response = try await get("/v2/\(repository)/blobs/\(digest)", repository, accept: ["*/*"])
        return ImageConfig(parsing: response.body)
    }

    struct Answer {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name }?.1
        }
    }

    /// Whether a request spends the budget: a GET the user asked for, a request hubtop makes
    /// on its own, or neither (blobs, which Docker Hub does not count).
    enum Counted {
        case no, asked, automatic
    }

    /// How often a server error (500, 502, 503, 504) is asked again.
    static let serverErrorRetries = 2

    /// GET (or HEAD) with the scope's token, answering a Bearer challenge once and following
    /// redirects (blobs live on storage hosts) a few times. The token goes only to the
    /// registry's own origin, compared exactly, and never again once a redirect has left it.
    func get(
        _ path: String, _ repository: String, accept: [String], method: String = "GET", counted: Counted = .no
    ) async throws -> Answer {
        guard let origin else { throw Failure(description: "not a registry URL: \(base)") }
        var target = try HTTPPost.target(base + path)
        var leftOrigin = false
        var challenged = false
        if let until = blockedUntil.withLock({ $0 }), let reset = until.reset, clock() < reset {
            throw Failure(status: 429, description: until.message)
        }
        if counted != .no, let budget { try budget.take(now: clock(), automatic: counted == .automatic) }
        // Five answers (redirects, a challenge), plus the server errors asked again.
        var retries = 0
        var answers = 0
        while answers < 5 + retries {
            answers += 1
            var headers = [("Accept", accept.joined(separator: ", "))]
            let own = !leftOrigin && target.origin == origin
            if own, let token = tokens.withLock({ $0.token(for: repository) }) {
                headers.append(("Authorization", "Bearer \(token)"))
            } else if own, usesBasic.withLock({ $0 }), let basic = basicCredentials(for: target) {
                headers.append(("Authorization", basic))
            }
            let response = try await HTTPPost.post(
                url: target.url, body: [], extraHeaders: headers, method: method, timeout: timeout,
                maxResponseBody: 4 << 20, proxies: proxies)
            let answer = Answer(status: response.status, headers: response.headers, body: response.body)
            switch response.status {
            case 200..<300: return answer
            case 301, 302, 303, 307, 308:
                guard let location = answer.header("location") else { break }
                target = try Self.resolve(location, against: target)
                if target.origin != origin { leftOrigin = true }
                continue
            case 401 where !challenged && own:
                challenged = true
                let challenge = answer.header("www-authenticate")
                if challenge?.lowercased().hasPrefix("basic") == true, basicCredentials(for: target) != nil {
                    usesBasic.withLock { $0 = true }
                } else {
                    try await authenticate(challenge, repository)
                }
                continue
            case 429:
                // Not retried: every lookup fails fast until the reset the registry named.
                let wait = Self.secondsToWait(
                    retryAfter: answer.header("retry-after"), reset: answer.header("ratelimit-reset"),
                    now: clock())
                let message =
                    "the registry's pull limit is reached; retry after "
                    + (wait.map { Timestamp.timeOfDay(clock() + $0) } ?? "its reset")
                blockedUntil.withLock { $0 = (clock() + (wait ?? 60), message) }
                throw Failure(status: 429, description: message)
            case let status where [500, 502, 503, 504].contains(status) && retries < Self.serverErrorRetries:
                // A registry busy writing what was just pushed can fail a read for a moment:
                // asked again, a little later each time, before it is reported.
                retries += 1
                try await Task.sleep(for: .milliseconds(250 << retries))
                continue
            default: break
            }
            throw Failure(
                status: response.status,
                description: response.status == 404
                    ? "not in the registry (404): \(path)" : "HTTP \(response.status) for \(path)")
        }
        throw Failure(description: "too many redirects for \(path)")
    }

    /// Where a `Location` points from `target`: an absolute http(s) URL, `//host/…` or `/path`.
    static func resolve(_ location: String, against target: HTTPPost.Target) throws -> HTTPPost.Target {
        let lowered = location.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            return try HTTPPost.target(location)
        }
        if location.hasPrefix("//") {
            return try HTTPPost.target((target.secure ? "https:" : "http:") + location)
        }
        if location.hasPrefix("/") { return try HTTPPost.target(target.origin.url + location) }
        throw Failure(description: "the registry redirected to a location hubtop does not follow")
    }

    /// `Basic …` for the credentials, only over https or to loopback: never in the clear across a
    /// network.
    func basicCredentials(for target: HTTPPost.Target) -> String? {
        guard let credentials, target.secure || ProxySettings.isLoopback(target.host) else { return nil }
        return "Basic " + Base64.encode(Array("\(credentials.user):\(credentials.secret.reveal())".utf8))
    }

    /// `Bearer realm="…",service="…",scope="…"` → a token from the realm. Basic credentials go
    /// along only over https or to loopback: never in the clear across a network.
    func authenticate(_ challenge: String?, _ repository: String) async throws {
        guard let challenge, challenge.lowercased().hasPrefix("bearer ") else {
            throw Failure(status: 401, description: "the registry wants credentials hubtop does not have")
        }
        let parameters = Self.challengeParameters(String(challenge.dropFirst(7)))
        guard let realmText = parameters["realm"], let realm = try? HTTPPost.target(realmText) else {
            throw Failure(status: 401, description: "no usable realm in the challenge")
        }
        var query: [String] = []
        if let service = parameters["service"] { query.append("service=\(Self.percentEncoded(service))") }
        query.append("scope=\(Self.percentEncoded(parameters["scope"] ?? "repository:\(repository):pull"))")
        var headers: [(String, String)] = []
        if let basic = basicCredentials(for: realm) { headers.append(("Authorization", basic)) }
        let response = try await HTTPPost.post(
            url: realm.url + (realm.path.contains("?") ? "&" : "?") + query.joined(separator: "&"), body: [],
            extraHeaders: headers, method: "GET", timeout: timeout, proxies: proxies)
        guard (200..<300).contains(response.status) else {
            let plain = credentials != nil && headers.isEmpty
            throw Failure(
                status: response.status,
                description: "the token endpoint answered \(response.status)"
                    + (plain ? " (credentials are not sent over plain http)" : ""))
        }
        let fields = try JSONValue.parse(response.body).members
        guard let token = fields["token"]?.string ?? fields["access_token"]?.string else {
            throw Failure(description: "no token from the token endpoint")
        }
        tokens.withLock { $0.remember(token, for: repository) }
    }

    /// How many repositories' pull tokens are kept.
    var heldTokens: Int { tokens.withLock { $0.count } }

    static func challengeParameters(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(text)
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: " ,")
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                value = String(rest[..<end])
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            result[key.lowercased()] = value
        }
        return result
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

}

/// Pull tokens by repository: at most `limit`, the least recently used forgotten first (a
/// sender naming endless repositories cannot grow it).
struct PullTokens {
    static let limit = 256
    private var entries: [String: (token: String, used: UInt64)] = [:]
    private var clock: UInt64 = 0

    var count: Int { entries.count }

    mutating func token(for repository: String) -> String? {
        guard let token = entries[repository]?.token else { return nil }
        clock += 1
        entries[repository]?.used = clock
        return token
    }

    mutating func remember(_ token: String, for repository: String) {
        clock += 1
        entries[repository] = (token, clock)
        if entries.count > Self.limit, let oldest = entries.min(by: { $0.value.used < $1.value.used }) {
            entries[oldest.key] = nil
        }
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

import HubtopCore
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
    private let credentials: (user: String, secret: String)?
    private let tokens = Mutex<[String: String]>([:])
    /// Manifest GETs allowed per hour (what Docker Hub counts against pull limits); nil: any.
    public let budget: RequestBudget?
    let timeout: TimeAmount
    /// After a `429`: until when nothing is asked, and what to say meanwhile.
    private let blockedUntil = Mutex<(reset: Double?, message: String)?>(nil)
    let clock: @Sendable () -> Double

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var status: Int?
        public var description: String
    }

    public init(
        base: String = "https://registry-1.docker.io", credentials: (user: String, secret: String)? = nil,
        budget: RequestBudget? = nil, timeout: TimeAmount = .seconds(10),
        clock: @escaping @Sendable () -> Double = WallClock.now
    ) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
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
                counted: true)
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
                accept: Self.manifestTypes, counted: true)
            image.platforms[chosen].config = try await config(
                repository, manifestDocument: try JSONValue.parse(response.body).members)
        }
        return image
    }

    /// The digest a tag points at, by HEAD: Docker Hub does not count HEADs against pull limits.
    public func digest(_ repository: String, _ tag: String) async throws -> String {
        try Self.checkNames(repository, tag)
        let answer = try await get(
            "/v2/\(repository)/manifests/\(tag)", repository, accept: Self.manifestTypes, method: "HEAD")
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

    /// GET with the scope's token, answering a Bearer challenge once and following redirects
    /// (blobs live on storage hosts) a few times.
    func get(
        _ path: String, _ repository: String, accept: [String], method: String = "GET", counted: Bool = false
    ) async throws -> Answer {
        var url = base + path
        var challenged = false
        if let until = blockedUntil.withLock({ $0 }), let reset = until.reset, clock() < reset {
            throw Failure(status: 429, description: until.message)
        }
        if counted, let budget { try budget.take(now: clock()) }
        for _ in 0..<5 {
            var headers = [("Accept", accept.joined(separator: ", "))]
            if url.hasPrefix(base), let token = tokens.withLock({ $0[repository] }) {
                headers.append(("Authorization", "Bearer \(token)"))
            }
            let response = try await HTTPPost.post(
                url: url, body: [], extraHeaders: headers, method: method, timeout: timeout,
                maxResponseBody: 4 << 20)
            let answer = Answer(status: response.status, headers: response.headers, body: response.body)
            switch response.status {
            case 200..<300: return answer
            case 301, 302, 303, 307, 308:
                guard let location = answer.header("location") else { break }
                url = location.hasPrefix("/") ? base + location : location
                continue
            case 401 where !challenged:
                challenged = true
                try await authenticate(answer.header("www-authenticate"), repository)
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
            default: break
            }
            throw Failure(
                status: response.status,
                description: response.status == 404
                    ? "not in the registry (404): \(path)" : "HTTP \(response.status) for \(path)")
        }
        throw Failure(description: "too many redirects for \(path)")
    }

    /// `Bearer realm="…",service="…",scope="…"` → a token from the realm.
    func authenticate(_ challenge: String?, _ repository: String) async throws {
        guard let challenge, challenge.lowercased().hasPrefix("bearer ") else {
            throw Failure(status: 401, description: "the registry wants credentials hubtop does not have")
        }
        let parameters = Self.challengeParameters(String(challenge.dropFirst(7)))
        guard let realm = parameters["realm"] else {
            throw Failure(status: 401, description: "no realm in the challenge")
        }
        var query: [String] = []
        if let service = parameters["service"] { query.append("service=\(Self.percentEncoded(service))") }
        query.append("scope=\(Self.percentEncoded(parameters["scope"] ?? "repository:\(repository):pull"))")
        var headers: [(String, String)] = []
        if let credentials {
            headers.append(
                (
                    "Authorization",
                    "Basic " + Base64.encode(Array("\(credentials.user):\(credentials.secret)".utf8))
                ))
        }
        let response = try await HTTPPost.post(
            url: realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&"), body: [],
            extraHeaders: headers, method: "GET", timeout: timeout)
        guard (200..<300).contains(response.status) else {
            throw Failure(
                status: response.status, description: "the token endpoint answered \(response.status)")
        }
        let fields = try JSONValue.parse(response.body).members
        guard let token = fields["token"]?.string ?? fields["access_token"]?.string else {
            throw Failure(description: "no token from the token endpoint")
        }
        tokens.withLock { $0[repository] = token }
    }

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

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Manifest GETs per hour: Docker Hub counts them against pull limits (HEADs and blob GETs it
/// does not), so hubtop spends at most this many and says when it runs low.
public final class RequestBudget: Sendable {
    public let perHour: Int
    private let window = Mutex<(start: Double, used: Int)>((0, 0))

    public init(perHour: Int) { self.perHour = max(0, perHour) }

    func take(now: Double) throws {
        try window.withLock { window in
            if now - window.start >= 3600 { window = (now, 0) }
            guard window.used < perHour else {
                throw RegistryClient.Failure(
                    description: "the budget of \(perHour) registry GETs an hour is spent; more at "
                        + Timestamp.timeOfDay(window.start + 3600) + " (--registry-budget)")
            }
            window.used += 1
        }
    }

    /// GETs left in this hour.
    public func remaining(now: Double) -> Int {
        window.withLock { now - $0.start >= 3600 ? perHour : perHour - $0.used }
    }
}

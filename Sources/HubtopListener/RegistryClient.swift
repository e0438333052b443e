import HubtopCore
import Synchronization

/// A client for the Distribution HTTP API v2 (Docker Hub's `registry-1.docker.io`, or any
/// registry): what an image is — its index, platform manifests and configs, whose history is
/// the Dockerfile the payload no longer carries. Bearer tokens are taken from the
/// `WWW-Authenticate` challenge (anonymously, or with Basic credentials) and kept per scope.
///
/// Groundwork for issue #14: the enrichment modes, the GET budget and the dashboard's
/// reconstructed Dockerfile are not wired to it yet.
public final class RegistryClient: Sendable {
    public let base: String
    /// `user:token` for the token endpoint (Basic), if any.
    private let credentials: (user: String, secret: String)?
    private let tokens = Mutex<[String: String]>([:])

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var status: Int?
        public var description: String
    }

    public init(
        base: String = "https://registry-1.docker.io", credentials: (user: String, secret: String)? = nil
    ) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.credentials = credentials
    }

    static let manifestTypes = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]

    /// The image `repository:reference` (a tag or a digest) names: its digest, media type and
    /// per-platform manifests with their configs.
    public func image(_ repository: String, _ reference: String) async throws -> RegistryImage {
        guard RegistryNames.isRepository(repository) else {
            throw Failure(description: "not a repository name: \(TerminalSanitizer.line(repository))")
        }
        guard RegistryNames.isReference(reference) else {
            throw Failure(description: "not a tag or digest: \(TerminalSanitizer.line(reference))")
        }
        let top = try await get(
            "/v2/\(repository)/manifests/\(reference)", repository, accept: Self.manifestTypes)
        let document = try JSONValue.parse(top.body).members
        let mediaType = top.header("content-type") ?? Self.string(document["mediaType"]) ?? "?"
        let digest = top.header("docker-content-digest") ?? reference
        var image = RegistryImage(digest: digest, mediaType: mediaType)
        if case .array(let entries)? = document["manifests"] {
            for entry in entries.prefix(16) {
                let fields = entry.members
                guard let platformDigest = Self.string(fields["digest"]) else { continue }
                let platform = fields["platform"]?.members ?? [:]
                var item = RegistryImage.Platform(
                    digest: platformDigest, os: Self.string(platform["os"]),
                    architecture: Self.string(platform["architecture"]),
                    variant: Self.string(platform["variant"]))
                // Attestation manifests ride along in indexes as `unknown/unknown`: no config to read.
                if item.os != "unknown" {
                    item.config = try await config(repository, manifest: platformDigest)
                }
                image.platforms.append(item)
            }
        } else {
            var item = RegistryImage.Platform(digest: digest, os: nil, architecture: nil, variant: nil)
            item.config = try await config(repository, manifestDocument: document)
            item.os = item.config?.os
            item.architecture = item.config?.architecture
            image.platforms.append(item)
        }
        return image
    }

    func config(_ repository: String, manifest digest: String) async throws -> ImageConfig? {
        let response = try await get(
            "/v2/\(repository)/manifests/\(digest)", repository, accept: Self.manifestTypes)
        return try await config(repository, manifestDocument: try JSONValue.parse(response.body).members)
    }

    func config(_ repository: String, manifestDocument: [String: JSONValue]) async throws -> ImageConfig? {
        guard let digest = Self.string(manifestDocument["config"]?.members["digest"]),
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
    func get(_ path: String, _ repository: String, accept: [String]) async throws -> Answer {
        var url = base + path
        var challenged = false
        for _ in 0..<5 {
            var headers = [("Accept", accept.joined(separator: ", "))]
            if url.hasPrefix(base), let token = tokens.withLock({ $0[repository] }) {
                headers.append(("Authorization", "Bearer \(token)"))
            }
            let response = try await HTTPPost.post(
                url: url, body: [], extraHeaders: headers, method: "GET", maxResponseBody: 4 << 20)
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
                let reset = answer.header("retry-after") ?? answer.header("ratelimit-reset")
                throw Failure(
                    status: 429,
                    description: "the registry's pull limit is reached"
                        + (reset.map { "; retry after \($0)" } ?? ""))
            default: break
            }
            throw Failure(status: response.status, description: "HTTP \(response.status) for \(path)")
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
            extraHeaders: headers, method: "GET")
        guard (200..<300).contains(response.status) else {
            throw Failure(
                status: response.status, description: "the token endpoint answered \(response.status)")
        }
        let fields = try JSONValue.parse(response.body).members
        guard let token = Self.string(fields["token"]) ?? Self.string(fields["access_token"]) else {
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

    static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = self
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

/// What a registry says an image is.
public struct RegistryImage: Sendable, Equatable {
    public struct Platform: Sendable, Equatable {
        public var digest: String
        public var os: String?
        public var architecture: String?
        public var variant: String?
        public var config: ImageConfig?

        /// `linux/arm64/v8`.
        public var name: String {
            [os ?? "?", architecture ?? "?", variant].compactMap { $0 }.joined(separator: "/")
        }
    }

    public var digest: String
    public var mediaType: String
    public var platforms: [Platform] = []
}

/// An image config: how it was built (`history`) and what it says about itself (labels).
public struct ImageConfig: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var createdBy: String
        public var emptyLayer: Bool
        public var buildKit: Bool
    }

    public var os: String?
    public var architecture: String?
    public var history: [Step] = []
    public var labels: [String: String] = [:]

    init?(parsing text: String) {
        guard let value = try? JSONValue.parse(text), case .object = value else { return nil }
        let fields = value.members
        os = RegistryClient.string(fields["os"])
        architecture = RegistryClient.string(fields["architecture"])
        if case .array(let steps)? = fields["history"] {
            history = steps.prefix(500).map { step in
                let members = step.members
                let comment = RegistryClient.string(members["comment"]) ?? ""
                var empty = false
                if case .bool(let flag)? = members["empty_layer"] { empty = flag }
                return Step(
                    createdBy: RegistryClient.string(members["created_by"]) ?? "", emptyLayer: empty,
                    buildKit: comment.hasPrefix("buildkit"))
            }
        }
        for (key, label) in fields["config"]?.members["Labels"]?.members ?? [:] {
            if case .string(let text) = label { labels[key] = text }
        }
    }

    /// The instructions the history records, as a Dockerfile would say them: `#(nop)` prefixes
    /// and `# buildkit` suffixes removed, shell steps as `RUN`. `base` marks the steps that came
    /// with the base image (the classic-builder steps before the first BuildKit one), as far as
    /// the history allows telling.
    public var instructions: [(text: String, base: Bool)] {
        let firstOwn = history.firstIndex(where: \.buildKit) ?? history.count
        return history.enumerated().map { index, step in
            (Self.instruction(step.createdBy), firstOwn < history.count && index < firstOwn)
        }
    }

    static func instruction(_ createdBy: String) -> String {
        var text = createdBy.trimmingASCIIWhitespaceString()
        if text.hasSuffix("# buildkit") {
            text = String(text.dropLast("# buildkit".count)).trimmingASCIIWhitespaceString()
        }
        for prefix in ["/bin/sh -c #(nop)", "|"] where text.hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count)).trimmingASCIIWhitespaceString()
            return text
        }
        if text.hasPrefix("/bin/sh -c ") { return "RUN " + text.dropFirst("/bin/sh -c ".count) }
        if text.hasPrefix("RUN /bin/sh -c ") { return "RUN " + text.dropFirst("RUN /bin/sh -c ".count) }
        return text
    }

    public static func == (lhs: ImageConfig, rhs: ImageConfig) -> Bool {
        lhs.os == rhs.os && lhs.architecture == rhs.architecture && lhs.history == rhs.history
            && lhs.labels == rhs.labels
    }
}

extension String {
    fileprivate func trimmingASCIIWhitespaceString() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}

/// The registry's name grammar: nothing from a payload goes into a URL unless it fits.
public enum RegistryNames {
    /// `[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*`, at most 255 characters.
    public static func isRepository(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard let first = component.first, let last = component.last, isLowerAlphanumeric(first),
                isLowerAlphanumeric(last)
            else { return false }
            var previousSeparator = false
            for character in component {
                if isLowerAlphanumeric(character) {
                    previousSeparator = false
                } else if character == "." || character == "_" || character == "-" {
                    // `__` is allowed by the grammar; other doubled separators are not.
                    if previousSeparator && character != "_" { return false }
                    previousSeparator = true
                } else {
                    return false
                }
            }
        }
        return true
    }

    /// A tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) or a digest.
    public static func isReference(_ reference: String) -> Bool {
        if isDigest(reference) { return true }
        guard let first = reference.first, reference.count <= 128,
            first.isASCII && (first.isLetter || first.isNumber || first == "_")
        else { return false }
        return reference.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    public static func isDigest(_ text: String) -> Bool {
        guard text.hasPrefix("sha256:") else { return false }
        let hex = text.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    static func isLowerAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isNumber || character.isLowercase)
    }
}

/// Base64 for Basic credentials (no Foundation in the listener module).
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    static func encode(_ bytes: [UInt8]) -> String {
        var out = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : "=")
            }
            index += 3
        }
        return out
    }
}

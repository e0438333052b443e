/// A user and token for a registry's token endpoint (Basic), and where they came from.
public struct RegistryCredentials: Sendable, Equatable {
    public var user: String
    public var secret: Secret
    /// `HUBTOP_REGISTRY_USER`, or the Docker config file: said at start, the secret never is.
    public var origin: String

    public init(user: String, secret: Secret, origin: String) {
        self.user = user
        self.secret = secret
        self.origin = origin
    }

    /// The keys `docker login` writes for Docker Hub under `auths`.
    static let dockerHubKeys = [
        "https://index.docker.io/v1/", "index.docker.io", "https://index.docker.io", "docker.io",
        "registry-1.docker.io", "https://registry-1.docker.io",
    ]

    /// From `HUBTOP_REGISTRY_USER` and `HUBTOP_REGISTRY_TOKEN` when both are set.
    public static func fromEnvironment(_ environment: [String: String]) -> RegistryCredentials? {
        guard let user = environment["HUBTOP_REGISTRY_USER"], !user.isEmpty,
            let token = environment["HUBTOP_REGISTRY_TOKEN"], !token.isEmpty
        else { return nil }
        return RegistryCredentials(user: user, secret: Secret(token), origin: "HUBTOP_REGISTRY_USER/TOKEN")
    }

    /// From the text of `~/.docker/config.json`: the `auths` entry for `registry` (a base URL;
    /// Docker Hub's under the keys `docker login` uses). Credential helpers (`credsStore`,
    /// `credHelpers`) are not run: `helper` then names the one that holds them, for a message.
    public static func fromDockerConfig(_ text: String, registry: String, path: String) -> (
        credentials: RegistryCredentials?, helper: String?
    ) {
        guard let document = try? JSONValue.parse(text) else { return (nil, nil) }
        let fields = document.members
        let auths = fields["auths"]?.members ?? [:]
        let host = Self.host(of: registry)
        let isDockerHub = host == "registry-1.docker.io" || host == "index.docker.io" || host == "docker.io"
        let keys = isDockerHub ? dockerHubKeys : [host, "https://" + host, "http://" + host, registry]
        for key in keys {
            guard let entry = auths[key]?.members else { continue }
            if let auth = entry["auth"]?.string, let bytes = Base64.decode(auth),
                let colon = bytes.firstIndex(of: UInt8(ascii: ":"))
            {
                let user = String(decoding: bytes[..<colon], as: UTF8.self)
                let secret = String(decoding: bytes[(colon + 1)...], as: UTF8.self)
                if !user.isEmpty, !secret.isEmpty {
                    return (RegistryCredentials(user: user, secret: Secret(secret), origin: path), nil)
                }
            }
        }
        let helpers = fields["credHelpers"]?.members ?? [:]
        let helper = keys.lazy.compactMap { helpers[$0]?.string }.first ?? fields["credsStore"]?.string
        return (nil, helper.map { "docker-credential-" + TerminalSanitizer.line($0) })
    }

    /// `https://host:port/path` → `host:port`.
    public static func host(of url: String) -> String {
        String((URLParts.afterScheme(url) ?? Substring(url)).prefix { $0 != "/" })
    }
}

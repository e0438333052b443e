import ArgumentParser
import HubtopCore
import HubtopIO
import HubtopServer

/// Where and how the webhook listener accepts deliveries, and who may read `/metrics`.
struct ListenerOptions: ParsableArguments {
    @Option(
        help: "Address to listen on, HOST:PORT (port 0 picks a free one); none: only watch (with --database)."
    )
    var listen = "127.0.0.1:9876"

    @Option(
        help:
            "Secret path token for POST /hook/<token>, at least 16 characters (default: $HUBTOP_TOKEN, else the one kept in ~/.local/state/hubtop/token). A flag's value is visible to other users in ps: prefer $HUBTOP_TOKEN or --token-file."
    )
    var token: Secret?

    @Option(help: "Read the webhook token from this file (systemd credentials, Docker secrets).")
    var tokenFile: String?

    @Option(
        help:
            "Bearer token for GET /metrics, at least 16 characters (default: $HUBTOP_METRICS_TOKEN; without one /metrics is closed). Visible in ps as a flag: prefer the variable or --metrics-token-file."
    )
    var metricsToken: Secret?

    @Option(help: "Read the metrics token from this file.")
    var metricsTokenFile: String?

    @Option(
        help:
            "The secret of a GitHub webhook: GitHub deliveries must then carry a valid X-Hub-Signature-256, else 401 (default: $HUBTOP_GITHUB_SECRET). Visible in ps as a flag: prefer the variable or --github-secret-file."
    )
    var githubSecret: Secret?

    @Option(help: "Read the GitHub webhook secret from this file.")
    var githubSecretFile: String?

    @Option(
        help:
            "Bearer token for GET /stream (hubtop attach), at least 16 characters, unlike the other tokens (default: $HUBTOP_VIEWER_TOKEN; without one no stream is served). Visible in ps as a flag: prefer the variable or --viewer-token-file."
    )
    var viewerToken: Secret?

    @Option(help: "Read the viewer token from this file.")
    var viewerTokenFile: String?

    @Option(help: "Viewers attached to GET /stream at once; more get 503.")
    var maxViewers = 64

    @Option(
        help:
            "Live messages waiting for one viewer before it is disconnected (it catches up when it reconnects), e.g. 8MiB."
    )
    var viewerBuffer = "8MiB"

    @Option(help: "Largest accepted request body, in bytes.")
    var maxBody = 1 << 20

    @Option(help: "Close connections idle for this many seconds.")
    var idleTimeout = 60

    @Option(help: "A request must arrive whole within this many seconds of its first byte (else 408).")
    var requestTimeout = 10

    @Option(help: "A new connection must send its first byte within this many seconds (else it is closed).")
    var firstByteTimeout = 5

    @Option(help: "Open connections beyond this are refused at once (429).")
    var maxConnections = 1024

    @Option(help: "Open connections per source address (not applied with --trust-proxy).")
    var maxConnectionsPerAddress = 64

    @Option(
        help:
            "Requests without the webhook token a second per source address, bursts of twice that; an address beyond it gets 429 for a minute (0: unlimited). Deliveries with the token are never limited."
    )
    var rateLimit = 20.0

    @Option(
        name: .customLong("allow-repo"),
        help: "Accept deliveries only for repositories matching this glob (repeatable); others get 403.")
    var allowedRepositories: [String] = []

    @Flag(help: "Believe X-Forwarded-For for the client address (only behind a proxy you run).")
    var trustProxy = false

    @Flag(help: "Serve GET /metrics without a bearer token (it names your repositories).")
    var metricsPublic = false
}

/// `ListenerOptions`, checked: everything the listener needs but the tokens that may come from
/// the environment or the kept-token file (read when the run starts).
struct ListenerSettings {
    /// nil for `--listen none`: a viewer of the shared history with no listener of its own.
    let address: (host: String, port: Int)?
    /// `--listen` as given, for messages.
    let listen: String
    let token: Secret?
    let metricsToken: Secret?
    let githubSecret: Secret?
    let viewerToken: Secret?
    let maxViewers: Int
    let viewerBufferBytes: Int
    let secretFiles: [String]
    let allowlist: RepositoryAllowlist?
    private let options: ListenerOptions

    init(_ options: ListenerOptions) throws(ValidationError) {
        listen = options.listen
        if options.listen == "none" {
            address = nil
        } else if let parsed = ListenerConfiguration.parseListenAddress(options.listen) {
            address = parsed
        } else {
            throw ValidationError(
                "--listen wants HOST:PORT (or none, with --database), got '\(options.listen)'")
        }
        token = try checkedToken(options.token, "--token", file: options.tokenFile, "--token-file")
        metricsToken = try checkedToken(
            options.metricsToken, "--metrics-token", file: options.metricsTokenFile, "--metrics-token-file")
        viewerToken = try checkedToken(
            options.viewerToken, "--viewer-token", file: options.viewerTokenFile, "--viewer-token-file")
        guard options.maxViewers > 0 else { throw ValidationError("--max-viewers must be positive") }
        maxViewers = options.maxViewers
        guard let buffer = ByteSize.parse(options.viewerBuffer), buffer >= 64 << 10 else {
            throw ValidationError(
                "--viewer-buffer wants a size of at least 64KiB, got '\(options.viewerBuffer)'")
        }
        viewerBufferBytes = buffer
        do {
            githubSecret = try SecretFile.either(
                options.githubSecret, "--github-secret", file: options.githubSecretFile,
                "--github-secret-file")
        } catch {
            throw ValidationError("\(error)")
        }
        if githubSecret?.isEmpty == true {
            throw ValidationError("--github-secret is empty (an unset variable?)")
        }
        secretFiles = [
            options.tokenFile, options.metricsTokenFile, options.githubSecretFile, options.viewerTokenFile,
        ].compactMap { $0 }
        guard options.maxBody > 0 else { throw ValidationError("--max-body must be positive") }
        guard options.requestTimeout > 0, options.idleTimeout > 0, options.firstByteTimeout > 0 else {
            throw ValidationError("timeouts must be positive")
        }
        guard options.maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        guard options.maxConnectionsPerAddress > 0 else {
            throw ValidationError("--max-connections-per-address must be positive")
        }
        guard options.rateLimit >= 0 else { throw ValidationError("--rate-limit must not be negative") }
        allowlist =
            options.allowedRepositories.isEmpty ? nil : RepositoryAllowlist(options.allowedRepositories)
        self.options = options
    }

    /// The listener's configuration, given the tokens the run settled on.
    func configuration(token: String, metricsToken: String?, metrics: ListenerMetrics)
        -> ListenerConfiguration
    {
        let bound = address ?? ("127.0.0.1", 0)
        var configuration = ListenerConfiguration(
            host: bound.host, port: bound.port, token: token, maxBodyBytes: options.maxBody,
            idleTimeout: .seconds(Int64(options.idleTimeout)))
        configuration.requestTimeout = .seconds(Int64(options.requestTimeout))
        configuration.firstByteTimeout = .seconds(Int64(options.firstByteTimeout))
        configuration.maxConnections = options.maxConnections
        configuration.maxConnectionsPerAddress = options.maxConnectionsPerAddress
        configuration.metricsToken = metricsToken
        configuration.githubSecret = githubSecret ?? Environment.secret("HUBTOP_GITHUB_SECRET")
        configuration.rateLimit = options.rateLimit > 0 ? options.rateLimit : nil
        configuration.trustProxy = options.trustProxy
        configuration.metrics = metrics
        configuration.metricsPublic = options.metricsPublic
        return configuration
    }
}

/// A token given by flag or by file (never both), held to the same strength rule as any token.
private func checkedToken(_ value: Secret?, _ flag: String, file: String?, _ fileFlag: String)
    throws(ValidationError) -> Secret?
{
    let given: Secret?
    do { given = try SecretFile.either(value, flag, file: file, fileFlag) } catch {
        throw ValidationError("\(error)")
    }
    if let given, let problem = WebhookToken.problem(with: given.reveal(), name: file ?? flag) {
        throw ValidationError(problem)
    }
    return given
}

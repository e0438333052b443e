import ArgumentParser
import HubtopCore
import HubtopIO
import HubtopServer

/// `--forward`: relaying each accepted delivery to other receivers.
struct ForwardOptions: ParsableArguments {
    @Option(
        name: .customLong("forward"),
        help:
            "Relay each accepted delivery to this URL (repeatable), with retries, never delaying the answer.")
    var forwardURLs: [String] = []

    @Option(help: "With --forward: deliveries waiting per target before new ones are dropped.")
    var forwardQueue = 1000

    @Option(help: "With --forward: body bytes waiting per target before new ones are dropped (e.g. 64MiB).")
    var forwardQueueBytes = "64MiB"

    @Option(
        help: "With --forward: attempts per delivery (with exponential backoff from 0.5 s, at most 30 s).")
    var forwardAttempts = 5
}

/// `ForwardOptions`, checked.
struct ForwardSettings {
    let urls: [String]
    let policy: Forwarder.Policy

    init(_ options: ForwardOptions) throws(ValidationError) {
        for url in options.forwardURLs {
            do { _ = try HTTPPost.target(url) } catch { throw ValidationError("--forward \(url): \(error)") }
        }
        urls = options.forwardURLs
        guard let bytes = ByteSize.parse(options.forwardQueueBytes) else {
            throw ValidationError(
                "--forward-queue-bytes wants a size such as 64MiB; got '\(options.forwardQueueBytes)'")
        }
        guard options.forwardQueue > 0, options.forwardAttempts > 0 else {
            throw ValidationError("--forward-queue and --forward-attempts must be positive")
        }
        var policy = Forwarder.Policy()
        policy.queueLimit = options.forwardQueue
        policy.maxAttempts = options.forwardAttempts
        policy.queueByteLimit = bytes
        self.policy = policy
    }

    /// The targets' `host:port`, as the re-send prompt offers them.
    var authorities: [String] { urls.compactMap { try? HTTPPost.target($0).authority } }
}

import ArgumentParser
import HubtopCore
import HubtopIO
import HubtopServer

/// The registry images are read from, and how often hubtop may ask it.
struct RegistryOptions: ParsableArguments {
    @Option(help: "The registry to read images from (Docker Hub's by default; a mirror, or a local one).")
    var registry = "https://registry-1.docker.io"

    @Option(
        help: """
            When to ask the registry about pushed images: on-demand (opening the Dockerfile or \
            the detail of an event without a Dockerfile), auto (also a HEAD per new delivery for its \
            digest), off (never). Default: on-demand, off with --demo.
            """)
    var enrich: String?

    @Option(
        help:
            "Registry requests allowed per hour: manifest GETs (what Docker Hub counts against pull limits) and, at most half, the HEADs of --enrich auto."
    )
    var registryBudget = 16

    @Option(
        name: .customLong("lookup-registry"),
        help:
            "Another registry hubtop may read images from, matched to its events by host (repeatable): https://ghcr.io, http://registry.internal:5000 (plain http only as given). Credentials from $DOCKER_CONFIG/config.json auths."
    )
    var lookupRegistries: [String] = []

    /// `--enrich`, with `--demo`'s made-up repositories left alone unless asked.
    func enrichment(demo: Bool) -> EnrichmentMode {
        enrich.flatMap(EnrichmentMode.init(rawValue:)) ?? (demo ? .off : .onDemand)
    }
}

/// `RegistryOptions`, checked.
struct RegistrySettings {
    let base: String
    let enrichment: EnrichmentMode
    let budgetPerHour: Int
    /// `--lookup-registry`: base URLs and their hosts.
    let lookups: [(base: String, host: String)]

    init(_ options: RegistryOptions, demo: Bool) throws(ValidationError) {
        if let enrich = options.enrich, EnrichmentMode(rawValue: enrich) == nil {
            throw ValidationError("--enrich takes on-demand, auto or off; got '\(enrich)'")
        }
        enrichment = options.enrichment(demo: demo)
        guard options.registryBudget >= 0 else {
            throw ValidationError("--registry-budget must not be negative")
        }
        budgetPerHour = options.registryBudget
        do { _ = try HTTPPost.target(options.registry) } catch {
            throw ValidationError("--registry \(options.registry): \(error)")
        }
        base = options.registry
        var lookups: [(String, String)] = []
        for url in options.lookupRegistries {
            do { _ = try HTTPPost.target(url) } catch {
                throw ValidationError("--lookup-registry \(url): \(error)")
            }
            let host = RegistryCredentials.host(of: url).lowercased()
            guard !host.isEmpty else { throw ValidationError("--lookup-registry \(url): no host") }
            lookups.append((url.hasSuffix("/") ? String(url.dropLast()) : url, host))
        }
        self.lookups = lookups
    }
}

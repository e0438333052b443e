import HubtopCore
import HubtopIO
import HubtopServer
import Logging

extension RegistrySettings {
    /// The registry client and the lookups `--enrich` allows, with credentials from the
    /// environment or `~/.docker/config.json` (said on stderr, the secret never); nil with
    /// `--enrich off`.
    func imageLookups(store: EventStore) -> ImageLookups? {
        guard enrichment != .off else { return nil }
        let others = lookups.map { lookup in
            let credentials = dockerConfigCredentials(for: lookup.base)
            if let credentials {
                Logger.hubtop.info(
                    "registry \(lookup.base) as \(credentials.user) (from \(credentials.origin))")
            }
            let client = RegistryClient(
                base: lookup.base, credentials: credentials.map { ($0.user, $0.secret) },
                budget: RequestBudget(perHour: budgetPerHour))
            return ImageService(mode: enrichment, client: client, store: store, host: lookup.host)
        }
        return ImageLookups(dockerHub: imageService(store: store), others: others)
    }

    func imageService(store: EventStore) -> ImageService? {
        let credentials = self.credentials()
        if let credentials {
            Logger.hubtop.info("registry \(base) as \(credentials.user) (from \(credentials.origin))")
        }
        let client = RegistryClient(
            base: base, credentials: credentials.map { ($0.user, $0.secret) },
            budget: RequestBudget(perHour: budgetPerHour))
        return ImageService(mode: enrichment, client: client, store: store)
    }

    private func credentials() -> RegistryCredentials? {
        let variables = ["HUBTOP_REGISTRY_USER", "HUBTOP_REGISTRY_TOKEN"]
        if let credentials = RegistryCredentials.fromEnvironment(
            variables.reduce(into: [:]) { $0[$1] = Environment.value($1) })
        {
            return credentials
        }
        return dockerConfigCredentials(for: base)
    }

    /// The `auths` entry of `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`) for `base`.
    private func dockerConfigCredentials(for base: String) -> RegistryCredentials? {
        let path =
            (Environment.value("DOCKER_CONFIG") ?? ((Environment.value("HOME") ?? "") + "/.docker"))
            + "/config.json"
        guard let bytes = try? Console.readAll(path) else { return nil }
        let found = RegistryCredentials.fromDockerConfig(
            String(decoding: bytes, as: UTF8.self), registry: base, path: path)
        if let helper = found.helper, found.credentials == nil {
            Logger.hubtop.notice(
                """
                registry credentials are with \(helper), which hubtop does not run; \
                set HUBTOP_REGISTRY_USER and HUBTOP_REGISTRY_TOKEN for private repositories
                """)
        }
        return found.credentials
    }
}

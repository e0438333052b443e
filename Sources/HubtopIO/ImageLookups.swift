import HubtopCore

/// The registries hubtop may read images from: Docker Hub's (or `--registry`'s) and each
/// `--lookup-registry`, matched to events by host. A host nobody named is never contacted.
public struct ImageLookups: Sendable {
    public let dockerHub: ImageService?
    public let others: [ImageService]

    public init(dockerHub: ImageService?, others: [ImageService]) {
        self.dockerHub = dockerHub
        self.others = others
    }

    /// The service for a repository name: the one whose host it starts with, else Docker Hub's
    /// when the name has no host.
    public func service(for repository: String) -> ImageService? {
        if let other = others.first(where: { repository.hasPrefix(($0.host ?? "") + "/") }) { return other }
        return RegistryNames.host(of: repository) == nil ? dockerHub : nil
    }

    public func lookUp(_ request: ImageRequest, completion: @escaping @Sendable (ImageLookup) -> Void) {
        guard let service = service(for: request.repository) else {
            let host = RegistryNames.host(of: request.repository) ?? "this registry"
            return completion(
                .failed("hubtop does not read from \(host): start it with --lookup-registry https://\(host)"))
        }
        service.lookUp(request, completion: completion)
    }

    /// The first registry notice (a `429`, a budget running low, lookups failing).
    public func notice() -> String? {
        // Asked every second by the dashboard: no arrays built to find it.
        if let notice = dockerHub?.notice() { return notice }
        for service in others { if let notice = service.notice() { return notice } }
        return nil
    }
}

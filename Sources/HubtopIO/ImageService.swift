import HubtopCore
import HubtopServer
import Synchronization

/// Asks the registry about pushed images as `--enrich` allows, caches the answers by digest,
/// and records digests and platforms in the store (where re-pushes and artifact folds follow).
public final class ImageService: Sendable {
    public let mode: EnrichmentMode
    /// The registry host whose events this service looks up (`ghcr.io`, `registry.internal:5000`);
    /// nil: Docker Hub's (events that name no host).
    public let host: String?
    let client: RegistryClient
    let store: EventStore
    /// Images by digest, newest last; at most `cacheLimit`.
    private let cache = Mutex<[(digest: String, image: RegistryImage)]>([])
    static let cacheLimit = 64
    /// `--enrich auto`: new events waiting for a HEAD, one at a time.
    private let heads: AsyncStream<UInt64>.Continuation?
    private let headState = Mutex<(dropped: Int, lastError: (at: Double, text: String)?)>((0, nil))

    public init(mode: EnrichmentMode, client: RegistryClient, store: EventStore, host: String? = nil) {
        self.mode = mode
        self.host = host
        self.client = client
        self.store = store
        guard mode == .auto else {
            heads = nil
            return
        }
        let (stream, continuation) = AsyncStream.makeStream(
            of: UInt64.self, bufferingPolicy: .bufferingOldest(1024))
        heads = continuation
        // Held by the store's observer and this loop: it runs as long as the store lives.
        Task.detached {
            for await id in stream { await self.headDigest(of: id) }
        }
        store.observe { change in
            guard case .appended(let id) = change else { return }
            // Each registry's own events only: the store holds every source's.
            guard store.event(id: id)?.payload.origin?.host == host else { return }
            if case .dropped = self.heads?.yield(id) { self.headState.withLock { $0.dropped += 1 } }
        }
    }

    /// Looks `request` up (unless enrichment is off) and calls `completion` with the outcome,
    /// from another thread.
    public func lookUp(_ request: ImageRequest, completion: @escaping @Sendable (ImageLookup) -> Void) {
        guard mode != .off else {
            completion(.failed("registry lookups are off (--enrich off)"))
            return
        }
        Task.detached {
            completion(await self.lookUp(request))
        }
    }

    func lookUp(_ request: ImageRequest) async -> ImageLookup {
        let name = registryName(request.repository)
        let known = cached(request.reference)
        do {
            var image = try await client.image(
                name, request.reference, platform: request.platform, known: known)
            if let before = cached(image.digest) { image.merge(before) }
            remember(image)
            let byTag = !RegistryNames.isDigest(request.reference)
            // A tag names the push only while no newer push of it is stored.
            if !byTag || store.isNewestOfTag(request.eventID) {
                store.recordImage(
                    request.eventID,
                    ImageFacts(digest: image.digest, platforms: image.runnablePlatforms.map(\.name)))
            }
            let recorded = store.image(of: request.eventID)?.digest == image.digest
            return .found(image, byTag: byTag && !recorded)
        } catch let failure as RegistryClient.Failure {
            return .failed(failure.description)
        } catch {
            return .failed("\(error)")
        }
    }

    /// `--enrich auto`: the digest of a new delivery's tag, by HEAD (not counted by Docker Hub).
    func headDigest(of id: UInt64) async {
        guard let event = store.event(id: id), let tag = event.tag, event.payload.artifact == nil,
            store.isNewestOfTag(id)
        else { return }
        // Another registry's event names its digest but not its platforms (Distribution's index
        // event): a GET of the index by digest says them.
        if let digest = event.payload.origin?.digest, event.payload.origin?.platforms.isEmpty == true {
            if case .failed(let text) = await lookUp(
                ImageRequest(eventID: id, repository: event.repoName, reference: digest))
            {
                headState.withLock { $0.lastError = (client.clock(), text) }
            }
            return
        }
        do {
            let digest = try await client.digest(registryName(event.repoName), tag, automatic: true)
            store.recordImage(
                id,
                ImageFacts(
                    digest: digest,
                    platforms: cached(digest).map {
                        $0.runnablePlatforms.map(\.name)
                    } ?? []))
        } catch {
            let text = (error as? RegistryClient.Failure)?.description ?? "\(error)"
            headState.withLock { $0.lastError = (client.clock(), text) }
        }
    }

    /// The name the registry knows: without this service's host; Docker Hub's with `library/`.
    func registryName(_ repository: String) -> String {
        guard let host, repository.hasPrefix(host + "/") else { return ImageRequest.registryName(repository) }
        return String(repository.dropFirst(host.count + 1))
    }

    func cached(_ digest: String) -> RegistryImage? {
        cache.withLock { entries in entries.last { $0.digest == digest }?.image }
    }

    func remember(_ image: RegistryImage) {
        cache.withLock { entries in
            entries.removeAll { $0.digest == image.digest }
            entries.append((image.digest, image))
            if entries.count > Self.cacheLimit { entries.removeFirst(entries.count - Self.cacheLimit) }
        }
    }

    /// For the header: a registry that answered `429`, a GET budget running low, HEADs failing.
    public func notice() -> String? {
        guard mode != .off else { return nil }
        if let blocked = client.blockedMessage { return "registry: " + blocked }
        let now = client.clock()
        if let budget = client.budget {
            let left = budget.remaining(now: now)
            if left * 5 <= budget.perHour {
                return "registry: \(left) of \(budget.perHour) requests left this hour"
            }
        }
        if let error = headState.withLock({ $0.lastError }), now - error.at < 60 {
            return "registry: " + error.text
        }
        return nil
    }

    /// New deliveries not HEADed because the queue was full.
    public var droppedHeads: Int { headState.withLock { $0.dropped } }
}

import HubtopCore

/// A stream of Docker Hub deliveries shaped like a busy organisation's: at least 500
/// repositories, about 50 tags and 100 pushers, 1–3 image digests per push, a callback URL per
/// push, and each repository's Dockerfile changing now and then. Deterministic per seed.
public struct RealisticMix: Sendable {
    struct Repo: Sendable {
        let namespace: String
        let name: String
        let description: String
        var revision: Int
    }

    private var random: SplitMix64
    private var repos: [Repo]
    private let tags: [String]
    private let pushers: [String]
    private var time: Double

    public init(seed: UInt64 = 1, repositories: Int = 520, start: Double = 1_790_000_000) {
        random = SplitMix64(seed: seed)
        let orgs = (0..<60).map { "org\($0)" }
        repos = (0..<repositories).map { index in
            Repo(
                namespace: orgs[index % orgs.count], name: "service-\(index)",
                description: "Service \(index): builds from main, deployed by the platform team.", revision: 0
            )
        }
        tags = ["latest", "edge", "main", "stable", "nightly"] + (0..<45).map { "v1.\($0 / 5).\($0 % 5)" }
        pushers = (0..<100).map { "builder-\($0)" }
        time = start
    }

    public var repositoryCount: Int { repos.count }

    mutating func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }

    /// The next request body.
    public mutating func next() -> [UInt8] {
        time += 0.05
        let index = Int(random.next() % UInt64(repos.count))
        if random.next() % 50 == 0 { repos[index].revision += 1 }
        let repo = repos[index]
        let repoName = "\(repo.namespace)/\(repo.name)"
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("callback_url")
        writer.string(
            "https://registry.hub.docker.com/u/\(repoName)/hook/\(hex(random.next()))\(hex(random.next()))/")
        writer.key("push_data")
        writer.beginObject()
        writer.key("images")
        writer.beginArray()
        for _ in 0..<(1 + Int(random.next() % 3)) {
            writer.string("sha256:" + (0..<4).map { _ in hex(random.next()) }.joined())
        }
        writer.endArray()
        writer.key("pushed_at")
        writer.number(time.rounded())
        writer.key("pusher")
        writer.string(pick(pushers))
        writer.key("tag")
        writer.string(pick(tags))
        writer.endObject()
        var info = RepositoryInfo(repoName: repoName)
        info.commentCount = Double(index % 7)
        info.dateCreated = 1_600_000_000 + Double(index * 3600)
        info.description = repo.description
        info.dockerfile = Self.dockerfile(repoName, revision: repo.revision)
        info.fullDescription = "# \(repoName)\n\n\(repo.description)\n\nSee the runbook before deploying."
        info.isOfficial = false
        info.isPrivate = index % 3 == 0
        info.isTrusted = true
        info.name = repo.name
        info.namespace = repo.namespace
        info.owner = repo.namespace
        info.repoURL = "https://registry.hub.docker.com/u/\(repoName)/"
        info.starCount = Double(index % 40)
        info.status = "Active"
        writer.key("repository")
        writer.repository(info)
        writer.endObject()
        return writer.bytes
    }

    static func dockerfile(_ repo: String, revision: Int) -> String {
        """
        # syntax=docker/dockerfile:1
        # \(repo), revision \(revision)
        FROM golang:1.23 AS build
        WORKDIR /src
        COPY go.mod go.sum ./
        RUN go mod download
        COPY . .
        RUN CGO_ENABLED=0 go build -trimpath -o /out/app ./cmd/app

        FROM gcr.io/distroless/static:nonroot
        COPY --from=build /out/app /app
        USER 65532:65532
        EXPOSE \(8000 + revision % 100)
        ENTRYPOINT ["/app"]

        """
    }

    func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A store holding `count` events of the mix.
    public static func store(events count: Int, seed: UInt64 = 1) -> EventStore {
        let store = EventStore(capacity: max(1, count))
        let ingestor = Ingestor(store: store)
        var mix = RealisticMix(seed: seed)
        for index in 0..<count {
            _ = ingestor.ingest(mix.next(), receivedAt: 1_790_000_000 + Double(index) * 0.05)
        }
        return store
    }
}

/// A realistic synthetic stream of Docker Hub deliveries for `--demo`.
///
/// Deterministic for a given seed. It produces request bodies, not payload values, so the demo
/// goes through the same decode-and-store path as the listener.
public struct DemoFeed: Sendable {
    struct Repo: Sendable {
        let namespace: String
        let name: String
        let base: String
        var major: Int
        var minor: Int
        var patch: Int
        var dockerfileRevision: Int
        let isPrivate: Bool
        let isOfficial: Bool
        let description: String
    }

    private var rng: SplitMix64
    private var repos: [Repo]
    private var lastBody: [UInt8]?
    /// The last Harbor push, which a scan result may follow.
    private var lastHarbor: SamplePush?
    private var counter = 0
    /// A multi-arch push under way: the repository, tag and deliveries still to send.
    private var burst: (index: Int, tag: String, remaining: Int)?
    /// Mix in other registries' deliveries (`--demo`): returned as stored bodies, their request's
    /// hints on a line before them, which the ingest path reads as the listener would.
    public var mixesSources = false

    static let pushers = ["trustedbuilder", "alice", "bob-ci", "deploybot", "mkowalski", "ana.lima"]
    static let bases = [
        "alpine:3.20", "debian:bookworm-slim", "ubuntu:24.04", "golang:1.23", "node:22-alpine",
        "python:3.12-slim", "eclipse-temurin:21-jre", "rust:1.82",
    ]

    public init(seed: UInt64 = 42) {
        rng = SplitMix64(seed: seed)
        let layout: [(String, [String])] = [
            ("acme", ["api", "web", "worker", "billing", "auth", "gateway"]),
            ("orbital", ["telemetry", "ingest", "dashboard", "uplink", "scheduler"]),
            ("northwind", ["orders", "catalog", "search", "mailer"]),
            ("library", ["hubtop-demo", "nginx-mirror"]),
            ("svendowideit", ["testhook", "apt-cacher"]),
        ]
        var repos: [Repo] = []
        var generator = SplitMix64(seed: seed ^ 0x9E37_79B9)
        for (namespace, names) in layout {
            for name in names {
                repos.append(
                    Repo(
                        namespace: namespace, name: name,
                        base: Self.bases[Int(generator.next() % UInt64(Self.bases.count))],
                        major: 1 + Int(generator.next() % 3), minor: Int(generator.next() % 10),
                        patch: Int(generator.next() % 5), dockerfileRevision: 0,
                        isPrivate: generator.next() % 3 == 0, isOfficial: namespace == "library",
                        description: "The \(name) service of \(namespace)"))
            }
        }
        self.repos = repos
    }

    /// The next request body. `now` is the push time written into the payload.
    public mutating func next(now: Double) -> [UInt8] {
        counter += 1
        // Now and then Docker Hub delivers the same push again.
        if let lastBody, rng.next() % 20 == 0 { return lastBody }
        // A multi-arch push: one delivery per platform, close together.
        if let current = burst {
            burst = current.remaining > 1 ? (current.index, current.tag, current.remaining - 1) : nil
            let body = Array(payload(for: repos[current.index], tag: current.tag, now: now).utf8)
            lastBody = body
            return body
        }
        if mixesSources, rng.next() % 3 == 0 { return otherSource(now: now) }
        // Recently active repositories are more likely to push again, as in real life.
        let pick = Int(rng.next() % UInt64(repos.count))
        let index = rng.next() % 3 == 0 ? min(pick, 5) : pick
        var repo = repos[index]
        let roll = rng.next() % 10
        let tag: String
        switch roll {
        case 0...3: tag = "latest"
        case 4:
            repo.minor += 1
            repo.patch = 0
            tag = "v\(repo.major).\(repo.minor).\(repo.patch)"
        case 5...7:
            repo.patch += 1
            tag = "v\(repo.major).\(repo.minor).\(repo.patch)"
        case 8: tag = "edge"
        default: tag = "main-\(String(rng.next() % 0xFFFFFF, radix: 16))"
        }
        if rng.next() % 8 == 0 { repo.dockerfileRevision += 1 }
        repos[index] = repo
        if rng.next() % 6 == 0 { burst = (index, tag, 1 + Int(rng.next() % 3)) }
        let body = Array(payload(for: repo, tag: tag, now: now).utf8)
        lastBody = body
        return body
    }

    /// A push to a self-hosted registry, GHCR, Harbor or Quay; now and then Harbor's scan of it.
    mutating func otherSource(now: Double) -> [UInt8] {
        let sources = ["distribution", "github", "harbor", "quay"]
        let name = sources[Int(rng.next() % UInt64(sources.count))]
        guard var push = SourceSamples.defaultPush(name) else { return [] }
        let repo = repos[Int(rng.next() % UInt64(repos.count))]
        push.repository = "\(name == "harbor" ? "platform" : repo.namespace)/\(repo.name)"
        push.tag = "v\(repo.major).\(repo.minor).\(repo.patch)"
        push.digest = SamplePush.digest(rng.next())
        push.time = now.rounded()
        push.id = "demo-\(counter)-\(rng.next() % 0xFFFF_FFFF)"
        if name != "quay" { push.pusher = Self.pushers[Int(rng.next() % UInt64(Self.pushers.count))] }
        let sample: SourceSample?
        if name == "harbor", let scanned = lastHarbor, rng.next() % 2 == 0 {
            lastHarbor = nil
            sample = SourceSamples.harbor(scanned, type: "SCANNING_COMPLETED", scan: true)
        } else {
            sample = SourceSamples.sample(name, push: push)
            if name == "harbor" { lastHarbor = push }
        }
        guard let sample else { return [] }
        let body = sample.hints(proof: nil).storedLine + sample.body
        lastBody = body
        return body
    }

    func dockerfile(for repo: Repo) -> String {
        var lines = [
            "# syntax=docker/dockerfile:1",
            "# \(repo.namespace)/\(repo.name) — revision \(repo.dockerfileRevision)",
            "FROM \(repo.base) AS build",
            "WORKDIR /src",
            "COPY . .",
            "RUN make build \\",
            "\t&& make test",
        ]
        if repo.dockerfileRevision % 2 == 1 { lines.append("RUN apk add --no-cache ca-certificates tzdata") }
        if repo.dockerfileRevision % 3 == 2 { lines.append("ENV GOFLAGS=-trimpath") }
        lines += [
            "",
            "FROM \(repo.base)",
            "LABEL org.opencontainers.image.source=\"https://example.com/\(repo.namespace)/\(repo.name)\"",
            "COPY --from=build /src/bin/\(repo.name) /usr/local/bin/\(repo.name)",
            "EXPOSE \(8000 + repo.name.utf8.count * 7)",
            "USER 65532:65532",
            "ENTRYPOINT [\"/usr/local/bin/\(repo.name)\"]",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    mutating func payload(for repo: Repo, tag: String, now: Double) -> String {
        let repoName = "\(repo.namespace)/\(repo.name)"
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("callback_url")
        let hook = String(rng.next(), radix: 16) + String(rng.next(), radix: 16)
        writer.string("https://registry.hub.docker.com/u/\(repoName)/hook/\(hook)/")
        writer.key("push_data")
        writer.beginObject()
        writer.key("images")
        writer.beginArray()
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            var digest = ""
            for _ in 0..<4 { digest += hex64(rng.next()) }
            writer.string("sha256:" + digest)
        }
        writer.endArray()
        writer.key("pushed_at")
        writer.number((now * 1000).rounded() / 1000)
        writer.key("pusher")
        writer.string(Self.pushers[Int(rng.next() % UInt64(Self.pushers.count))])
        writer.key("tag")
        writer.string(tag)
        writer.endObject()
        var info = RepositoryInfo(repoName: repoName)
        info.commentCount = Double(rng.next() % 4)
        info.dateCreated = 1_600_000_000 + Double(repoName.utf8.count * 86_400)
        info.description = repo.description
        info.dockerfile = dockerfile(for: repo)
        info.fullDescription =
            "# \(repoName)\n\n\(repo.description). Built automatically from the main branch."
        info.isOfficial = repo.isOfficial
        info.isPrivate = repo.isPrivate
        info.isTrusted = true
        info.name = repo.name
        info.namespace = repo.namespace
        info.owner = repo.namespace
        info.repoURL = "https://hub.docker.com/r/\(repoName)"
        info.starCount = Double(repoName.utf8.count * 3)
        info.status = "Active"
        writer.key("repository")
        writer.repository(info)
        writer.endObject()
        return writer.text
    }

    private func hex64(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// A tiny, fast, seedable generator (SplitMix64), so demos and tests are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

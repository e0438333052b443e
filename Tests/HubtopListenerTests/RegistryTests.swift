import Foundation
import HubtopCore
import HubtopTestSupport
import Synchronization
import Testing

@testable import HubtopIO
@testable import HubtopServer

@Suite struct RegistryTests {
    @Test func bearerChallengesAndBasicCredentialsAreSpelledRight() {
        let parameters = RegistryClient.challengeParameters(
            #"realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:acme/api:pull""#
        )
        #expect(parameters["realm"] == "https://auth.docker.io/token")
        #expect(parameters["service"] == "registry.docker.io")
        #expect(parameters["scope"] == "repository:acme/api:pull")
        #expect(RegistryClient.percentEncoded("repository:acme/api:pull") == "repository%3Aacme%2Fapi%3Apull")
    }

    @Test(.enabled(if: RegistryFixture.installed, "needs Debian's docker-registry (.ci/run installs it)"))
    func aMultiPlatformImageIsReadFromARealRegistry() async throws {
        let registry = try RegistryFixture()
        try await registry.ready()
        let pushed = try registry.push("acme/api")
        guard case .string(let indexDigest)? = pushed["index"] else {
            Issue.record("the fixture pushed nothing: \(pushed)")
            return
        }
        let client = RegistryClient(base: registry.base)
        let image = try await client.image("acme/api", "v1")
        #expect(image.digest == indexDigest)
        #expect(image.mediaType == "application/vnd.oci.image.index.v1+json")
        #expect(image.platforms.map(\.name) == ["linux/amd64", "linux/arm64/v8"])
        let amd64 = try #require(image.platforms.first?.config)
        #expect(amd64.labels["org.opencontainers.image.source"] == "https://github.com/acme/api")
        #expect(amd64.labels["org.opencontainers.image.revision"] == "0123abcd")
        let instructions = amd64.instructions
        #expect(
            instructions.map(\.text) == [
                "ADD file:abc in /", "CMD [\"/bin/sh\"]", "WORKDIR /app",
                "RUN apk add --no-cache curl # amd64",
                "COPY . /app", "CMD [\"./serve\"]",
            ])
        #expect(
            instructions.map(\.base) == [true, true, false, false, false, false], "base image steps set apart"
        )
        // One platform's config per lookup: the other is fetched when asked for, without the index again.
        #expect(image.platforms[1].config == nil)
        let indexGets = registry.requests(for: "/v2/acme/api/manifests/v1").count
        #expect(indexGets == 1, "the registry's log records the lookup")
        let both = try await client.image("acme/api", image.digest, platform: 1, known: image)
        #expect(both.platforms.map { $0.config != nil } == [true, true])
        #expect(both.platforms[1].config?.instructions.contains { $0.text.hasSuffix("# arm64") } == true)
        #expect(
            registry.requests(for: "/v2/acme/api/manifests/" + image.digest).isEmpty,
            "the index is not read again")
        #expect(registry.requests(for: "/v2/acme/api/manifests/v1").count == indexGets)
        // HEAD tells the digest without a body (Docker Hub does not count HEADs).
        #expect(try await client.digest("acme/api", "v1") == indexDigest)
        // A re-push of the same index has the same digest.
        #expect(try await client.image("acme/api", "v1-again").digest == indexDigest)
        // The signature pushed as its own tag is a single manifest.
        guard case .string(let signatureTag)? = pushed["signature_tag"] else { return }
        let signature = try await client.image("acme/api", signatureTag)
        #expect(signature.mediaType == "application/vnd.oci.image.manifest.v1+json")
        // A name that does not fit the grammar never reaches the registry.
        await #expect(throws: RegistryClient.Failure.self) { try await client.image("acme/../x", "v1") }
        // Something that is not there: the status, not a crash.
        do {
            _ = try await client.image("acme/api", "missing")
            Issue.record("a missing tag was found")
        } catch let failure as RegistryClient.Failure {
            #expect(failure.status == 404)
        }
    }

    static let registryNeeded: Comment = "needs Debian's docker-registry (.ci/run installs it)"

    /// A registry (with its images pushed) and what the fixture printed.
    static func filledRegistry() async throws -> (RegistryFixture, [String: JSONValue]) {
        let registry = try RegistryFixture()
        try await registry.ready()
        return (registry, try registry.push("acme/api"))
    }

    @Test(.enabled(if: RegistryFixture.installed, registryNeeded))
    func theBearerChallengeIsAnsweredWithATokenForTheCredentials() async throws {
        let (registry, pushed) = try await Self.filledRegistry()
        let gate = try RegistryGate(upstream: registry.base, ["bearer", "alice", "s3cret"])
        let client = RegistryClient(base: gate.base, credentials: ("alice", "s3cret"))
        let image = try await client.image("acme/api", "v1")
        #expect(image.digest == pushed["index"]?.string)
        #expect(image.platforms.first?.config?.instructions.isEmpty == false)
        let requests = gate.requests
        #expect(requests.first?.hasSuffix(" 401") == true, "challenged first: \(requests)")
        #expect(requests.filter { $0.hasPrefix("GET /token") }.count == 1, "one token, reused: \(requests)")
        #expect(
            requests.contains {
                $0.hasPrefix("GET /token?service=gate&scope=repository%3Aacme%2Fapi%3Apull 200")
            })
        // Wrong credentials: a clear failure, not a loop.
        let wrong = RegistryClient(base: gate.base, credentials: ("alice", "wrong"))
        do {
            _ = try await wrong.image("acme/api", "v1")
            Issue.record("wrong credentials were accepted")
        } catch let failure as RegistryClient.Failure {
            #expect(failure.status == 401 && failure.description.contains("token endpoint"), "\(failure)")
        }
    }

    @Test(.enabled(if: RegistryFixture.installed, registryNeeded))
    func aPullLimitIsReportedWithItsResetAndNotRetried() async throws {
        let (registry, _) = try await Self.filledRegistry()
        let gate = try RegistryGate(upstream: registry.base, ["limited", "120"])
        let now = 1_000_000.0
        let client = RegistryClient(base: gate.base, clock: { now })
        do {
            _ = try await client.image("acme/api", "v1")
            Issue.record("a 429 was taken for an answer")
        } catch let failure as RegistryClient.Failure {
            #expect(failure.status == 429)
            #expect(
                failure.description.contains("retry after " + Timestamp.timeOfDay(now + 120)), "\(failure)")
        }
        #expect(gate.requests.count == 1)
        // Until the reset, lookups fail at once without asking.
        await #expect(throws: RegistryClient.Failure.self) { try await client.digest("acme/api", "v1") }
        #expect(gate.requests.count == 1)
        #expect(client.blockedMessage?.contains("pull limit") == true)
    }

    /// A registry busy writing a push can fail a read for a moment (seen in a full-suite run: a
    /// 500 for an index just pushed, shown as the registry's problem for a minute, its
    /// platforms never read): a server error is asked again twice before it is reported.
    @Test(.enabled(if: RegistryFixture.installed, registryNeeded))
    func aServerErrorIsAskedAgainBeforeItIsReported() async throws {
        let (registry, _) = try await Self.filledRegistry()
        let briefly = try RegistryGate(upstream: registry.base, ["flaky", "1"])
        let image = try await RegistryClient(base: briefly.base).image("acme/api", "v1")
        #expect(image.runnablePlatforms.count == 2)
        let index = briefly.requests.filter { $0.hasPrefix("GET /v2/acme/api/manifests/v1 ") }
        #expect(index == ["GET /v2/acme/api/manifests/v1 500", "GET /v2/acme/api/manifests/v1 200"])

        let down = try RegistryGate(upstream: registry.base, ["flaky", "100"])
        do {
            _ = try await RegistryClient(base: down.base).digest("acme/api", "v1")
            Issue.record("a 500 was taken for an answer")
        } catch let failure as RegistryClient.Failure {
            #expect(failure.status == 500, "\(failure)")
        }
        #expect(down.requests.count == 1 + RegistryClient.serverErrorRetries)
    }

    @Test(.enabled(if: RegistryFixture.installed, registryNeeded))
    func theHourlyBudgetCountsManifestGetsOnly() async throws {
        let (registry, _) = try await Self.filledRegistry()
        let clock = Clock()
        let budget = RequestBudget(perHour: 2)
        let client = RegistryClient(base: registry.base, budget: budget, clock: { clock.now })
        // The index and one platform manifest: two GETs; the config blob and HEADs are free.
        _ = try await client.image("acme/api", "v1")
        #expect(budget.remaining(now: clock.now) == 0)
        _ = try await client.digest("acme/api", "v1")
        do {
            _ = try await client.image("acme/api", "v1-again")
            Issue.record("the budget was overdrawn")
        } catch let failure as RegistryClient.Failure {
            #expect(
                failure.description.contains("budget of 2 registry requests an hour is spent"), "\(failure)")
        }
        #expect(registry.requests(for: "/v2/acme/api/manifests/v1-again").isEmpty, "refused before asking")
        clock.now += 3600
        #expect(budget.remaining(now: clock.now) == 2)
        _ = try await client.image("acme/api", "v1-again")
    }

    @Test(.enabled(if: RegistryFixture.installed, registryNeeded))
    func theImageServiceRecordsDigestsInTheStoreAsTheModeAllows() async throws {
        let (registry, pushed) = try await Self.filledRegistry()
        let index = try #require(pushed["index"]?.string)
        let store = EventStore(groupWindow: 0)
        // auto: each new delivery's tag is HEADed; the second push of v1 is the same image.
        let auto = ImageService(mode: .auto, client: RegistryClient(base: registry.base), store: store)
        for time in [1.0, 2.0] {
            store.ingest(
                try PayloadDecoder.decode(
                    #"{"push_data":{"tag":"v1","pushed_at":\#(time)},"repository":{"repo_name":"acme/api"}}"#),
                receivedAt: time)
        }
        try await eventually("v1 HEADed") { store.image(of: 2)?.digest == index }
        #expect(store.image(of: 1)?.digest == nil, "by the time it was HEADed, v1 had a newer push")
        let heads = registry.requests(for: "/v2/acme/api/manifests/v1")
        #expect(!heads.isEmpty && heads.allSatisfy { $0.contains("http.request.method=HEAD") }, "\(heads)")
        // on-demand: a lookup by tag for the newest push records digest and platforms.
        let onDemand = ImageService(
            mode: .onDemand, client: RegistryClient(base: registry.base), store: store)
        let lookup = await onDemand.lookUp(ImageRequest(eventID: 2, repository: "acme/api", reference: "v1"))
        #expect(lookup.image?.digest == index)
        #expect(store.image(of: 2)?.platforms == ["linux/amd64", "linux/arm64/v8"])
        // The older push is not the tag's image any more: shown, not recorded.
        let older = await onDemand.lookUp(ImageRequest(eventID: 1, repository: "acme/api", reference: "v1"))
        #expect(older == .found(try #require(older.image), byTag: true))
        #expect(store.image(of: 1) == nil)
        // off: no request at all.
        let before = registry.requests(for: "/v2/acme/api/").count
        let off = ImageService(mode: .off, client: RegistryClient(base: registry.base), store: store)
        let answer = Mutex<ImageLookup?>(nil)
        off.lookUp(ImageRequest(eventID: 2, repository: "acme/api", reference: "v1")) { result in
            answer.withLock { $0 = result }
        }
        #expect(answer.withLock { $0 } == .failed("registry lookups are off (--enrich off)"))
        _ = auto
        #expect(registry.requests(for: "/v2/acme/api/").count == before)
    }
}

/// A clock the test moves.
final class Clock: @unchecked Sendable {
    var now = 1_000_000.0
}

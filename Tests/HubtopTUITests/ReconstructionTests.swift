import Testing

@testable import HubtopCore
@testable import HubtopTUI

/// The Dockerfile viewer and the detail for pushes that came without a Dockerfile: what the
/// dashboard asks the registry for, and how it shows the answer.
@Suite struct ReconstructionTests {
    static let digest = "sha256:" + String(repeating: "0a", count: 32)
    static let otherDigest = "sha256:" + String(repeating: "0b", count: 32)

    static func config(_ arch: String, labels: String = "", extra: String = "") -> ImageConfig {
        let history = [
            #"{"created_by":"/bin/sh -c #(nop) ADD file:abc in / ","empty_layer":false}"#,
            #"{"created_by":"/bin/sh -c #(nop)  CMD [\"/bin/sh\"]","empty_layer":true}"#,
            #"{"created_by":"WORKDIR /app","comment":"buildkit.dockerfile.v0","empty_layer":true}"#,
            #"{"created_by":"RUN /bin/sh -c make \#(arch)\#(extra) # buildkit","comment":"buildkit.dockerfile.v0"}"#,
        ]
        return ImageConfig(
            parsing:
                #"{"os":"linux","architecture":"\#(arch)","config":{"Labels":{\#(labels)}},"history":[\#(history.joined(separator: ","))]}"#
        )!
    }

    static func image(_ digest: String = digest, armConfig: Bool = false, extra: String = "") -> RegistryImage
    {
        RegistryImage(
            digest: digest, mediaType: "application/vnd.oci.image.index.v1+json",
            platforms: [
                .init(
                    digest: "sha256:" + String(repeating: "1", count: 64), os: "linux", architecture: "amd64",
                    variant: nil,
                    config: config(
                        "amd64",
                        labels:
                            #""org.opencontainers.image.source":"https://github.com/acme/api","org.opencontainers.image.revision":"0123abcd""#,
                        extra: extra)),
                .init(
                    digest: "sha256:" + String(repeating: "2", count: 64), os: "linux", architecture: "arm64",
                    variant: "v8", config: armConfig ? config("arm64") : nil),
                .init(
                    digest: "sha256:" + String(repeating: "3", count: 64), os: "unknown",
                    architecture: "unknown",
                    variant: nil),
            ])
    }

    func fixture(_ mode: EnrichmentMode = .onDemand) -> Fixture {
        var fixture = Fixture()
        fixture.state.enrichment = mode
        fixture.post("acme/api", tag: "v1", at: 999_000)
        fixture.model.refresh(&fixture.state)
        return fixture
    }

    @Test func openingTheViewerOnAPushWithoutADockerfileAsksTheRegistryOnce() throws {
        var fixture = fixture()
        fixture.send(.key(.character("4")), .key(.character("d")))
        let request = ImageRequest(eventID: 1, repository: "acme/api", reference: "v1")
        #expect(fixture.state.effects == [.lookUpImage(request)])
        #expect(fixture.screen.contains("reading acme/api:v1's history from"), "\(fixture.screen)")
        // More frames while waiting ask nothing more.
        fixture.send(.storeChanged, .tick(now: 1_000_001))
        #expect(fixture.state.effects.count == 1)

        fixture.state.effects = []
        fixture.send(.imageLookup(request, .found(Self.image(), byTag: false)))
        let screen = fixture.screen
        for text in [
            "Reconstructed Dockerfile — acme/api:v1 #1", "0a0a0a0a0a0a · linux/amd64 1/2 · P platform",
            "# source:   https://github.com/acme/api", "# revision: 0123abcd", "# ── from the base image ──",
            "ADD file:abc in /", "# ── this image ──", "WORKDIR /app", "RUN make amd64",
        ] {
            #expect(screen.contains(text), "missing \(text) in\n\(screen)")
        }
        #expect(!screen.contains("unknown/unknown"), "attestation manifests are no platform")

        // P: the next platform, whose config is fetched by digest (no second index read needed).
        fixture.send(.key(.character("P")))
        #expect(
            fixture.state.effects == [
                .lookUpImage(
                    ImageRequest(eventID: 1, repository: "acme/api", reference: Self.digest, platform: 1))
            ])
        #expect(fixture.screen.contains("reading the linux/arm64/v8 config from the registry"))
        fixture.send(.imageLookup(request, .found(Self.image(armConfig: true), byTag: false)))
        #expect(fixture.screen.contains("RUN make arm64"))
        #expect(fixture.screen.contains("linux/arm64/v8 2/2"))
        fixture.send(.key(.character("P")))
        #expect(fixture.screen.contains("RUN make amd64"), "round again, from what is held")
    }

    @Test func withEnrichmentOffNothingIsAskedAndTheViewerSaysSo() {
        var fixture = fixture(.off)
        fixture.send(.key(.character("4")), .key(.character("d")))
        #expect(fixture.state.effects.isEmpty)
        #expect(fixture.screen.contains("registry lookups are off (--enrich off)"), "\(fixture.screen)")
        fixture.send(.key(.escape), .key(.enter))
        #expect(fixture.state.effects.isEmpty)
        #expect(fixture.screen.contains("unknown (--enrich off)"))
    }

    @Test func aFailedLookupIsShownInThePaneAndTheDashboardGoesOn() {
        var fixture = fixture()
        fixture.send(.key(.character("4")), .key(.character("d")))
        let request = ImageRequest(eventID: 1, repository: "acme/api", reference: "v1")
        fixture.send(
            .imageLookup(request, .failed("the registry's pull limit is reached; retry after 19:02:00")))
        #expect(
            fixture.screen.contains("the registry lookup failed: the registry's pull"), "\(fixture.screen)")
        #expect(fixture.screen.contains("limit is reached; retry after 19:02:00"))
        fixture.post("acme/web", tag: "v2", at: 999_100)
        fixture.send(.storeChanged, .key(.escape))
        #expect(fixture.screen.contains("acme/web:v2"))
        #expect(fixture.state.effects.count == 1, "asked once, not again after the failure")
    }

    @Test func theDetailShowsDigestPlatformsRePushesAndFoldedArtifacts() {
        var fixture = fixture()
        fixture.post("acme/api", tag: "v1", at: 999_500)
        fixture.post("acme/api", tag: "sha256-" + String(repeating: "0a", count: 32) + ".sig", at: 999_600)
        fixture.store.recordImage(1, ImageFacts(digest: Self.digest))
        fixture.store.recordImage(
            2, ImageFacts(digest: Self.digest, platforms: ["linux/amd64", "linux/arm64/v8"]))
        fixture.model.refresh(&fixture.state)
        let screen = fixture.screen
        #expect(screen.contains("artifacts 1"), "the header counts artifacts apart")
        let rows = screen.split(separator: "\n")
        #expect(rows.contains { $0.contains("acme/api:v1") && $0.contains("same+sig") }, "\(screen)")
        #expect(!rows.contains { $0.contains("acme/api:sha256-") }, "the signature is folded under its image")
        #expect(
            rows.contains { $0.contains("v1") && $0.contains("0a0a0a0a0a0a") }, "the tags pane's short digest"
        )
        fixture.send(.key(.character("4")), .key(.enter))
        #expect(fixture.state.detail?.eventID == 2)
        let detail = fixture.screen
        for text in [
            "digest         " + Self.digest.prefix(50), "platforms      linux/amd64, linux/arm64/v8",
            "re-push        unchanged: the same digest as the tag's previous push", "artifacts      sig #3",
        ] {
            #expect(detail.contains(text), "missing \(text) in\n\(detail)")
        }
    }

    @Test func registryTextNeverReachesTheTerminalRaw() {
        var fixture = fixture()
        fixture.send(.key(.character("4")), .key(.character("d")))
        let request = ImageRequest(eventID: 1, repository: "acme/api", reference: "v1")
        fixture.send(
            .imageLookup(
                request, .found(Self.image(extra: "\\u001b]52;c;AAAA\\u0007\\u202e\\u0085"), byTag: false)))
        let screen = fixture.screen
        #expect(screen.contains("RUN make amd64"))
        for bad in ["\u{1B}", "\u{7}", "\u{202E}", "\u{85}"] { #expect(!screen.contains(bad)) }
    }

    @Test func dComparesTwoReconstructions() {
        var fixture = fixture()
        fixture.post("acme/api", tag: "v1", at: 999_100)
        fixture.store.recordImage(1, ImageFacts(digest: Self.otherDigest))
        fixture.store.recordImage(2, ImageFacts(digest: Self.digest))
        fixture.model.refresh(&fixture.state)
        fixture.send(.key(.character("4")), .key(.character("D")))
        #expect(fixture.state.data.diffBase?.id == 1)
        #expect(
            Set(fixture.state.effects) == [
                .lookUpImage(ImageRequest(eventID: 2, repository: "acme/api", reference: Self.digest)),
                .lookUpImage(ImageRequest(eventID: 1, repository: "acme/api", reference: Self.otherDigest)),
            ])
        fixture.send(
            .imageLookup(
                ImageRequest(eventID: 2, repository: "acme/api", reference: Self.digest),
                .found(Self.image(extra: " --release"), byTag: false)),
            .imageLookup(
                ImageRequest(eventID: 1, repository: "acme/api", reference: Self.otherDigest),
                .found(Self.image(Self.otherDigest), byTag: false)))
        let screen = fixture.screen
        #expect(screen.contains("- RUN make amd64"), "\(screen)")
        #expect(screen.contains("+ RUN make amd64 --release"))
        #expect(screen.contains("  WORKDIR /app"))
    }
}

extension Effect: Hashable {
    public func hash(into hasher: inout Hasher) { hasher.combine("\(self)") }
}

import Foundation
import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopListener

/// A real registry (Debian's `docker-registry`, the CNCF distribution registry) on loopback
/// with a storage folder of its own, filled through its HTTP API by `Tests/Fixtures/registry-push.py`.
final class RegistryFixture: @unchecked Sendable {
    let process = Process()
    let directory: String
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    static var installed: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry") }

    init() throws {
        directory = temporaryPath("registry")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = freeLoopbackPort()
        let config = """
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: \(directory)/data
            http:
              addr: 127.0.0.1:\(port)
            """
        try config.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", directory + "/config.yml"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
    }

    /// Waits until the registry answers `/v2/`.
    func ready() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if (try? await HTTPPost.post(url: base + "/v2/", body: [], method: "GET"))?.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Timeout(description: "the registry did not start")
    }

    /// Pushes the test images; returns what the script printed.
    func push(_ repository: String) throws -> [String: JSONValue] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/registry-push.py").path
        let push = Process()
        push.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        push.arguments = ["python3", script, base, repository]
        let output = Pipe()
        push.standardOutput = output
        try push.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        push.waitUntilExit()
        return (try? JSONValue.parse(String(decoding: data, as: UTF8.self)))?.members ?? [:]
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite struct RegistryTests {
    @Test func namesFromPayloadsMustFitTheRegistryGrammarBeforeTheyGoIntoAURL() {
        for good in ["library/nginx", "acme/api", "a/b-c.d_e", "a__b/c", "registry/x/y"] {
            #expect(RegistryNames.isRepository(good), "\(good)")
        }
        for bad in ["", "Acme/api", "a/../b", "a//b", "a/b/", "-a/b", "a/b?x", "a b", "a/b%2f"] {
            #expect(!RegistryNames.isRepository(bad), "\(bad)")
        }
        #expect(RegistryNames.isReference("v1.2.3-rc_1"))
        #expect(RegistryNames.isReference("sha256:" + String(repeating: "a", count: 64)))
        #expect(!RegistryNames.isReference("../x") && !RegistryNames.isReference("v1/../../x"))
        #expect(!RegistryNames.isReference(".hidden"))
    }

    @Test func bearerChallengesAndBasicCredentialsAreSpelledRight() {
        let parameters = RegistryClient.challengeParameters(
            #"realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:acme/api:pull""#
        )
        #expect(parameters["realm"] == "https://auth.docker.io/token")
        #expect(parameters["service"] == "registry.docker.io")
        #expect(parameters["scope"] == "repository:acme/api:pull")
        #expect(RegistryClient.percentEncoded("repository:acme/api:pull") == "repository%3Aacme%2Fapi%3Apull")
        #expect(Base64.encode(Array("user:token".utf8)) == "dXNlcjp0b2tlbg==")
        #expect(Base64.encode(Array("ab".utf8)) == "YWI=")
    }

    @Test func historyBecomesInstructions() {
        for (createdBy, instruction) in [
            ("/bin/sh -c #(nop)  CMD [\"sh\"]", "CMD [\"sh\"]"),
            ("/bin/sh -c #(nop) ADD file:abc in / ", "ADD file:abc in /"),
            ("/bin/sh -c apt-get update", "RUN apt-get update"),
            ("RUN /bin/sh -c apk add curl # buildkit", "RUN apk add curl"),
            ("WORKDIR /app", "WORKDIR /app"),
            ("COPY . /app # buildkit", "COPY . /app"),
        ] {
            #expect(ImageConfig.instruction(createdBy) == instruction)
        }
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
}

import Testing

@testable import HubtopCore

/// What hubtop makes of registry documents, names and credentials, without a network.
@Suite struct RegistryModelTests {
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
        #expect(ImageRequest.registryName("nginx") == "library/nginx", "official images live under library/")
        #expect(ImageRequest.registryName("acme/api") == "acme/api")
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

    @Test func labelsBecomeLinksOnlyWhenTheyAreWebURLs() throws {
        func config(_ source: String, _ revision: String) throws -> ImageConfig {
            let labels = JSONValue.object([
                ("org.opencontainers.image.source", .string(source)),
                ("org.opencontainers.image.revision", .string(revision)),
            ])
            return try #require(
                ImageConfig(parsing: JSONValue.object([("config", .object([("Labels", labels)]))]).jsonText))
        }
        let good = try config("https://github.com/acme/api", "0123abcd")
        #expect(good.source == "https://github.com/acme/api")
        #expect(good.revision == "0123abcd")
        let hostile = try config("https://x.test/\u{1B}]8;;evil\u{7}", "abc\u{1B}[2J\u{202E}")
        #expect(hostile.source == nil, "an escape in a URL is not a link")
        #expect(hostile.revision?.contains("\u{1B}") == false)
        #expect(hostile.revision?.contains("\u{202E}") == false)
        #expect(try config("javascript:alert(1)", "").source == nil)
    }

    @Test func base64RoundTripsAndRefusesWhatIsNot() {
        for text in ["", "a", "ab", "abc", "user:token", "ünïcode:sécret"] {
            let encoded = Base64.encode(Array(text.utf8))
            #expect(Base64.decode(encoded) == Array(text.utf8), "\(text)")
        }
        #expect(Base64.encode(Array("user:token".utf8)) == "dXNlcjp0b2tlbg==")
        #expect(Base64.decode("dXNlcjp0b2tlbg") == Array("user:token".utf8), "padding optional")
        #expect(Base64.decode("not base64!") == nil)
        #expect(Base64.decode("a") == nil, "six bits are no byte")
    }

    @Test func credentialsComeFromTheEnvironmentOrDockersConfig() {
        #expect(
            RegistryCredentials.fromEnvironment(["HUBTOP_REGISTRY_USER": "me", "HUBTOP_REGISTRY_TOKEN": "t"])?
                .user
                == "me")
        #expect(RegistryCredentials.fromEnvironment(["HUBTOP_REGISTRY_USER": "me"]) == nil, "both or neither")
        let auth = Base64.encode(Array("alice:dckr_pat_123".utf8))
        let config =
            #"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(auth)"},"127.0.0.1:5000":{"auth":"\#(Base64.encode(Array("bob:pw".utf8)))"}}}"#
        let hub = RegistryCredentials.fromDockerConfig(
            config, registry: "https://registry-1.docker.io", path: "c")
        #expect(hub.credentials == RegistryCredentials(user: "alice", secret: "dckr_pat_123", origin: "c"))
        let local = RegistryCredentials.fromDockerConfig(config, registry: "http://127.0.0.1:5000", path: "c")
        #expect(local.credentials?.user == "bob")
        let none = RegistryCredentials.fromDockerConfig(config, registry: "https://ghcr.io", path: "c")
        #expect(none.credentials == nil && none.helper == nil)
        let helper = RegistryCredentials.fromDockerConfig(
            #"{"auths":{"https://index.docker.io/v1/":{}},"credsStore":"desktop"}"#,
            registry: "https://registry-1.docker.io", path: "c")
        #expect(helper.credentials == nil && helper.helper == "docker-credential-desktop")
        #expect(RegistryCredentials.fromDockerConfig("not json", registry: "x", path: "c").credentials == nil)
    }
}

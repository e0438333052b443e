import Testing

@testable import HubtopCore

/// Today's payload fields: media types, artifact pushes, Docker Hardened Images change logs.
@Suite struct PushMetadataTests {
    static let digest = String(repeating: "ab", count: 32)

    @Test func artifactPushesAreToldFromImagesByTagAndMediaType() throws {
        for (tag, kind) in [("sig", ArtifactKind.signature), ("att", .attestation), ("sbom", .sbom)] {
            let payload = try PayloadDecoder.decode(
                #"{"push_data":{"tag":"sha256-\#(Self.digest).\#(tag)"},"repository":{"repo_name":"a/b"}}"#)
            #expect(payload.artifact == kind)
            #expect(payload.artifactSubject == "sha256:" + Self.digest)
        }
        let image = try PayloadDecoder.decode(
            #"{"push_data":{"tag":"v1","media_type":"application/vnd.oci.image.manifest.v1+json"},"repository":{"repo_name":"a/b"}}"#
        )
        #expect(image.artifact == nil)
        #expect(ArtifactKind.classify(tag: "sha256-short.sig", mediaType: nil) == nil, "not a digest")
        #expect(
            ArtifactKind.classify(tag: "x", mediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
                == .signature)
        #expect(ArtifactKind.classify(tag: "x", mediaType: "application/vnd.in-toto+json") == .attestation)
    }

    @Test func hardenedImageChangeLogsAreDecoded() throws {
        let body = """
            {"push_data":{"tag":"3.12","pushed_at":1700000000,"media_type":"application/vnd.oci.image.index.v1+json"},
             "repository":{"repo_name":"acme/dhi-python"},
             "dhi_metadata":{"sha256:\(Self.digest)":{"schema_version":1,
               "change_categories":["vulnerability_fix","version_upgrade"],
               "previous_version":{"tag":"3.12","digest":"sha256:00"},
               "changes":{
                 "vulnerabilities_fixed":[{"cve_id":"CVE-2026-1234","severity":"high","package":"openssl","fixed_in_version":"3.0.15"}],
                 "packages_updated":[{"name":"openssl","type":"deb","old_version":"3.0.14","new_version":"3.0.15"}],
                 "packages_added":[], "packages_removed":[{"name":"curl","type":"deb","version":"8.0"}],
                 "environment_variables_changed":[{"change":"modified","key":"PYTHON_VERSION","from_value":"3.12.6","to_value":"3.12.7"}],
                 "labels_changed":[], "configuration_changed":[]}}}}
            """
        let payload = try PayloadDecoder.decode(body)
        let platform = try #require(payload.dhi?.platforms.first)
        #expect(platform.digest == "sha256:" + Self.digest)
        #expect(platform.schemaVersion == 1)
        #expect(platform.categories == ["vulnerability_fix", "version_upgrade"])
        #expect(platform.previousTag == "3.12" && platform.previousDigest == "sha256:00")
        #expect(
            platform.vulnerabilitiesFixed == [
                .init(id: "CVE-2026-1234", severity: "high", package: "openssl", fixedIn: "3.0.15")
            ])
        #expect(platform.packagesUpdated == [.init(name: "openssl", type: "deb", version: "3.0.14 → 3.0.15")])
        #expect(platform.packagesRemoved == [.init(name: "curl", type: "deb", version: "8.0")])
        #expect(platform.environmentChanged == ["PYTHON_VERSION modified: 3.12.6 → 3.12.7"])
        #expect(platform.configurationChanged == nil, "an empty list is no change")
        #expect(payload.fixesVulnerabilities)
        #expect(payload.extras.isEmpty)
    }

    @Test func hostileChangeLogsAreBoundedAndNeverRefuseThePush() throws {
        let many = (0..<500).map { #"{"cve_id":"CVE-\#($0)"}"# }.joined(separator: ",")
        let long = String(repeating: "x", count: 5000)
        let payload = try PayloadDecoder.decode(
            #"{"repository":{"repo_name":"a/b"},"dhi_metadata":{"\#(long)":{"changes":{"vulnerabilities_fixed":[\#(many)]}}}}"#
        )
        let platform = try #require(payload.dhi?.platforms.first)
        #expect(platform.vulnerabilitiesFixed.count == DHIMetadata.limit)
        #expect(platform.omitted == 400)
        #expect(platform.digest.count == DHIMetadata.textLimit)
        // Not an object: kept as an unknown field, with a note.
        let odd = try PayloadDecoder.decode(#"{"repository":{"repo_name":"a/b"},"dhi_metadata":[1]}"#)
        #expect(odd.dhi == nil)
        #expect(odd.extras.map(\.path) == ["dhi_metadata"])
    }
}

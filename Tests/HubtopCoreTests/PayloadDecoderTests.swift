import Testing

@testable import HubtopCore

@Suite struct PayloadDecoderTests {
    @Test func decodesTheDocumentedExampleDespiteItsInvalidEscape() throws {
        let payload = try PayloadDecoder.decode(DockerHubExample.body)
        #expect(payload.repository.repoName == "svendowideit/testhook")
        #expect(payload.tag == "latest")
        #expect(payload.pusher == "trustedbuilder")
        #expect(payload.pushedAt == 1_417_566_161)
        #expect(payload.repository.dateCreated == 1_417_494_799)
        #expect(payload.images.count == 2, "the \"...\" placeholder is dropped")
        #expect(payload.repository.isPrivate == true)
        #expect(payload.repository.dockerfile?.contains("VOLUME\t\t[/var/cache/apt-cacher-ng]") == true)
        #expect(payload.repairs.contains("invalid escape \\] kept literally"))
        #expect(payload.repairs.contains { $0.contains("placeholder") })
    }

    /// Every limited field one byte over its limit is cut to it, and the cut is noted by its path.
    @Test func eachLongFieldIsCutToItsOwnLimit() throws {
        let limit = Dictionary(uniqueKeysWithValues: PayloadDecoder.fieldLimits.map { ($0.path, $0.bytes) })
        func over(_ path: String) -> String { String(repeating: "x", count: limit[path, default: 0] + 1) }
        let body = """
            {"callback_url":"https://hub.example/\(over("callback_url").dropFirst(20))",
             "push_data":{"pusher":"\(over("push_data.pusher"))","media_type":"\(over("push_data.media_type"))","tag":"t"},
             "repository":{"repo_name":"a/b","namespace":"\(over("repository.namespace"))",
              "name":"\(over("repository.name"))","owner":"\(over("repository.owner"))",
              "description":"\(over("repository.description"))",
              "full_description":"\(over("repository.full_description"))",
              "repo_url":"\(over("repository.repo_url"))","status":"\(over("repository.status"))"}}
            """
        let payload = try PayloadDecoder.decode(body)
        let cut: [(String, String?)] = [
            ("push_data.pusher", payload.pusher), ("push_data.media_type", payload.mediaType),
            ("callback_url", payload.callbackURL), ("repository.namespace", payload.repository.namespace),
            ("repository.name", payload.repository.name), ("repository.owner", payload.repository.owner),
            ("repository.description", payload.repository.description),
            ("repository.full_description", payload.repository.fullDescription),
            ("repository.repo_url", payload.repository.repoURL),
            ("repository.status", payload.repository.status),
        ]
        #expect(cut.count == PayloadDecoder.fieldLimits.count)
        for (path, value) in cut {
            #expect(value?.utf8.count == limit[path], "\(path)")
            #expect(
                payload.repairs.contains { $0.hasPrefix("\(path): cut to \(limit[path] ?? 0) bytes") },
                "\(path)")
        }
    }

    @Test func earlyPayloadWithoutTagImagesOrDockerfile() throws {
        let payload = try PayloadDecoder.decode(
            #"{"push_data":{"pushed_at":1400000000,"pusher":"old"},"repository":{"repo_name":"a/b"}}"#)
        #expect(payload.tag == nil)
        #expect(payload.images.isEmpty)
        #expect(payload.repository.dockerfile == nil)
        #expect(payload.repairs.contains("push_data.tag missing"))
        #expect(payload.repository.namespace == "a" && payload.repository.name == "b")
    }

    @Test(arguments: [
        #""images":null"#, #""images":[]"#, #""images":["...",null,""]"#, "\"images\":\"none\"",
    ])
    func imagesInOddShapesNeverDropTheEvent(_ images: String) throws {
        let payload = try PayloadDecoder.decode(
            #"{"push_data":{"tag":"t",\#(images)},"repository":{"repo_name":"a/b"}}"#)
        #expect(payload.images.isEmpty)
        #expect(payload.repository.repoName == "a/b")
    }

    @Test func nullStringFieldsAreAbsent() throws {
        let payload = try PayloadDecoder.decode(
            #"{"callback_url":null,"push_data":{"tag":null,"pusher":null},"repository":{"repo_name":"a/b","description":null,"dockerfile":null,"status":null}}"#
        )
        #expect(payload.callbackURL == nil)
        #expect(payload.pusher == nil)
        #expect(payload.repository.description == nil)
        #expect(payload.repository.dockerfile == nil)
    }

    @Test(arguments: [
        ("1417566161", 1_417_566_161.0), ("1.417566161e+09", 1_417_566_161.0), ("1.4E9", 1_400_000_000.0),
        ("1417566161.25", 1_417_566_161.25), ("\"1417566161\"", 1_417_566_161.0), ("\" 1.4e9 \"", 1.4e9),
    ])
    func timestampsInEveryEncoding(_ literal: String, _ expected: Double) throws {
        let payload = try PayloadDecoder.decode(
            #"{"push_data":{"pushed_at":\#(literal)},"repository":{"repo_name":"a/b"}}"#)
        #expect(payload.pushedAt == expected)
        if literal.hasPrefix("\"") {
            #expect(payload.repairs.contains("push_data.pushed_at: string coerced to number"))
        }
    }

    @Test func numbersAndBooleansAsStrings() throws {
        let payload = try PayloadDecoder.decode(
            #"{"repository":{"repo_name":"a/b","star_count":"0","comment_count":"12","is_private":"true","is_official":0}}"#
        )
        #expect(payload.repository.starCount == 0)
        #expect(payload.repository.commentCount == 12)
        #expect(payload.repository.isPrivate == true)
        #expect(payload.repository.isOfficial == false)
        #expect(payload.repairs.contains("repository.star_count: string coerced to number"))
        #expect(payload.repairs.contains("repository.is_official: number coerced to boolean"))
    }

    @Test func unknownFieldsAreKeptByPath() throws {
        let payload = try PayloadDecoder.decode(
            #"{"push_data":{"tag":"t","media_type":"application/vnd.oci.image.index.v1+json"},"repository":{"repo_name":"a/b","x":{"y":[1,2]}},"top":true}"#
        )
        #expect(payload.extras.map(\.path) == ["repository.x", "top"])
        #expect(payload.extras[0].value.jsonText == #"{"y":[1,2]}"#)
        #expect(payload.mediaType == "application/vnd.oci.image.index.v1+json", "a known field now")
    }

    @Test func repositoryIdentityFromNamespaceAndName() throws {
        let payload = try PayloadDecoder.decode(#"{"repository":{"namespace":"ns","name":"n"}}"#)
        #expect(payload.repository.repoName == "ns/n")
        #expect(payload.repairs.contains("repository.repo_name derived from namespace/name"))
    }

    @Test(arguments: [
        (#"{"repository":{"name":"n"}}"#, PayloadError.Kind.missingRepository),
        (#"{"push_data":{}}"#, .missingRepository),
        ("", .invalidJSON), ("   ", .invalidJSON), ("not json", .invalidJSON), ("[1,2]", .invalidJSON),
        ("\"string\"", .invalidJSON), (#"{"repository":{"repo_name":"a/b"}} trailing"#, .invalidJSON),
        (#"{"repository":{"repo_name":"a/b""#, .invalidJSON), (#"{"a":NaN}"#, .invalidJSON),
        (#"{"a":Infinity}"#, .invalidJSON), (#"{"a":1e400}"#, .invalidJSON),
        ("repo=a%2Fb&tag=1", .invalidJSON),
        (#"{"a":01}"#, .invalidJSON), (#"{'a':1}"#, .invalidJSON),
    ])
    func refusesWhatIsNotJSONOrHasNoRepository(_ body: String, _ kind: PayloadError.Kind) {
        #expect(throws: PayloadError.self) { try PayloadDecoder.decode(body) }
        do {
            _ = try PayloadDecoder.decode(body)
        } catch {
            #expect(error.kind == kind, "\(body): \(error)")
            #expect(!error.detail.isEmpty)
        }
    }

    @Test func errorsSayWhere() {
        do {
            _ = try PayloadDecoder.decode(#"{"repository": {"repo_name": "a/b",}}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.detail.contains("at byte 35"), "\(error.detail)")
        }
    }

    @Test func invalidUTF8IsRefused() {
        var bytes = Array(#"{"repository":{"repo_name":"a/"#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#""}}"#.utf8)
        #expect(throws: PayloadError.self) { try PayloadDecoder.decode(bytes) }
    }

    @Test func deepNestingIsRefusedWithoutRecursingForever() {
        let depth = 100_000
        let body = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let wrapped = #"{"repository":{"repo_name":"a/b"},"x":"# + body + "}"
        do {
            _ = try PayloadDecoder.decode(wrapped)
            Issue.record("expected an error")
        } catch {
            #expect(error.detail.contains("nesting deeper"))
        }
    }

    @Test func escapesAndSurrogates() throws {
        let payload = try PayloadDecoder.decode(
            #"{"repository":{"repo_name":"a/b","description":"\u00e9\ud83d\ude80\n\t\"\/\q\ud800x"}}"#)
        #expect(payload.repository.description == "é🚀\n\t\"/q\u{FFFD}x")
        #expect(payload.repairs.contains("invalid escape \\q kept literally"))
        #expect(payload.repairs.contains("lone surrogate replaced"))
    }

    @Test func byteOrderMarkIsIgnoredAndDuplicateKeysTakeTheLast() throws {
        let body = [0xEF, 0xBB, 0xBF] + Array(#"{"repository":{"repo_name":"a/b","repo_name":"c/d"}}"#.utf8)
        let payload = try PayloadDecoder.decode(body)
        #expect(payload.repository.repoName == "c/d")
    }

    @Test func overlongFieldsAreRefused() {
        let longName = String(repeating: "n", count: 256)
        #expect(throws: PayloadError.self) {
            try PayloadDecoder.decode(#"{"repository":{"repo_name":"a/\#(longName)"}}"#)
        }
        let longTag = String(repeating: "t", count: 129)
        #expect(throws: PayloadError.self) {
            try PayloadDecoder.decode(
                #"{"push_data":{"tag":"\#(longTag)"},"repository":{"repo_name":"a/b"}}"#)
        }
    }

    @Test func hugeArraysAreRefused() {
        let images = (0..<1001).map { "\"sha256:\($0)\"" }.joined(separator: ",")
        #expect(throws: PayloadError.self) {
            try PayloadDecoder.decode(
                #"{"push_data":{"images":[\#(images)]},"repository":{"repo_name":"a/b"}}"#)
        }
        let many = String(repeating: "0,", count: 20_000) + "0"
        do {
            _ = try PayloadDecoder.decode(#"{"repository":{"repo_name":"a/b"},"x":[\#(many)]}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.detail.contains("array longer than 10000 elements"))
        }
        let fine = (0..<8).map { "\"sha256:\($0)\"" }.joined(separator: ",")
        #expect(
            (try? PayloadDecoder.decode(
                #"{"push_data":{"images":[\#(fine)]},"repository":{"repo_name":"a/b"}}"#))?.images.count == 8)
    }
}

/// The repository cache must never change what a body decodes to.
@Suite struct RepositoryCacheTests {
    static let repository =
        #"{"repo_name":"acme/api","namespace":"acme","name":"api","description":"an API","dockerfile":"FROM alpine\nRUN true\n","is_private":true,"star_count":3}"#

    func body(_ repository: String = repository, tag: String = "v1", extra: String = "") -> [UInt8] {
        Array(
            #"{"push_data":{"tag":"\#(tag)","pushed_at":1700000000}\#(extra),"repository":\#(repository)}"#
                .utf8)
    }

    func same(_ bytes: [UInt8], _ cache: RepositoryCache, sourceLocation: SourceLocation = #_sourceLocation) {
        let plain = Result { () throws(PayloadError) in try PayloadDecoder.decode(bytes) }
        let cached = Result { () throws(PayloadError) in
            try bytes.withUnsafeBufferPointer { buffer throws(PayloadError) in
                try PayloadDecoder.decode(buffer, cache: cache)
            }
        }
        switch (plain, cached) {
        case (.success(let a), .success(let b)): #expect(a == b, sourceLocation: sourceLocation)
        case (.failure(let a), .failure(let b)): #expect(a == b, sourceLocation: sourceLocation)
        default: Issue.record("the cache changed whether it decodes", sourceLocation: sourceLocation)
        }
    }

    @Test func aRepeatedRepositoryIsReusedWholeAndDecodesTheSame() throws {
        let cache = RepositoryCache()
        let first = try body().withUnsafeBufferPointer { try PayloadDecoder.decode($0, cache: cache) }
        #expect(cache.count == 1)
        let second = try body(tag: "v2").withUnsafeBufferPointer {
            try PayloadDecoder.decode($0, cache: cache)
        }
        #expect(second.repositoryBox === first.repositoryBox, "the same box: nothing decoded again")
        #expect(second.tag == "v2" && second.repository.isPrivate == true)
        same(body(tag: "v3"), cache)
    }

    @Test func onlyWhatNeededNoRepairIsRemembered() {
        let cache = RepositoryCache()
        let hostile = [
            #"{"repo_name":"acme/api","dockerfile":"FROM x \] y"}"#,  // an invalid escape: a repair
            #"{"repo_name":"acme/api","star_count":"3"}"#,  // a coercion
            #"{"repo_name":"acme/api","surprise":[1,2]}"#,  // an unknown field kept
            #"{"namespace":"acme","name":"api"}"#,  // the name derived: a repair
            #"{"repo_name":"acme/api","description":"tab\there"}"#,
            #"{"repo_name":"acme/api","date_created":1e300}"#,  // out of range: refused
            #"{"repo_name":""}"#,  // refused
            #"{"repo_name":"acme/api","name":"a\u0000b"}"#,
            // Cut to its limit: every delivery that brings it says so.
            #"{"repo_name":"acme/api","description":""# + String(repeating: "d", count: 4097) + #""}"#,
        ]
        for repository in hostile {
            for _ in 0..<2 { same(body(repository), cache) }
        }
        #expect(cache.count == 2, "only the two that needed no repair (escaped tab, escaped NUL)")
        // Two repository objects merge field by field, cached or not.
        for _ in 0..<2 {
            same(
                Array(
                    #"{"repository":\#(Self.repository),"push_data":{"tag":"x"},"repository":{"owner":"o"}}"#
                        .utf8), cache)
            same(Array(#"{"repository":{"owner":"o"},"repository":\#(Self.repository)}"#.utf8), cache)
        }
        // A truncated body whose repository object never ends.
        let cut = Array(body().dropLast(10))
        for _ in 0..<2 { same(cut, cache) }
        // An earlier repair of the same text is not taken for the repository's own.
        for _ in 0..<2 {
            same(body(#"{"repo_name":"acme/api","dockerfile":"\]"}"#, extra: #","x":"\]""#), cache)
        }
    }
}

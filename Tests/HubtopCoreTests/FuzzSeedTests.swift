import Foundation
import HubtopTestSupport
import Testing

@testable import HubtopCore

/// The fuzz corpus holds a seed of every registry's format, the same as the samples: a decoder
/// changed without its seed would be fuzzed from nothing.
@Suite struct FuzzSeedTests {
    static var corpus: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")
    }

    @Test(arguments: SourceSamples.names)
    func eachSourceHasASeedThatDecodesAsItsSample(name: String) throws {
        let sample = try #require(SourceSamples.sample(name))
        let seed = try Data(contentsOf: Self.corpus.appendingPathComponent("source-\(name).json"))
        let expected = try sample.body.withUnsafeBufferPointer {
            try WebhookDecoder.decode($0, hints: sample.hints())
        }
        let decoded = try Array(seed).withUnsafeBufferPointer {
            try WebhookDecoder.decode($0, hints: sample.hints())
        }
        #expect(decoded.events.map(\.repository.repoName) == expected.events.map(\.repository.repoName))
        #expect(!decoded.events.isEmpty)
    }
}

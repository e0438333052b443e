import HubtopTestSupport
import Testing

@testable import HubtopCore

@Suite struct LineDiffTests {
    func render(_ lines: [LineDiff.Line]) -> [String] {
        lines.map { line in
            switch line.kind {
            case .same: return " " + line.text
            case .added: return "+" + line.text
            case .removed: return "-" + line.text
            }
        }
    }

    @Test func changesInTheMiddleKeepTheirContext() {
        let old = ["FROM alpine:3.19", "RUN make", "COPY . .", "CMD run"]
        let new = ["FROM alpine:3.20", "RUN make", "COPY . .", "USER app", "CMD run"]
        #expect(
            render(LineDiff.diff(old, new)) == [
                "-FROM alpine:3.19", "+FROM alpine:3.20", " RUN make", " COPY . .", "+USER app", " CMD run",
            ])
    }

    @Test func emptySidesAndIdenticalInputs() {
        #expect(render(LineDiff.diff([], ["a"])) == ["+a"])
        #expect(render(LineDiff.diff(["a"], [])) == ["-a"])
        #expect(render(LineDiff.diff(["a", "b"], ["a", "b"])) == [" a", " b"])
    }

    @Test func theDiffAlwaysRebuildsBothSides() {
        var generator = SplitMix64(seed: 3)
        for _ in 0..<200 {
            let old = (0..<Int(generator.next() % 12)).map { _ in String(generator.next() % 5) }
            let new = (0..<Int(generator.next() % 12)).map { _ in String(generator.next() % 5) }
            let diff = LineDiff.diff(old, new)
            #expect(diff.filter { $0.kind != .added }.map(\.text) == old)
            #expect(diff.filter { $0.kind != .removed }.map(\.text) == new)
        }
    }

    @Test func previousDifferentDockerfileSkipsUnchangedOnesAndOtherRepositories() {
        let store = EventStore()
        store.ingest(makePayload(repo: "a/x", pushedAt: 1, dockerfile: "FROM one"), receivedAt: 1)
        store.ingest(makePayload(repo: "b/y", pushedAt: 2, dockerfile: "FROM other"), receivedAt: 2)
        store.ingest(makePayload(repo: "a/x", pushedAt: 3, dockerfile: "FROM two"), receivedAt: 3)
        store.ingest(makePayload(repo: "a/x", pushedAt: 4, dockerfile: "FROM two"), receivedAt: 4)
        #expect(store.previousDifferentDockerfile(before: 4)?.id == 1)
        #expect(store.previousDifferentDockerfile(before: 3)?.id == 1)
        #expect(store.previousDifferentDockerfile(before: 1) == nil)
        #expect(store.previousDifferentDockerfile(before: 2) == nil)
    }
}

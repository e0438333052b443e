import Foundation
import HubtopCore
import HubtopTestSupport
import Testing

@testable import HubtopIO
@testable import HubtopServer

/// `--on-event`: payload text reaches the command only as data.
@Suite struct EventCommandTests {
    @Test func commandLinesSplitLikeAShellWithNothingExpanded() throws {
        #expect(
            try EventCommand.words(#"notify --to 'ops team' "a \"b\"" c\ d $HOME"#) == [
                "notify", "--to", "ops team", #"a "b""#, "c d", "$HOME",
            ])
        #expect(throws: EventCommand.Failure.self) { try EventCommand.words("sh -c 'unfinished") }
    }

    @Test func payloadTextWithShellMetacharactersReachesTheCommandOnlyAsData() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hubtop-on-event-\(UUID())"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = EventStore()
        // The user's script quotes the variables; the payload cannot reach a command line.
        let command = try EventCommand(
            #"sh -c 'cat > "$0/stdin.json"; printf "%s|%s|%s" "$HUBTOP_REPO" "$HUBTOP_TAG" "$HUBTOP_EVENT_ID" > "$0/env"; echo done' "#
                + folder, filter: "acme/*", store: store, timeout: 10)
        command.start()
        let hostile = "v1$(touch \(folder)/pwned);`touch \(folder)/pwned2`'\"|&"
        var info = RepositoryInfo(repoName: "acme/api")
        info.name = "api"
        store.ingest(
            WebhookPayload(pushedAt: 1, pusher: "mallory", tag: hostile, repository: info), receivedAt: 1)
        // Not matching the filter: not run.
        store.ingest(
            makePayload(repo: "other/x", tag: "t", pusher: "x", pushedAt: 2),
            receivedAt: 2)
        try await eventually("the command ran") {
            store.outcomes(of: 1).first?.state == .delivered
        }
        let environment = try String(contentsOfFile: folder + "/env", encoding: .utf8)
        #expect(environment == "acme/api|\(hostile)|1")
        #expect(!FileManager.default.fileExists(atPath: folder + "/pwned"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/pwned2"))
        let stdin = try String(contentsOfFile: folder + "/stdin.json", encoding: .utf8)
        #expect(try JSONValue.parse(stdin).members["tag"]?.string == hostile, "the event as JSON on stdin")
        let outcome = try #require(store.outcomes(of: 1).first)
        #expect(outcome.name == "on-event sh")
        #expect(
            outcome.detail?.hasPrefix("exit 0 in ") == true && outcome.detail?.hasSuffix(": done") == true)
        #expect(store.outcomes(of: 2).isEmpty, "filtered out")
    }

    @Test func aCommandThatDoesNotReadItsInputCannotKillHubtop() {
        // A megabyte of input to a command that exits at once: the write meets a closed pipe
        // (SIGPIPE, whose default action would end this process, and the test run with it).
        for _ in 0..<3 {
            let result = ChildProcess.run(
                ["true"], input: [UInt8](repeating: 0x41, count: 1 << 20),
                environment: ["PATH": "/usr/bin:/bin"],
                timeout: 10)
            #expect(result.status == .exited(0))
        }
    }

    @Test func aFailingOrHangingCommandIsReportedAndKilled() async throws {
        let store = EventStore()
        let failing = try EventCommand(
            "sh -c 'echo oops >&2; exit 3'", filter: nil, store: store, timeout: 10)
        let hanging = try EventCommand("sleep 30", filter: nil, store: store, timeout: 0.5)
        failing.start()
        hanging.start()
        store.ingest(
            makePayload(repo: "a/b", tag: "v1", pusher: nil, pushedAt: 1), receivedAt: 1)
        try await eventually("both finished") {
            store.outcomes(of: 1).allSatisfy { $0.state == .failed } && store.outcomes(of: 1).count == 2
        }
        let outcomes = store.outcomes(of: 1)
        #expect(
            outcomes.contains {
                $0.name == "on-event sh" && $0.detail?.contains("exit 3") == true
                    && $0.detail?.hasSuffix(": oops") == true
            })
        #expect(
            outcomes.contains {
                $0.name == "on-event sleep" && $0.detail?.contains("killed after the 0.5 s timeout") == true
            })
    }

    @Test func theTimeoutHoldsForACommandThatClosedItsOutput() {
        // `exec … >>log 2>&1`: the output ends at once, the command runs on.
        let started = ChildProcess.now()
        let result = ChildProcess.run(
            ["sh", "-c", "exec sleep 30 >/dev/null 2>&1"], input: [],
            environment: ["PATH": "/usr/bin:/bin"], timeout: 0.5)
        #expect(result.status == .timedOut)
        #expect(ChildProcess.now() - started < 10, "killed at the deadline, not when it chose to end")
    }

    @Test func commandsInheritNoneOfHubtopsSecrets() {
        // A given environment, not the test process's own: children of parallel tests inherit that.
        let secrets = [
            "HUBTOP_TOKEN", "HUBTOP_METRICS_TOKEN", "HUBTOP_DATABASE_URL", "HUBTOP_REGISTRY_TOKEN",
        ]
        let environment = EventCommand.inheritedEnvironment(
            ["PATH=/usr/bin", "HOME=/root"] + secrets.map { "\($0)=secret-\($0)" })
        #expect(environment == ["PATH": "/usr/bin", "HOME": "/root"], "\(environment)")
    }
}

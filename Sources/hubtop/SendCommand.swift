import ArgumentParser
import HubtopCore
import HubtopIO
import HubtopServer

#if canImport(Glibc)
    import Glibc
#endif

/// `hubtop send`: post a payload to a running hubtop, instead of a third-party request bin.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "POST a webhook payload (by default Docker Hub's documented example) to a running hubtop.",
        discussion:
            "With --source, a realistic delivery of another registry's format instead, with its headers: "
            + SourceSamples.names.joined(separator: ", ") + "."
    )

    @Option(
        help: ArgumentHelp(
            "Send another registry's delivery: \(SourceSamples.names.joined(separator: "|")) (default: dockerhub).",
            valueName: "source"))
    var source = "dockerhub"

    @Option(
        help:
            "Sign a GitHub delivery with this webhook secret, as GitHub does (default: $HUBTOP_GITHUB_SECRET)."
    )
    var githubSecret: Secret?

    @Option(help: "Webhook URL to post to (default: http://127.0.0.1:9876/hook/$HUBTOP_TOKEN).")
    var url: String?

    @Option(help: "Override repository.repo_name (and namespace, name).")
    var repo: String?

    @Option(help: "Override push_data.tag.")
    var tag: String?

    @Option(help: "Override push_data.pusher.")
    var pusher: String?

    @Option(help: "Override push_data.pushed_at: seconds since 1970, or 'now'.")
    var pushedAt: String?

    @Argument(help: "Payload file, or - for standard input (default: the documented example).")
    var file: String?

    func run() async throws {
        if source != "dockerhub" && source != "hub" { return try await sendSample() }
        var body = try loadBody()
        do {
            body = try patch(body)
        } catch let error as JSONError {
            throw fail(
                "hubtop send: cannot apply overrides, the payload is not a JSON object: \(error)")
        }
        try await post(body, contentType: "application/json", headers: [])
    }

    /// Posts to the target and prints the answer; exits 1 when refused or unreachable.
    func post(_ body: [UInt8], contentType: String, headers: [(String, String)]) async throws {
        let target = try resolveURL()
        let response: HTTPPost.Response
        do {
            response = try await HTTPPost.post(
                url: target, body: body, contentType: contentType, extraHeaders: headers)
        } catch {
            Console.error("hubtop send: \(error)")
            throw ExitCode(1)
        }
        Console.out("\(response.status) \(response.body)")
        if !(200..<300).contains(response.status) {
            Console.error("hubtop send: refused with HTTP \(response.status)")
            throw ExitCode(1)
        }
    }

    /// Another registry's delivery: its sample with the overrides, or the file, with the
    /// headers that sender sets.
    func sendSample() async throws {
        var push = SourceSamples.defaultPush(source)
        guard var sample = SourceSamples.sample(source) else {
            throw ValidationError(
                "--source wants one of dockerhub, \(SourceSamples.names.joined(separator: ", ")); got '\(source)'"
            )
        }
        if let repo {
            let parts = repo.split(separator: "/", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
                push?.host = parts[0]
                push?.repository = parts[1]
            } else {
                push?.repository = repo
            }
        }
        if let tag { push?.tag = tag }
        if let pusher { push?.pusher = pusher }
        // A sample is a push that just happened, unless told otherwise.
        let time = pushedAt ?? "now"
        guard let seconds = time == "now" ? WallClock.now() : Double(time) else {
            throw ValidationError("--pushed-at wants seconds since 1970 or 'now'")
        }
        push?.time = seconds.rounded()
        push?.id = Self.randomID()
        push?.digest = SamplePush.digest(UInt64.random(in: 0...UInt64.max))
        if let push, let made = SourceSamples.sample(source, push: push) { sample = made }
        if file != nil { sample.body = try loadBody() }
        var headers = sample.headers.map { ($0.name, $0.value) }
        if source == "github", let secret = githubSecret ?? Environment.secret("HUBTOP_GITHUB_SECRET") {
            headers.append(("X-Hub-Signature-256", GitHubSignature.header(body: sample.body, secret: secret)))
        }
        try await post(sample.body, contentType: sample.contentType, headers: headers)
    }

    /// A fresh id in the UUID layout senders use.
    static func randomID() -> String {
        let hex = (0..<2).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }
            .map { String(repeating: "0", count: 16 - $0.count) + $0 }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(
            separator: "-")
    }

    func resolveURL() throws -> String {
        if let url { return url }
        guard let token = Environment.value("HUBTOP_TOKEN"), !token.isEmpty else {
            throw ValidationError("give --url (the webhook URL hubtop printed) or set HUBTOP_TOKEN")
        }
        return "http://127.0.0.1:9876/hook/\(token)"
    }

    func loadBody() throws -> [UInt8] {
        guard let file else { return Array(DockerHubExample.body.utf8) }
        do {
            return try Console.readAll(file)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func patch(_ original: [UInt8]) throws -> [UInt8] {
        var body = original
        if let repo {
            body = try JSONPatcher.set(["repository", "repo_name"], to: JSONWriter.quoted(repo), in: body)
            if let slash = repo.firstIndex(of: "/") {
                body = try JSONPatcher.set(
                    ["repository", "namespace"], to: JSONWriter.quoted(String(repo[..<slash])), in: body)
                body = try JSONPatcher.set(
                    ["repository", "name"], to: JSONWriter.quoted(String(repo[repo.index(after: slash)...])),
                    in: body)
            }
        }
        if let tag { body = try JSONPatcher.set(["push_data", "tag"], to: JSONWriter.quoted(tag), in: body) }
        if let pusher {
            body = try JSONPatcher.set(["push_data", "pusher"], to: JSONWriter.quoted(pusher), in: body)
        }
        if repo != nil || tag != nil {
            // A different repository or tag is a different push: give it its own callback URL so
            // it is not folded into the original as a redelivery. The same overrides again fold.
            let name = repo ?? "svendowideit/testhook"
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in (name + ":" + (tag ?? "")).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
            let callback = "https://registry.hub.docker.com/u/\(name)/hook/\(String(hash, radix: 16))/"
            body = try JSONPatcher.set(["callback_url"], to: JSONWriter.quoted(callback), in: body)
        }
        if let pushedAt {
            let seconds: Double
            if pushedAt == "now" {
                seconds = WallClock.now()
            } else if let value = Double(pushedAt) {
                seconds = value
            } else {
                throw ValidationError("--pushed-at wants seconds since 1970 or 'now'")
            }
            var writer = JSONWriter()
            writer.number((seconds * 1000).rounded() / 1000)
            body = try JSONPatcher.set(["push_data", "pushed_at"], to: writer.text, in: body)
        }
        return body
    }
}

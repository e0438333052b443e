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
        abstract: "POST a webhook payload (by default Docker Hub's documented example) to a running hubtop."
    )

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
        var body = try loadBody()
        do {
            body = try patch(body)
        } catch let error as JSONError {
            throw fail(
                "hubtop send: cannot apply overrides, the payload is not a JSON object: \(error)")
        }
        let target = try resolveURL()
        let response: HTTPPost.Response
        do {
            response = try await HTTPPost.post(url: target, body: body)
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

import HubtopCore

/// The payloads tests build, in one place: a decoded push as the store takes it, and Docker
/// Hub's documented body as a sender posts it.

/// A decoded push of `repo`, as the store takes it.
public func makePayload(
    repo: String, tag: String? = "latest", pusher: String? = "alice", pushedAt: Double? = nil,
    callback: String? = nil, dockerfile: String? = nil, images: [String] = []
) -> WebhookPayload {
    var info = RepositoryInfo(repoName: repo)
    info.dockerfile = dockerfile
    info.isPrivate = repo.hasPrefix("private")
    return WebhookPayload(
        callbackURL: callback, pushedAt: pushedAt, pusher: pusher, tag: tag, images: images, repository: info)
}

/// Docker Hub's documented example body, with its repository, push time and callback replaced.
public func examplePayload(
    repo: String = "svendowideit/testhook", pushedAt: Double = 1_417_566_161, callback: String? = nil
) throws -> [UInt8] {
    var body = Array(DockerHubExample.body.utf8)
    body = try JSONPatcher.set(["repository", "repo_name"], to: JSONValue.string(repo).jsonText, in: body)
    body = try JSONPatcher.set(["push_data", "pushed_at"], to: JSONValue.number(pushedAt).jsonText, in: body)
    if let callback {
        body = try JSONPatcher.set(["callback_url"], to: JSONValue.string(callback).jsonText, in: body)
    }
    return body
}

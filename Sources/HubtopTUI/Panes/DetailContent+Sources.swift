import HubtopCore

extension DetailContent {
    /// What a registry other than Docker Hub said: where from, what happened, how it was proven,
    /// its scan and its tag's pulls.
    static func addSource(_ origin: SourceFacts, _ image: ImageDetail, _ add: (String, String?, Role) -> Void)
    {
        add("source", origin.source.title + (origin.host.map { " (\($0))" } ?? ""), .marker)
        if origin.action != .push {
            add(
                "action",
                origin.action == .delete ? "delete (the tag or manifest is gone)" : origin.action.rawValue,
                .warning)
        }
        if let proof = origin.proof {
            let proofs: [SenderProof: String] = [
                .urlToken: "the token in the URL", .headerToken: "the token in the Authorization header",
                .signature: "a valid signature (X-Hub-Signature-256, --github-secret)",
                .unsigned: "the token in the URL; unsigned (no --github-secret set)",
            ]
            add("verified by", proofs[proof], proof == .unsigned ? .warning : .text)
        }
        if let scan = image.scan ?? origin.scan {
            var text = scan.text
            if let fixable = scan.fixable, fixable > 0 { text += " (\(fixable) fixable)" }
            if let scanner = scan.scanner { text += " — \(scanner)" }
            add("scan", text, scan.isSevere ? .error : .text)
        }
        if image.pulls > 0 { add("pulls", "\(image.pulls) of this tag", .text) }
        for (index, digest) in image.children.prefix(16).enumerated() {
            add(
                index == 0 ? "manifests" : "",
                (index == 0
                    ? "\(image.children.count) platform manifest\(image.children.count == 1 ? "" : "s") folded: "
                    : "")
                    + digest, .muted)
        }
        if let url = origin.sourceURL { add("source URL", url, .text) }
        if let revision = origin.revision { add("revision", revision, .muted) }
        if origin.deliveryKey == nil { add("event id", "none (redeliveries cannot be told apart)", .muted) }
    }

    /// Where else the same digest landed, and how long after (or before) this push.
    static func addMirrors(
        _ event: StoredEvent, _ mirrors: [StoredEvent], _ add: (String, String?, Role) -> Void
    ) {
        for (index, mirror) in mirrors.prefix(8).enumerated() {
            let lag = mirror.pushedOrReceivedAt - event.pushedOrReceivedAt
            let when =
                abs(lag) < 1
                ? "at the same time" : DurationText.describe(abs(lag)) + (lag > 0 ? " later" : " earlier")
            add(
                index == 0 ? "also in" : "", "\(mirror.repoName):\(mirror.tag ?? "(no tag)") — \(when)",
                .marker)
        }
    }
}

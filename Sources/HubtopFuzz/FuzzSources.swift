import HubtopCore

/// Every registry's decoder on the same bytes, under each set of headers that routes a body to
/// one of them: never a crash, and whatever decodes has a repository, stores within its
/// capacity, and says nothing that could act on a terminal.
func fuzzSources(_ bytes: UnsafeBufferPointer<UInt8>) {
    let harborEvent: [String: String] = [
        "specversion": "1.0", "id": "1", "source": "/projects/1", "type": "harbor.artifact.pushed",
    ]
    let variants: [DeliveryHints?] = [
        nil,
        DeliveryHints(contentType: "application/json"),
        DeliveryHints(contentType: "application/vnd.docker.distribution.events.v1+json"),
        DeliveryHints(contentType: "application/cloudevents+json"),
        DeliveryHints(contentType: "application/cloudevents-batch+json"),
        DeliveryHints(contentType: "application/json", githubEvent: "package", githubDelivery: "d"),
        DeliveryHints(contentType: "application/x-www-form-urlencoded", githubEvent: "registry_package"),
        DeliveryHints(contentType: "application/json", githubEvent: "ping"),
        DeliveryHints(contentType: "application/json", cloudEvent: harborEvent),
    ]
    let store = EventStore(capacity: 4, memoryBudget: 256 * 1024)
    for hints in variants {
        guard let decoded = try? WebhookDecoder.decode(bytes, hints: hints) else { continue }
        for event in decoded.events {
            precondition(!event.repository.repoName.isEmpty, "a decoded event always has a repository")
            for text in [
                event.repository.repoName, event.tag ?? "", event.pusher ?? "", event.origin?.host ?? "",
            ] {
                precondition(
                    !TerminalSanitizer.line(text).unicodeScalars.contains { TerminalSanitizer.isUnsafe($0) },
                    "the sanitiser leaves nothing unsafe")
            }
            store.ingest(event, receivedAt: 0)
        }
        store.note(pulls: decoded.pulls, ping: decoded.ping, at: 0)
        // What a journal keeps decodes again to the same events.
        if let hints {
            let stored = hints.storedLine + Array(bytes)
            let again = stored.withUnsafeBufferPointer { try? WebhookDecoder.decodeStored($0) }
            precondition(again?.events.count == decoded.events.count, "a stored delivery decodes as it did")
        }
    }
    precondition(store.totals.events <= 4)
}

import HubtopCore
import NIOCore
import NIOHTTP1
import Synchronization

/// A request's header list and body buffer as NIO delivered them, held for the inspector.
struct CapturedRequest: RequestCapture {
    let headers: HTTPHeaders
    let body: ByteBuffer

    /// The headers as the inspector shows them, credentials hidden: the webhook token may come as
    /// `Authorization: Bearer`, and a proxy or sender may add its own (`Proxy-Authorization`,
    /// `Cookie`); the scheme stays, so what was sent can still be told.
    var fields: [(name: String, value: String)] {
        headers.map { header in
            switch header.name.lowercased() {
            case "authorization", "proxy-authorization":
                let scheme = header.value.prefix { $0 != " " }
                return (header.name, scheme == header.value[...] ? "<hidden>" : "\(scheme) <hidden>")
            case "cookie": return (header.name, "<hidden>")
            default: return (header.name, header.value)
            }
        }
    }
    var bodyBytes: [UInt8] { Array(body.readableBytesView) }
    var bodyCount: Int { body.readableBytes }
    var heldBytes: Int {
        body.capacity + headers.reduce(0) { $0 + 48 + $1.name.utf8.count + $1.value.utf8.count }
    }
}

/// Ids for deliveries: a random prefix per process and a sequence number.
public enum DeliveryIDs {
    static let prefix = String(WebhookToken.random().prefix(8))
    static let sequence = Atomic<UInt64>(0)

    public static func next() -> String {
        "\(prefix)-\(sequence.wrappingAdd(1, ordering: .relaxed).newValue)"
    }

    /// Whether this process took the delivery (team mode: the receiver that committed it is
    /// the one that reacts to it).
    public static func isOwn(_ id: String?) -> Bool {
        id?.hasPrefix(prefix + "-") == true
    }
}

extension WebhookHandler {
    /// The headers that say a delivery's format and prove its sender (GitHub's event, delivery
    /// and signature, CloudEvents' `ce-*`): what a forward must carry to be read again.
    static func formatHeaders(_ head: HTTPRequestHead) -> [(String, String)] {
        head.headers.filter { header in
            let name = header.name.lowercased()
            return name.hasPrefix("x-github-") || name == "x-hub-signature-256" || name.hasPrefix("ce-")
        }.map { ($0.name, $0.value) }
    }
}

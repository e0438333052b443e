import HubtopCore
import NIOCore
import NIOHTTP1

extension WebhookHandler {
    /// Limits checked as soon as the head is parsed, before any body is read. Requests with the
    /// right token are never throttled (Docker Hub sends from a handful of addresses, and a
    /// release pushes hundreds of tags); everything else draws on its address's allowance, and
    /// an address that overdraws it sits in the penalty box for a while.
    func screen(_ head: HTTPRequestHead, route: Route, context: ChannelHandlerContext) -> Refusal? {
        let genuine: Bool
        switch route {
        case .hook, .handshake, .stream, .streamRequests: genuine = true
        default: genuine = false
        }
        if !genuine, let penaltyBox,
            let wait = penaltyBox.strike(clientKey(head, context: context), now: WallClock.now())
        {
            return Refusal(
                status: .tooManyRequests, error: "rate_limited",
                detail: "too many requests without the webhook token from this address; retry in \(wait) s",
                headers: [("Retry-After", String(wait))])
        }
        if genuine,
            head.headers[canonicalForm: "x-hubtop-origin"].contains(where: { $0 == configuration.origin })
        {
            // Sent by this very listener's forwarder or re-send: taking it would loop.
            return Refusal(
                status: .loopDetected, error: "loop_detected",
                detail: "this delivery was forwarded or re-sent by this hubtop to itself")
        }
        if head.uri.utf8.count > configuration.maxURIBytes {
            return Refusal(
                status: .uriTooLong, error: "uri_too_long",
                detail: "the request target is longer than \(configuration.maxURIBytes) bytes")
        }
        if head.headers.count > configuration.maxHeaderCount {
            return Refusal(
                status: .requestHeaderFieldsTooLarge, error: "too_many_headers",
                detail: "more than \(configuration.maxHeaderCount) header fields")
        }
        let headerBytes = head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        if headerBytes > configuration.maxHeaderBytes {
            return Refusal(
                status: .requestHeaderFieldsTooLarge, error: "headers_too_large",
                detail: "the header fields exceed \(configuration.maxHeaderBytes) bytes")
        }
        if genuine, let length = head.headers.first(name: "content-length").flatMap(Int.init),
            length > configuration.maxBodyBytes
        {
            return tooLarge
        }
        return nil
    }

    /// The address to hold responsible: the peer, or behind a trusted proxy the right-most
    /// `X-Forwarded-For` entry — the one the proxy added; the client writes the ones before it.
    func clientKey(_ head: HTTPRequestHead, context: ChannelHandlerContext) -> String {
        let peer = context.channel.remoteAddress?.ipAddress ?? "?"
        guard configuration.trustProxy else { return peer }
        return DeliveryInfo.lastForwardedHop(
            head.headers[canonicalForm: "x-forwarded-for"].last.map(String.init))
            ?? peer
    }
}

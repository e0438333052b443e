import HubtopCore
import HubtopIO
import HubtopServer
import Logging

/// The webhook and metrics tokens a run settles on: a flag or file, else the environment, else
/// (the webhook's) the token kept between runs.
struct RunTokens {
    let webhook: String
    let metrics: String?
    /// Reads `GET /stream`; nil: no stream.
    let viewer: String?

    init(_ settings: ListenerSettings) throws {
        webhook =
            try settings.token?.reveal() ?? Self.fromEnvironment("HUBTOP_TOKEN") ?? Self.kept()
        metrics = try settings.metricsToken?.reveal() ?? Self.fromEnvironment("HUBTOP_METRICS_TOKEN")
        if metrics == webhook {
            throw fail("hubtop: the metrics token must differ from the webhook token")
        }
        viewer = try settings.viewerToken?.reveal() ?? Self.fromEnvironment("HUBTOP_VIEWER_TOKEN")
        // A sender (who holds the webhook token) must not read, nor a viewer post.
        if let viewer, viewer == webhook || viewer == metrics {
            throw fail("hubtop: the viewer token must differ from the webhook and metrics tokens")
        }
    }

    /// The token kept between runs (made on first use), so the webhook URL given to Docker Hub
    /// survives restarts. If it cannot be kept, a random one for this run, with a warning.
    private static func kept() throws -> String {
        do {
            let (token, created) = try TokenStore.loadOrCreate()
            Logger.hubtop.info(
                "webhook token \(created ? "made and " : "")kept in \(TokenStore.path) (hubtop token --rotate makes a new one)"
            )
            return token
        } catch  where error.unusable {
            throw fail("hubtop: \(error)")
        } catch {
            Logger.hubtop.warning("\(error); using a random token for this run only")
            return WebhookToken.random()
        }
    }

    /// A secret from the environment: unset or empty means none; a weak one is an error.
    private static func fromEnvironment(_ name: String) throws -> String? {
        guard let value = Environment.value(name), !value.isEmpty else { return nil }
        if let problem = WebhookToken.problem(with: value, name: "$\(name)") {
            throw fail("hubtop: \(problem)")
        }
        return value
    }
}

import ArgumentParser
import HubtopIO
import HubtopServer

/// `hubtop token [--rotate]`: shows (or replaces) the webhook token kept between runs.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Show the webhook token hubtop keeps between runs, or make a new one with --rotate."
    )

    @Flag(help: "Make a new token; the old webhook URL stops working at hubtop's next start.")
    var rotate = false

    func run() throws {
        do {
            let token = rotate ? try TokenStore.create() : try TokenStore.loadOrCreate().token
            print(token)
            Console.error(
                rotate
                    ? "hubtop: new token kept in \(TokenStore.path); give Docker Hub the new URL"
                    : "hubtop: token kept in \(TokenStore.path)")
        } catch {
            throw fail("hubtop token: \(error)")
        }
    }
}

import ArgumentParser

@main
struct Hubtop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubtop",
        abstract: "top for Docker Hub webhooks: receive build events and watch them live.",
        version: "0.1.0",
        subcommands: [
            RunCommand.self, SendCommand.self, ThemesCommand.self, ReplayCommand.self, ExportCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )
}

import ArgumentParser

@main
struct Hubtop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubtop",
        abstract: "top for Docker Hub webhooks: receive build events and watch them live.",
        version: "0.1.0",
        subcommands: [
            RunCommand.self, SendCommand.self, ThemesCommand.self, ReplayCommand.self, ExportCommand.self,
            AttachCommand.self, StreamCommand.self,
            TokenCommand.self, ConfigCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )

    /// The config file's settings go in before the command line's (which therefore wins).
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            await main(try ConfigFile.apply(to: arguments))
        } catch {
            Console.error("hubtop: \(error)")
            exit(withError: ExitCode(1))
        }
    }
}

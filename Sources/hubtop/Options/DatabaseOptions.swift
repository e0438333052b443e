import ArgumentParser
import HubtopCore
import HubtopDatabase

/// Team mode: the shared history in PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: """
            Team mode: the shared history in PostgreSQL, postgres://user:pass@host:port/db[?sslmode=require] \
            (or $HUBTOP_DATABASE_URL, or --database-url-file). Deliveries are committed there before they \
            are answered. Visible in ps as a flag: prefer the variable or the file.
            """)
    var database: Secret?

    @Option(help: "Read the --database URL from this file (systemd credentials, Docker secrets).")
    var databaseUrlFile: String?

    @Option(
        help:
            "With --database: delete events received longer ago than this (e.g. 30d); one receiver at a time."
    )
    var retain: String?

    @Option(help: "With --database: deliveries per transaction at most (1: a transaction each).")
    var commitGroup = 500
}

/// `DatabaseOptions`, checked; nil settings when no database is given.
struct DatabaseSettings {
    let url: DatabaseURL
    let retainSeconds: Double?
    let commitGroup: Int
    /// `--database-url-file`, looked at for other readers when the run starts.
    let file: String?

    /// `--database` or `--database-url-file`, else `$HUBTOP_DATABASE_URL`; nil when none is given.
    static func from(_ options: DatabaseOptions) throws(ValidationError) -> DatabaseSettings? {
        let address: Secret?
        do {
            address =
                try SecretFile.either(
                    options.database, "--database", file: options.databaseUrlFile, "--database-url-file")
                ?? Environment.databaseURL.map { Secret($0) }
        } catch { throw ValidationError("\(error)") }
        guard options.commitGroup > 0 else { throw ValidationError("--commit-group must be positive") }
        var retainSeconds: Double?
        if let retain = options.retain {
            guard let seconds = DurationText.seconds(retain), seconds > 0 else {
                throw ValidationError("--retain wants a positive duration such as 30d; got '\(retain)'")
            }
            retainSeconds = seconds
        }
        guard let address else {
            if options.retain != nil { throw ValidationError("--retain goes with --database") }
            return nil
        }
        let url: DatabaseURL
        do { url = try DatabaseURL(parsing: address.reveal()) } catch {
            throw ValidationError("--database: \(error)")
        }
        return DatabaseSettings(
            url: url, retainSeconds: retainSeconds, commitGroup: options.commitGroup,
            file: options.databaseUrlFile)
    }
}

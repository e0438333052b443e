import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL server of the test's own: `initdb` into a temporary folder, `pg_ctl` on a free
/// loopback port, run as the `postgres` user when the tests run as root (PostgreSQL refuses
/// root). Trust authentication on loopback, so the URL needs no password.
public final class PostgresFixture: @unchecked Sendable {
    public let port: Int
    let directory: String
    var data: String { directory + "/data" }
    public var url: String { "postgres://hubtop@127.0.0.1:\(port)/hubtop" }

    static func binary(_ name: String) -> String? {
        for folder in ["/usr/local/bin", "/usr/lib/postgresql/15/bin", "/usr/bin"]
        where FileManager.default.isExecutableFile(atPath: folder + "/" + name) {
            return folder + "/" + name
        }
        return nil
    }

    public static var installed: Bool {
        binary("initdb") != nil && binary("pg_ctl") != nil && binary("psql") != nil
    }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hubtop-pg-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try Self.run(["/bin/chown", "postgres:postgres", directory], asPostgres: false) }
        port = freeLoopbackPort()
        try Self.run([
            Self.binary("initdb")!, "-D", data, "-U", "hubtop", "-A", "trust", "--no-sync", "-E", "UTF8",
        ])
        try start()
        try psql("CREATE DATABASE hubtop", database: "postgres")
    }

    /// Starts (or starts again) the server and waits until it accepts connections.
    public func start() throws {
        try Self.run([
            Self.binary("pg_ctl")!, "-D", data, "-l", directory + "/server.log", "-w", "-t", "30", "-o",
            "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory) -c max_connections=200", "start",
        ])
    }

    /// Stops the server at once (connections are cut; what was committed stays).
    public func stop() throws {
        try Self.run([Self.binary("pg_ctl")!, "-D", data, "-m", "fast", "-w", "stop"])
    }

    /// Runs SQL with `psql`; returns its unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String = "hubtop") throws -> String {
        try Self.run(
            [
                Self.binary("psql")!, "-h", "127.0.0.1", "-p", "\(port)", "-U", "hubtop", "-d", database,
                "-X", "-A",
                "-t", "-v", "ON_ERROR_STOP=1", "-c", sql,
            ], asPostgres: false)
    }

    @discardableResult
    static func run(_ arguments: [String], asPostgres: Bool = true) throws -> String {
        let asOther = asPostgres && getuid() == 0
        let (status, output) = try Spawned.run(
            asOther ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments)
        guard status == 0 else {
            throw FixtureFailure(
                description: "\(arguments.joined(separator: " ")) failed (\(status)): \(output)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        _ = try? Self.run([Self.binary("pg_ctl")!, "-D", data, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }
}

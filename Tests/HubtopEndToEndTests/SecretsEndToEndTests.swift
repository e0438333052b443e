import Foundation
import HubtopCore
import HubtopIO
import HubtopServer
import Testing

/// Secrets are never printed, can come from files, and a file others may read is warned about.
@Suite struct SecretsEndToEndTests {
    static let password = "pw-do-not-print-7f3a"

    @Test func aDatabaseURLIsNeverEchoed() throws {
        let (environment, _, root) = try stateAndConfigFolders("secrets")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var withURL = environment
        withURL["HUBTOP_DATABASE_URL"] = "postgres://hub:\(Self.password)@db.internal:5432/hubtop"
        let shown = try runHubtop(["config"], environment: withURL)
        #expect(shown.status == 0, "\(shown.err)")
        #expect(shown.out.contains("database = (secret)  # $HUBTOP_DATABASE_URL"), "\(shown.out)")
        for bad in [
            "mysql://hub:\(Self.password)@db/x", "postgres://hub:\(Self.password)@[::1]:port/db",
            "postgres://hub:\(Self.password)@db:99999/db",
        ] {
            let refused = try runHubtop(["--headless", "--database", bad], environment: environment)
            #expect(refused.status == 64, "\(refused.err)")
            #expect(refused.err.contains("--database"), "\(refused.err)")
            let everything = shown.out + shown.err + refused.out + refused.err
            #expect(!everything.contains(Self.password), "\(everything)")
        }
    }

    @Test func aTokenFileIsUsedAndWarnedAboutWhenOthersMayReadIt() async throws {
        let (environment, _, root) = try stateAndConfigFolders("secrets")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/token"
        try "file-token-0123456789abcdef\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let child = try Child(
            ["--headless", "--listen", "127.0.0.1:0", "--token-file", file], environment: environment)
        let url = try await child.webhookURL()
        #expect(
            url.hasSuffix("/hook/file-token-0123456789abcdef"), "one trailing line break is not the token")
        #expect(!child.stderr.contains("warning"), "\(child.stderr)")
        child.signal(SIGTERM)
        _ = try await child.waitForExit()

        chmod(file, 0o644)
        let exposed = try Child(
            ["--headless", "--listen", "127.0.0.1:0", "--token-file", file], environment: environment)
        _ = try await exposed.webhookURL()
        #expect(
            exposed.stderr.contains("warning: \(file) holds a secret and other users may read it (mode 644)"))
        exposed.signal(SIGTERM)
        _ = try await exposed.waitForExit()

        let both = try runHubtop(
            ["--headless", "--token", "flag-token-0123456789", "--token-file", file], environment: environment
        )
        #expect(both.status == 64 && both.err.contains("--token or --token-file, not both"), "\(both.err)")
        let missing = try runHubtop(["--headless", "--token-file", root + "/nope"], environment: environment)
        #expect(missing.status == 64 && missing.err.contains("--token-file"), "\(missing.err)")
    }

    @Test func aDatabaseURLFileIsReadAndItsTextNeverEchoed() throws {
        let (environment, _, root) = try stateAndConfigFolders("secrets")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/database-url"
        try "mysql://hub:\(Self.password)@db/x\n".write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try runHubtop(["--headless", "--database-url-file", file], environment: environment)
        #expect(refused.status == 64 && refused.err.contains("postgres://"), "\(refused.err)")
        #expect(!(refused.out + refused.err).contains(Self.password))
        let exported = try runHubtop(["export", "--database-url-file", file], environment: environment)
        #expect(exported.status != 0 && !(exported.out + exported.err).contains(Self.password))
    }

    @Test func aConfigFileHoldingASecretIsWarnedAboutWhenOthersMayReadIt() throws {
        let (environment, config, root) = try stateAndConfigFolders("secrets")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "theme = \"default\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o644)
        let plain = try runHubtop(["config"], environment: environment)
        #expect(!plain.err.contains("warning"), "no secret in it: \(plain.err)")
        try "token = \"config-token-0123456789\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o640)
        let shown = try runHubtop(["config"], environment: environment)
        #expect(shown.err.contains("warning: \(config) holds a secret"), "\(shown.err)")
        #expect(!shown.out.contains("config-token-0123456789"))
        chmod(config, 0o600)
        #expect(!(try runHubtop(["config"], environment: environment)).err.contains("warning"))
    }
}

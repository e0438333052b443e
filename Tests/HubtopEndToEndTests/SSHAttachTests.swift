import Foundation
import HubtopTestSupport
import Testing

/// A real OpenSSH server on a loopback port, with a host key and an authorised key of its own,
/// for the current user (no root login setting of the machine's is touched).
///
/// Spawned and reaped here, not with Foundation's Process: sshd closes every descriptor it
/// inherits, which Foundation takes for an exit — and its one monitoring thread then waits on
/// sshd for ever, hanging every other Process of the test run.
final class SSHServer {
    let port = freeLoopbackPort()
    let directory: URL
    private var pid: pid_t = 0

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sshd-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for key in ["host", "user"] {
            let made = try Spawned.run(
                ["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path(key)], capture: .both)
            guard made.status == 0 else { throw Timeout(description: "ssh-keygen: \(made.output)") }
        }
        try FileManager.default.copyItem(atPath: path("user.pub"), toPath: path("authorized_keys"))
        try """
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(path("host"))
        AuthorizedKeysFile \(path("authorized_keys"))
        PidFile \(path("sshd.pid"))
        StrictModes no
        UsePAM no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PermitRootLogin prohibit-password
        """.write(toFile: path("sshd_config"), atomically: true, encoding: .utf8)
        // sshd started as root wants its privilege separation directory.
        if getuid() == 0 {
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        closeEverythingElse(&actions)
        let arguments = ["/usr/sbin/sshd", "-D", "-e", "-f", path("sshd_config")]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw Timeout(description: "cannot start sshd: \(spawned)") }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// `HUBTOP_SSH` for hubtop: this server's key, no known-hosts file of the user's.
    var command: String {
        "ssh -F /dev/null -i \(path("user")) -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
    }

    var user: String { String(cString: getpwuid(getuid()).pointee.pw_name) }

    func waitUntilListening() async throws {
        try await eventually("sshd listening", within: 20) {
            (try? RawClient(port: self.port)).map { client in
                client.close()
                return true
            } ?? false
        }
    }

    deinit {
        if pid > 0 {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

@Suite(.serialized) struct SSHAttachTests {
    @Test func aJournalIsWatchedOverSSH() async throws {
        guard SSHServer.available else {
            Issue.record("sshd is not installed (.ci/run installs openssh-server)")
            return
        }
        let server = try SSHServer()
        try await server.waitUntilListening()
        let (environment, _, root) = try stateAndConfigFolders("ssh")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let journal = root + "/journal"
        let receiver = try await AttachEndToEndTests.receiver(port: 0, journal: journal, root: environment)
        try AttachEndToEndTests.send(receiver.url, repository: "acme/remote1")
        try AttachEndToEndTests.send(receiver.url, repository: "acme/remote2")
        let target = "ssh://\(server.user)@127.0.0.1:\(server.port)\(journal)"
        let viewer = try Child(
            ["attach", target, "--remote-hubtop", Binary.hubtop, "--headless", "--json"],
            environment: environment.merging(["HUBTOP_SSH": server.command]) { $1 })
        try await eventually("the history over ssh", within: 30) {
            AttachEndToEndTests.repositories(viewer.stdout).count == 2
        }
        try AttachEndToEndTests.send(receiver.url, repository: "acme/remote3")
        try await eventually("a live event over ssh", within: 20) {
            AttachEndToEndTests.repositories(viewer.stdout).count == 3
        }
        #expect(
            AttachEndToEndTests.repositories(viewer.stdout) == [
                "acme/remote1", "acme/remote2", "acme/remote3",
            ])
        viewer.signal(SIGTERM)
        #expect(try await viewer.waitForExit() == 0)
        // The remote side goes away with the viewer.
        try await eventually("no hubtop stream left", within: 15) {
            let listed =
                (try? Spawned.run(["/usr/bin/pgrep", "-f", "stream --journal \(journal)"], capture: .output))
            return listed?.output.isEmpty ?? true
        }
        // Not on the remote PATH and no --remote-hubtop: said, status 1.
        let missing = try runHubtop(
            ["attach", target, "--headless"],
            environment: environment.merging(["HUBTOP_SSH": server.command, "PATH": "/usr/bin:/bin"]) { $1 })
        #expect(missing.status == 1, "\(missing.err)")
        receiver.child.signal(SIGTERM)
        _ = try await receiver.child.waitForExit()
    }
}

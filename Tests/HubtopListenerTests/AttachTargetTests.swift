import HubtopCore
import HubtopIO
import Testing

/// What `hubtop attach` accepts, and the remote command it runs over SSH.
@Suite struct AttachTargetTests {
    @Test func targetsParse() throws {
        #expect(
            try AttachTarget.parse("https://hooks.example.com").get()
                == .receiver(url: "https://hooks.example.com/stream"))
        #expect(
            try AttachTarget.parse("http://127.0.0.1:9876/stream").get()
                == .receiver(url: "http://127.0.0.1:9876/stream"))
        #expect(
            try AttachTarget.parse("https://x.example/hubtop/").get()
                == .receiver(url: "https://x.example/hubtop/stream"))
        #expect(
            try AttachTarget.parse("/var/lib/hubtop/journal").get()
                == .journal(path: "/var/lib/hubtop/journal"))
        let ssh = try AttachTarget.parse("ssh://deploy@hub.example:2222/~/state/journal").get()
        #expect(
            ssh
                == .ssh(
                    SSHJournal(
                        user: "deploy", host: "hub.example", port: 2222, path: "state/journal", inHome: true))
        )
        for bad in [
            "hub.example", "ssh://hub.example", "ssh://-oProxyCommand=x/j", "https://user:pw@hub.example",
            "ssh://h:99999/j",
        ] {
            #expect(throws: StreamError.self, "\(bad)") { try AttachTarget.parse(bad).get() }
        }
    }

    @Test func theRemoteCommandQuotesThePath() throws {
        let target = SSHJournal(
            user: nil, host: "h", port: nil, path: "/srv/it's here/journal", inHome: false)
        let arguments = target.arguments(remoteHubtop: "/opt/hubtop")
        #expect(
            arguments.suffix(3) == [
                "h", "--", "exec '/opt/hubtop' stream --journal '/srv/it'\\''s here/journal'",
            ])
        let home = SSHJournal(user: "u", host: "h", port: 22, path: "j", inHome: true).arguments(
            remoteHubtop: nil)
        #expect(home.contains("-p") && home.contains("u@h"))
        #expect(home.last?.contains("exec hubtop stream --journal \"$HOME\"/'j'") == true)
        #expect(home.last?.contains(".local/bin/hubtop") == true)
    }
}

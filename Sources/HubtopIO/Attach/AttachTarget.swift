import HubtopCore

/// What `hubtop attach` watches: a receiver's `/stream`, a journal over SSH, or a journal here.
public enum AttachTarget: Sendable, Equatable {
    /// The stream's URL (the receiver's address with `/stream`).
    case receiver(url: String)
    case ssh(SSHJournal)
    case journal(path: String)

    /// `https://host[:port][/prefix]`, `ssh://[user@]host[:port]/path` or a path; nil (a usage
    /// error) for anything else, with why.
    public static func parse(_ text: String) -> Result<AttachTarget, StreamError> {
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let host = URLParts.host(text) else {
                return .failure(StreamError("'\(text)' is not a URL hubtop can attach to"))
            }
            if host.contains("@") || text.dropFirst(8).prefix(while: { $0 != "/" }).contains("@") {
                return .failure(
                    StreamError(
                        "give the viewer token with --viewer-token-file or $HUBTOP_VIEWER_TOKEN, not in the URL"
                    ))
            }
            var url = text
            if let query = url.firstIndex(where: { $0 == "?" || $0 == "#" }) { url = String(url[..<query]) }
            while url.hasSuffix("/") { url.removeLast() }
            if !url.hasSuffix("/stream") { url += "/stream" }
            return .success(.receiver(url: url))
        }
        if lower.hasPrefix("ssh://") { return SSHJournal.parse(text).map { .ssh($0) } }
        if text.hasPrefix("/") || text.hasPrefix("./") || text.hasPrefix("../") || text.hasPrefix("~/") {
            return .success(.journal(path: text))
        }
        return .failure(
            StreamError(
                "attach wants http(s)://RECEIVER, ssh://[user@]host[:port]/path/to/journal or a journal's path, got '\(text)'"
            ))
    }

    /// How the header names it (never with a secret: URLs with credentials are refused).
    public var shown: String {
        switch self {
        case .receiver(let url): return url
        case .ssh(let target): return target.shown
        case .journal(let path): return path
        }
    }
}

/// `ssh://[user@]host[:port]/path`: `/~/path` is under the remote home, as git writes it.
public struct SSHJournal: Sendable, Equatable {
    public var user: String?
    public var host: String
    public var port: Int?
    /// Absolute, or relative to the remote home when `inHome`.
    public var path: String
    public var inHome: Bool

    public init(user: String?, host: String, port: Int?, path: String, inHome: Bool) {
        self.user = user
        self.host = host
        self.port = port
        self.path = path
        self.inHome = inHome
    }

    static func parse(_ text: String) -> Result<SSHJournal, StreamError> {
        let rest = text.dropFirst("ssh://".count)
        guard let slash = rest.firstIndex(of: "/") else {
            return .failure(
                StreamError("'\(text)' names no journal: ssh://[user@]host[:port]/path/to/journal"))
        }
        var authority = rest[..<slash]
        var path = String(rest[slash...])
        var user: String?
        if let at = authority.lastIndex(of: "@") {
            user = String(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(number)
            else {
                return .failure(StreamError("'\(text)' has no valid port"))
            }
            port = number
            authority = authority[..<colon]
        }
        if authority.hasPrefix("["), authority.hasSuffix("]") { authority = authority.dropFirst().dropLast() }
        // Names ssh could take for options are refused, as git refuses them.
        guard !authority.isEmpty, !authority.hasPrefix("-"), !(user?.hasPrefix("-") ?? false) else {
            return .failure(StreamError("'\(text)' has no usable host"))
        }
        var inHome = false
        if path.hasPrefix("/~/") {
            inHome = true
            path = String(path.dropFirst(3))
        }
        guard path.count > 1 else { return .failure(StreamError("'\(text)' names no journal")) }
        return .success(
            SSHJournal(user: user, host: String(authority), port: port, path: path, inHome: inHome))
    }

    public var shown: String {
        "ssh://" + (user.map { $0 + "@" } ?? "") + host + (port.map { ":\($0)" } ?? "")
            + (inHome ? "/~/" : "") + path
    }

    /// The arguments after the ssh command: the destination, then the remote command, which runs
    /// `hubtop stream` (`remoteHubtop`, else `hubtop` on the remote `PATH`, else
    /// `~/.local/bin/hubtop`, where the install section puts it).
    public func arguments(remoteHubtop: String?) -> [String] {
        var arguments = [
            "-o", "BatchMode=yes", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
        ]
        if let port { arguments += ["-p", String(port)] }
        arguments.append((user.map { $0 + "@" } ?? "") + host)
        let journal = inHome ? "\"$HOME\"/" + Self.quoted(path) : Self.quoted(path)
        let stream = " stream --journal " + journal
        let command: String
        if let remoteHubtop {
            command = "exec " + Self.quoted(remoteHubtop) + stream
        } else {
            command =
                "if command -v hubtop >/dev/null 2>&1; then exec hubtop\(stream); "
                + "elif [ -x \"$HOME/.local/bin/hubtop\" ]; then exec \"$HOME/.local/bin/hubtop\"\(stream); "
                + "else echo 'hubtop: not found on the remote PATH nor in ~/.local/bin (give --remote-hubtop PATH)' >&2; exit 127; fi"
        }
        return arguments + ["--", command]
    }

    /// Single-quoted for a POSIX shell.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "'\\''") + "'"
    }
}

import HubtopCore
import HubtopSystem

#if canImport(Glibc)
    import Glibc
#endif

/// `y` / `Y`: the terminal's clipboard through OSC 52 (the terminal, or tmux with
/// `set-clipboard on`, puts the text on the system clipboard; nothing is read back), with a
/// file beside it for terminals that refuse the sequence.
enum Clipboard {
    /// Terminals cap OSC 52 (xterm at 100,000 base64 bytes); beyond this, only the file.
    static let limit = 74_000

    /// The escape sequence that sets the clipboard to `bytes`, or why this terminal cannot
    /// take it.
    static func sequence(for bytes: [UInt8], term: String?) -> Result<[UInt8], Refusal> {
        if let term, ["linux", "dumb", "vt100", "vt220"].contains(term) {
            return .failure(Refusal(description: "TERM=\(term) takes no OSC 52"))
        }
        guard bytes.count <= limit else {
            return .failure(Refusal(description: "too large for OSC 52 (\(ByteSize.format(bytes.count)))"))
        }
        return .success(Array("\u{1B}]52;c;\(Base64.encode(bytes))\u{07}".utf8))
    }

    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// Copies, and says how in one line for the footer.
    static func copy(_ bytes: [UInt8], what: String, file: String?, terminalFD: Int32) -> String {
        let size = "\(what) (\(ByteSize.format(bytes.count)))"
        let saved = file.flatMap { write(bytes, to: $0) ? $0 : nil }
        var refusal: String
        switch sequence(for: bytes, term: getenv("TERM").map { String(cString: $0) }) {
        case .success(let sequence):
            let sent = sequence.withUnsafeBytes { Glibc.write(terminalFD, $0.baseAddress, $0.count) }
            if sent == sequence.count {
                return "copied the \(size) via OSC 52" + (saved.map { " · also in \($0)" } ?? "")
            }
            refusal = "the terminal could not be written"
        case .failure(let reason):
            refusal = reason.description
        }
        guard let saved else { return "not copied: \(refusal), and no file could be written" }
        return "\(refusal): the \(size) is in \(saved)"
    }

    /// Private to the user (a copied command may carry the token, `--copy-token`), written
    /// the way exports are: never through a symlink.
    static func write(_ bytes: [UInt8], to path: String) -> Bool {
        ExportFile.privately(to: path, overwrite: true) { $0.append(bytes: bytes) } == nil
    }
}

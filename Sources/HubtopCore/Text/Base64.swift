/// Base64 (RFC 4648, with padding) for Basic credentials and `~/.docker/config.json`'s `auth`.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
            for position in 0..<4 {
                out.append(
                    position <= chunk.count
                        ? alphabet[(value >> (18 - 6 * position)) & 63] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil when `text` is not Base64 (padding optional, whitespace not allowed).
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var value = 0
        var bits = 0
        var padded = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                padded = true
                continue
            }
            guard !padded, let digit = alphabet.firstIndex(of: byte) else { return nil }
            value = (value << 6) | digit
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((value >> bits) & 0xFF))
            }
        }
        return bits >= 6 ? nil : out
    }
}

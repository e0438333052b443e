import Crypto
import HubtopCore

/// GitHub's `X-Hub-Signature-256`: `sha256=` and the lower-case hex of HMAC-SHA256 of the raw
/// body, keyed with the webhook's secret. Checked over the bytes as received, in constant time.
public enum GitHubSignature {
    /// Whether `header` signs `body` with `secret`.
    public static func isValid(_ header: String?, body: UnsafeRawBufferPointer, secret: Secret) -> Bool {
        guard let header, header.hasPrefix("sha256="), let mac = hexBytes(header.dropFirst(7)),
            mac.count == 32
        else { return false }
        let key = SymmetricKey(data: Array(secret.reveal().utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key)
    }

    /// The header's value for `body`: what `hubtop send --source github` sends.
    public static func header(body: [UInt8], secret: Secret) -> String {
        let key = SymmetricKey(data: Array(secret.reveal().utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in mac {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return "sha256=" + String(decoding: hex, as: UTF8.self)
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x61...0x66: return byte - 0x61 + 10
        case 0x41...0x46: return byte - 0x41 + 10
        default: return nil
        }
    }
}

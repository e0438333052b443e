/// A delivery's image digests, packed: a `sha256:` digest takes 33 bytes (a marker and the 32
/// bytes it spells in hex) instead of a 71-character string with its own allocation. Anything
/// else is kept as its UTF-8 text. Reads as a collection of strings, as given.
public struct ImageList: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// Entries back to back: `0` + 32 digest bytes, or `1` + a 2-byte length + UTF-8 text.
    private var packed: [UInt8] = []
    /// Where each entry starts in `packed`; kept only when some entry is not a digest.
    private var offsets: [Int32]?
    public private(set) var count = 0

    static let digestMarker: UInt8 = 0
    static let textMarker: UInt8 = 1
    static let prefix = Array("sha256:".utf8)

    public init() {}

    /// Heap bytes held, for the store's memory budget.
    public var byteCount: Int { packed.capacity + (offsets?.capacity ?? 0) * 4 }

    public init(_ images: [String]) {
        for image in images { append(image) }
    }

    /// A list from the bytes `packedBytes` gave (entries back to back, as packed here).
    init(packed bytes: ArraySlice<UInt8>) {
        packed = Array(bytes)
        var start = 0
        var starts: [Int32] = []
        var allDigests = true
        while start < packed.count {
            starts.append(Int32(start))
            if packed[start] == Self.digestMarker {
                start += 33
            } else {
                allDigests = false
                guard start + 3 <= packed.count else { break }
                start += 3 + (Int(packed[start + 1]) << 8 | Int(packed[start + 2]))
            }
        }
        count = starts.count
        offsets = allDigests ? nil : starts
    }

    /// The entries as packed, back to back (what `init(packed:)` reads).
    var packedBytes: [UInt8] { packed }

    public init(arrayLiteral elements: String...) {
        self.init(elements)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> String {
        precondition(position >= 0 && position < count, "image index out of range")
        let start = offsets.map { Int($0[position]) } ?? position * 33
        if packed[start] == Self.digestMarker {
            // Written as UTF-8 into the string's own storage: appending 64 characters one by
            // one was most of what streaming a history cost.
            return String(unsafeUninitializedCapacity: 71) { text in
                for (offset, byte) in Self.prefix.enumerated() { text[offset] = byte }
                var index = Self.prefix.count
                for byte in packed[(start + 1)..<(start + 33)] {
                    text[index] = Self.hexDigits[Int(byte >> 4)]
                    text[index + 1] = Self.hexDigits[Int(byte & 0x0F)]
                    index += 2
                }
                return index
            }
        }
        let length = Int(packed[start + 1]) << 8 | Int(packed[start + 2])
        return String(decoding: packed[(start + 3)..<(start + 3 + length)], as: UTF8.self)
    }

    public mutating func append(_ image: String) {
        let start = packed.count
        if let digest = Self.digestBytes(image) {
            packed.append(Self.digestMarker)
            packed.append(contentsOf: digest)
            offsets?.append(Int32(start))
        } else {
            let bytes = Array(image.utf8.prefix(65_535))
            if offsets == nil { offsets = (0..<count).map { Int32($0 * 33) } }
            packed.append(Self.textMarker)
            packed.append(UInt8(bytes.count >> 8))
            packed.append(UInt8(bytes.count & 0xFF))
            packed.append(contentsOf: bytes)
            offsets?.append(Int32(start))
        }
        count += 1
    }

    /// The 32 bytes of `sha256:` + 64 lowercase hex digits, else nil (kept as text, so that
    /// every entry reads back exactly as given).
    static func digestBytes(_ image: String) -> [UInt8]? {
        var image = image
        return image.withUTF8 { utf8 in
            var bytes = [UInt8](repeating: 0, count: 32)
            return packDigest(utf8, into: &bytes[...]) ? bytes : nil
        }
    }

    /// Writes the digest `utf8` spells into `out` (32 bytes); false when it is not one.
    static func packDigest(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout ArraySlice<UInt8>) -> Bool {
        guard utf8.count == 71, utf8.starts(with: prefix) else { return false }
        var index = out.startIndex
        for pair in 0..<32 {
            let high = hexValue[Int(utf8[7 + 2 * pair])]
            let low = hexValue[Int(utf8[8 + 2 * pair])]
            guard high | low < 16 else { return false }
            out[index] = high << 4 | low
            index += 1
        }
        return true
    }

    /// Appends the digest `utf8` spells, straight from the request's bytes; false (nothing
    /// added) when it is not a `sha256:` digest.
    mutating func appendDigest(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard utf8.count == 71 else { return false }
        let start = packed.count
        packed.append(Self.digestMarker)
        packed.append(contentsOf: repeatElement(0, count: 32))
        guard Self.packDigest(utf8, into: &packed[(start + 1)...]) else {
            packed.removeLast(33)
            return false
        }
        offsets?.append(Int32(start))
        count += 1
        return true
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lowercase hex digit values; 255 for anything else.
    static let hexValue: [UInt8] = (0..<256).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt8(byte) - UInt8(ascii: "a") + 10
        default: return 255
        }
    }

    public static func == (lhs: ImageList, rhs: ImageList) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for image in self { hasher.combine(image) }
    }
}

extension ImageList: CustomStringConvertible {
    public var description: String { Array(self).description }
}

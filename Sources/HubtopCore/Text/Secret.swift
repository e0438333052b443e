/// A value that must never be printed: a token, a password, a URL that carries one. Its
/// description, debug description and mirror say `(secret)`, so interpolating it into a
/// message, `print` or `dump` shows nothing; `reveal()` hands out the value where it is used,
/// a name that stands out in review.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable, ExpressibleByStringLiteral
{
    private let value: String

    public init(_ value: String) { self.value = value }

    public init(stringLiteral value: String) { self.value = value }

    /// The value itself: for the one place that needs it (a comparison, a header, a connection).
    public func reveal() -> String { value }

    public var isEmpty: Bool { value.isEmpty }

    public var description: String { "(secret)" }
    public var debugDescription: String { "(secret)" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

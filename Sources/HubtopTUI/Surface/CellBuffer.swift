import HubtopCore

/// One screen cell: a grapheme and its style. The right half of a wide character is a
/// continuation cell with empty text.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var style: Style

    public static let blank = Cell(text: " ", style: Style(.text))
    public var isContinuation: Bool { text.isEmpty }
}

public struct Rect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < maxX && py >= y && py < maxY
    }

    /// The area inside a one-cell border.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }
}

/// A grid of cells that panes draw into; the terminal backend only copies it to the screen.
/// Every write is clipped to the buffer and to the given width, and control characters are
/// replaced, so no pane can spill out or emit a terminal control.
public struct CellBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` at (x, y), using at most `maxWidth` columns; returns the columns used.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, maxWidth: Int? = nil, style: Style) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, x + (maxWidth ?? width))
        if let used = writeASCII(text, x: x, y: y, limit: limit, style: style) { return used }
        var column = x
        for character in text {
            let safe = Self.safe(character)
            let cellWidth = DisplayWidth.of(safe)
            if cellWidth == 0 {
                continue
            }
            if column + cellWidth > limit {
                // A wide character that does not fit leaves a blank, not half a glyph.
                while column < limit {
                    if column >= 0 { self[column, y] = Cell(text: " ", style: style) }
                    column += 1
                }
                break
            }
            if column >= 0 {
                clearWide(at: column, y: y)
                self[column, y] = Cell(text: String(safe), style: style)
                if cellWidth == 2 {
                    clearWide(at: column + 1, y: y)
                    self[column + 1, y] = Cell(text: "", style: style)
                }
            }
            column += cellWidth
        }
        return column - x
    }

    /// Printable ASCII (most of what panes draw) a byte at a time: no grapheme breaking, no
    /// width lookup, one prepared `String` per byte. Nil when the text is anything else.
    private mutating func writeASCII(_ text: String, x: Int, y: Int, limit: Int, style: Style) -> Int? {
        let written = text.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
            let end = min(limit, x + bytes.count)
            let first = max(0, x)
            if end > first {
                // Only the run's ends can cut a wide character in two.
                clearWide(at: first, y: y)
                clearWide(at: end - 1, y: y)
                let row = y * width
                for column in first..<end {
                    cells[row + column] = Cell(text: Self.asciiText[Int(bytes[column - x])], style: style)
                }
            }
            return end - x
        }
        return written ?? nil
    }

    /// A one-character `String` for each byte value (small strings: no allocation).
    static let asciiText: [String] = (0..<128).map { String(UnicodeScalar(UInt8($0))) }

    /// Overwriting half of a wide character must not leave the other half behind.
    private mutating func clearWide(at x: Int, y: Int) {
        guard x >= 0, x < width else { return }
        if self[x, y].isContinuation, x > 0 {
            self[x - 1, y] = Cell(text: " ", style: self[x - 1, y].style)
        } else if x + 1 < width, self[x + 1, y].isContinuation, DisplayWidth.of(self[x, y].text) == 2 {
            self[x + 1, y] = Cell(text: " ", style: self[x + 1, y].style)
        }
    }

    public mutating func fill(_ rect: Rect, style: Style, with character: Character = " ") {
        let text = String(character)
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = Cell(text: text, style: style) }
        }
    }

    /// Restyles a rectangle, keeping its text (row highlights).
    public mutating func restyle(_ rect: Rect, _ transform: (Style) -> Style) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y].style = transform(self[x, y].style) }
        }
    }

    /// Draws a box with an optional title in its top edge.
    public mutating func box(_ rect: Rect, style: Style, title: String = "", titleStyle: Style? = nil) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        // Cell by cell (every frame draws a dozen boxes): the border glyphs are one column each.
        put("┌", x: rect.x, y: rect.y, style: style)
        put("┐", x: rect.maxX - 1, y: rect.y, style: style)
        put("└", x: rect.x, y: rect.maxY - 1, style: style)
        put("┘", x: rect.maxX - 1, y: rect.maxY - 1, style: style)
        for x in (rect.x + 1)..<(rect.maxX - 1) {
            put("─", x: x, y: rect.y, style: style)
            put("─", x: x, y: rect.maxY - 1, style: style)
        }
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            put("│", x: rect.x, y: y, style: style)
            put("│", x: rect.maxX - 1, y: y, style: style)
        }
        if !title.isEmpty, rect.width > 4 {
            let shown = DisplayWidth.truncate(" " + title + " ", to: rect.width - 4)
            write(shown, x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4, style: titleStyle ?? style)
        }
    }

    /// One single-column glyph (a border piece) at (x, y), clipped to the buffer.
    private mutating func put(_ glyph: String, x: Int, y: Int, style: Style) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        clearWide(at: x, y: y)
        self[x, y] = Cell(text: glyph, style: style)
    }

    /// The text of row `y`, for tests and captures.
    public func row(_ y: Int) -> String {
        var line = ""
        for x in 0..<width where !self[x, y].isContinuation { line += self[x, y].text }
        return line
    }

    public var text: String { (0..<height).map { row($0) }.joined(separator: "\n") }

    static func safe(_ character: Character) -> Character {
        for scalar in character.unicodeScalars where TerminalSanitizer.isUnsafe(scalar) {
            return TerminalSanitizer.placeholder
        }
        return character
    }
}

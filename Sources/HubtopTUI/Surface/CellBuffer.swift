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
        let horizontal = String(repeating: "─", count: rect.width - 2)
        write("┌" + horizontal + "┐", x: rect.x, y: rect.y, maxWidth: rect.width, style: style)
        write("└" + horizontal + "┘", x: rect.x, y: rect.maxY - 1, maxWidth: rect.width, style: style)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            write("│", x: rect.x, y: y, style: style)
            write("│", x: rect.maxX - 1, y: y, style: style)
        }
        if !title.isEmpty, rect.width > 4 {
            let shown = DisplayWidth.truncate(" " + title + " ", to: rect.width - 4)
            write(shown, x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4, style: titleStyle ?? style)
        }
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

/// Where a scrolled view stands — the first line shown, and the display columns scrolled off to
/// the left. Every view that scrolls (help, detail, raw request, Dockerfile viewer) keeps one and
/// moves it by the same rule, with the rows it is drawn in: a page is those rows less one (a line
/// of context), and the last top puts the last line on the bottom row. Drawing clamps the same
/// way, so no key moves the view to a place the screen does not show.
public struct Viewport: Equatable, Sendable {
    public var top = 0
    public var left = 0

    public init(top: Int = 0, left: Int = 0) {
        self.top = top
        self.left = left
    }

    /// The top that shows the last of `lines` on the bottom of `rows` rows.
    public static func lastTop(lines: Int, rows: Int) -> Int { max(0, lines - max(1, rows)) }

    /// Moves by `motion` through `lines` lines, `rows` of them shown.
    mutating func scroll(_ motion: Motion, lines: Int, rows: Int) {
        top = motion.scroll(
            shownTop(lines: lines, rows: rows), page: max(1, rows - 1),
            lastTop: Self.lastTop(lines: lines, rows: rows))
    }

    /// Puts `line` in the middle of the rows (a search match), as far as the content allows.
    mutating func center(_ line: Int, lines: Int, rows: Int) {
        top = min(Self.lastTop(lines: lines, rows: rows), max(0, line - rows / 2))
    }

    /// The top as drawn: the content may have shrunk (or the screen grown) since the view moved.
    public func shownTop(lines: Int, rows: Int) -> Int { min(top, Self.lastTop(lines: lines, rows: rows)) }
}

/// Selection and scroll position of a list.
public struct ListCursor: Equatable, Sendable {
    public var selected = 0
    public var top = 0

    public init(selected: Int = 0, top: Int = 0) {
        self.selected = selected
        self.top = top
    }

    /// Keeps the selection inside `count` and visible in `rows` rows.
    public mutating func clamp(count: Int, rows: Int) {
        selected = count == 0 ? 0 : min(max(0, selected), count - 1)
        let rows = max(1, rows)
        if selected < top { top = selected }
        if selected >= top + rows { top = selected - rows + 1 }
        top = max(0, min(top, max(0, count - rows)))
    }
}

/// A list as a frame shows it: where its cursor is and how many rows it has on screen.
public struct ListWindow: Equatable, Sendable {
    public var cursor: ListCursor
    public var rows: Int

    public init(cursor: ListCursor = ListCursor(), rows: Int = 1) {
        self.cursor = cursor
        self.rows = rows
    }
}

import Testing

@testable import HubtopTUI

@Suite struct SurfaceTests {
    @Test func displayWidthCountsColumnsNotCharacters() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("🚀") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1, "a combining accent takes no column")
        #expect(DisplayWidth.of("한글") == 4)
        #expect(DisplayWidth.of("❤️") == 2, "VS16 asks for emoji presentation")
    }

    @Test func truncationAndPaddingUseDisplayWidth() {
        #expect(DisplayWidth.truncate("hello world", to: 8) == "hello w…")
        #expect(DisplayWidth.truncate("日本語テキスト", to: 7) == "日本語…")
        #expect(DisplayWidth.of(DisplayWidth.truncate("日本語テキスト", to: 7)) <= 7)
        #expect(DisplayWidth.fit("ab", to: 4) == "ab  ")
        #expect(DisplayWidth.fit("ab", to: 4, alignRight: true) == "  ab")
        #expect(DisplayWidth.fit("日本語", to: 5) == "日本…")
        #expect(DisplayWidth.truncate("short", to: 10) == "short")
    }

    @Test func writesAreClippedToTheirWidthAndTheBuffer() {
        var buffer = CellBuffer(width: 10, height: 2)
        let used = buffer.write("abcdefghijkl", x: 2, y: 0, maxWidth: 5, style: Style(.text))
        #expect(used == 5)
        #expect(buffer.row(0) == "  abcde   ")
        buffer.write("0123456789abc", x: 5, y: 1, style: Style(.text))
        #expect(buffer.row(1) == "     01234")
        buffer.write("ignored", x: 0, y: 5, style: Style(.text))
        buffer.write("ignored", x: 20, y: 0, style: Style(.text))
    }

    @Test func aWideCharacterThatDoesNotFitLeavesABlank() {
        var buffer = CellBuffer(width: 5, height: 1)
        buffer.write("ab日本", x: 0, y: 0, style: Style(.text))
        #expect(buffer.row(0) == "ab日 ")
        #expect(buffer[3, 0].isContinuation)
    }

    @Test func overwritingHalfAWideCharacterClearsTheOtherHalf() {
        var buffer = CellBuffer(width: 4, height: 1)
        buffer.write("日本", x: 0, y: 0, style: Style(.text))
        buffer.write("x", x: 1, y: 0, style: Style(.text))
        #expect(buffer.row(0) == " x本")
        #expect(!buffer[0, 0].isContinuation && !buffer[1, 0].isContinuation)
    }

    @Test func controlCharactersNeverReachACell() {
        var buffer = CellBuffer(width: 30, height: 1)
        buffer.write("a\u{1B}]0;x\u{07}b\r\u{08}\u{9B}\u{202E}c", x: 0, y: 0, style: Style(.text))
        for cell in buffer.cells {
            #expect(
                !cell.text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
            #expect(!cell.text.unicodeScalars.contains { $0 == "\u{202E}" })
        }
        #expect(buffer.row(0).hasPrefix("a�]0;x�b����c"))
    }

    @Test func boxesCarryTheirTitle() {
        var buffer = CellBuffer(width: 12, height: 3)
        buffer.box(Rect(x: 0, y: 0, width: 12, height: 3), style: Style(.border), title: "Title")
        #expect(buffer.row(0) == "┌─ Title ──┐")
        #expect(buffer.row(1) == "│          │")
        #expect(buffer.row(2) == "└──────────┘")
    }

    @Test func nearestColoursForSmallerPalettes() {
        let sixteen = ColorCapability(colors: 16)
        #expect(sixteen.terminalColor(.index(196)) == 9, "bright red")
        #expect(sixteen.terminalColor(.rgb(0, 0, 0)) == 0)
        #expect(sixteen.terminalColor(.index(3)) == 3)
        let eight = ColorCapability(colors: 8)
        #expect(eight.terminalColor(.index(46)) == 2, "green")
        #expect((0..<8).contains(eight.terminalColor(.rgb(250, 250, 250))))
        let full = ColorCapability(colors: 256)
        #expect(full.terminalColor(.index(39)) == 39)
        #expect(full.terminalColor(.rgb(255, 0, 0)) == 196)
        #expect(full.terminalColor(.terminalDefault) == -1)
    }
}

@Suite struct DisplayWidthFastPathTests {
    /// The ranges answered without Unicode property lookups agree with the full rules.
    @Test func fastPathAgreesWithTheProperties() {
        for value in Array(0x2010...0x2027) + Array(0x2190...0x21FF) + Array(0x2500...0x25FF) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            var slow = 1
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format: slow = 0
            default: if scalar.properties.isEmojiPresentation { slow = 2 }
            }
            #expect(DisplayWidth.of(scalar) == slow, "U+\(String(value, radix: 16))")
        }
    }
}

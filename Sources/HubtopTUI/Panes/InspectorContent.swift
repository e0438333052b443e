import HubtopCore

/// The raw request inspector as display lines: the request line, the headers in order, the
/// body pretty-printed with JSON highlighting, and the answer. Everything from the request is
/// untrusted: strings are shown JSON-escaped, other text sanitised.
public enum InspectorContent {
    public typealias Span = DockerfileContent.Span

    public static func lines(for state: DashboardState, width: Int) -> [[Span]] {
        guard let request = state.selectedRequest else {
            return [[Span(text: " " + whyNoRequest(state), role: .muted)]]
        }
        let requests = state.data.focusedRequests
        let index = min(state.inspector?.delivery ?? requests.count - 1, requests.count - 1)
        return lines(
            for: request, delivery: index + 1, of: requests.count,
            outcomes: state.data.focusedOutcomes.filter { $0.name.hasPrefix("re-send") }, width: width)
    }

    /// Why there is nothing to inspect: said as precisely as the state allows.
    static func whyNoRequest(_ state: DashboardState) -> String {
        guard state.data.keepsRequests else {
            return "no raw requests are kept (--keep-requests 0)"
        }
        switch state.data.focusedEvent?.delivery?.origin {
        case .demo?: return "a demo event: it arrived in no request"
        case .journal?:
            return "received before this start: the journal keeps the body but not the request"
                + " (hubtop export --format curl --id N)"
        case nil: return "this event arrived in no request hubtop kept"
        case .webhook?:
            return "the raw request was let go to stay within --keep-requests (the newest are kept)"
        }
    }

    public static func lines(
        for request: ReceivedRequest, delivery: Int, of count: Int, outcomes: [IntegrationOutcome] = [],
        width: Int
    ) -> [[Span]] {
        var out: [[Span]] = []
        func add(_ spans: [Span]) { out += wrap(spans, width: width) }
        func clean(_ text: String) -> String { TerminalSanitizer.line(text) }

        add([
            Span(
                text: "delivery \(delivery) of \(count) · \(clean(request.deliveryID)) · "
                    + Timestamp.utc(request.receivedAt), role: .muted)
        ])
        add([
            Span(text: clean(request.method), role: .key), Span(text: " " + clean(request.path), role: .text),
            Span(text: " " + clean(request.version), role: .muted),
        ])
        for header in request.headers {
            add([
                Span(text: clean(header.name), role: .jsonKey), Span(text: ": ", role: .muted),
                Span(text: clean(header.value), role: .text),
            ])
        }
        if request.droppedHeaders > 0 {
            add([
                Span(
                    text:
                        "(\(request.droppedHeaders) more header\(request.droppedHeaders == 1 ? "" : "s") not kept: "
                        + "\(ByteSize.format(request.droppedHeaderBytes)) beyond the "
                        + "\(ByteSize.format(ReceivedRequest.headerByteLimit)) kept per delivery)",
                    role: .warning)
            ])
        }
        out.append([])
        if let text = String(validating: request.body, as: UTF8.self),
            let value = try? JSONValue.parse(text)
        {
            var pretty: [[Span]] = []
            JSONLines.append(value, indent: 0, into: &pretty)
            for line in pretty { out += wrap(line, width: width, continuationIndent: 4) }
        } else {
            add([Span(text: "(not JSON: shown as text)", role: .warning)])
            let text = String(decoding: request.body, as: UTF8.self)
            for line in TerminalSanitizer.multiline(text).split(
                separator: "\n", omittingEmptySubsequences: false)
            {
                add([Span(text: String(line), role: .text)])
            }
        }
        if !request.bodyIsWhole {
            add([
                Span(
                    text: "(body cut: \(ByteSize.format(request.body.count)) of "
                        + "\(ByteSize.format(request.bodyLength)) kept)", role: .warning)
            ])
        }
        out.append([])
        add([
            Span(text: "answered ", role: .muted),
            Span(
                text: "\(request.status)", role: (200..<300).contains(request.status) ? .tag : .warning),
            Span(text: " in " + DurationText.short(request.duration) + "  ", role: .muted),
            Span(text: clean(request.answer), role: .text),
        ])
        for outcome in outcomes {
            add([
                Span(text: clean(outcome.name) + ": ", role: .muted),
                Span(
                    text: outcome.state.rawValue + (outcome.detail.map { " · " + clean($0) } ?? ""),
                    role: outcome.state == .delivered ? .text : .warning),
            ])
        }
        return out
    }

    /// Cuts a line of spans into lines of at most `width` columns; continuation lines are
    /// indented by `continuationIndent`.
    static func wrap(_ spans: [Span], width: Int, continuationIndent: Int = 2) -> [[Span]] {
        let width = max(8, width - 1)
        var lines: [[Span]] = []
        var line: [Span] = []
        var column = 0
        for span in spans {
            var piece = ""
            for character in span.text {
                let cells = DisplayWidth.of(character)
                if column + cells > width {
                    if !piece.isEmpty { line.append(Span(text: piece, role: span.role)) }
                    lines.append(line)
                    let indent = min(continuationIndent, width / 2)
                    line = [Span(text: String(repeating: " ", count: indent), role: .text)]
                    column = indent
                    piece = ""
                }
                piece.append(character)
                column += cells
            }
            if !piece.isEmpty { line.append(Span(text: piece, role: span.role)) }
        }
        lines.append(line)
        return lines
    }
}

/// A JSON value pretty-printed two spaces per level, as lines of highlighted spans. Member
/// order is kept; strings are written JSON-escaped, with what a terminal would act on escaped
/// too, so nothing from the payload reaches the screen raw.
enum JSONLines {
    typealias Span = DockerfileContent.Span

    static func append(_ value: JSONValue, indent: Int, into lines: inout [[Span]], prefix: [Span] = []) {
        let pad = Span(text: String(repeating: " ", count: indent), role: .text)
        switch value {
        case .object(let members) where !members.isEmpty:
            lines.append([pad] + prefix + [Span(text: "{", role: .muted)])
            for (index, member) in members.enumerated() {
                let key = [Span(text: quoted(member.0), role: .jsonKey), Span(text: ": ", role: .muted)]
                let before = lines.count
                append(member.1, indent: indent + 2, into: &lines, prefix: key)
                if index < members.count - 1, lines.count > before { lines[lines.count - 1].append(comma) }
            }
            lines.append([pad, Span(text: "}", role: .muted)])
        case .array(let elements) where !elements.isEmpty:
            lines.append([pad] + prefix + [Span(text: "[", role: .muted)])
            for (index, element) in elements.enumerated() {
                let before = lines.count
                append(element, indent: indent + 2, into: &lines)
                if index < elements.count - 1, lines.count > before { lines[lines.count - 1].append(comma) }
            }
            lines.append([pad, Span(text: "]", role: .muted)])
        default:
            lines.append([pad] + prefix + [scalar(value)])
        }
    }

    static let comma = Span(text: ",", role: .muted)

    static func scalar(_ value: JSONValue) -> Span {
        switch value {
        case .null: return Span(text: "null", role: .jsonLiteral)
        case .bool(let flag): return Span(text: flag ? "true" : "false", role: .jsonLiteral)
        case .number(let number):
            let text =
                number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            return Span(text: text, role: .jsonLiteral)
        case .string(let text): return Span(text: quoted(text), role: .jsonString)
        case .object: return Span(text: "{}", role: .muted)
        case .array: return Span(text: "[]", role: .muted)
        }
    }

    static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        JSONWriter.appendQuoted(text, to: &bytes, escapingUnsafeText: true)
        // Escaped already; the sanitiser only guards what the escaping leaves.
        return TerminalSanitizer.line(String(decoding: bytes, as: UTF8.self))
    }
}

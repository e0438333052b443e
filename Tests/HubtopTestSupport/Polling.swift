/// Something a test waited for did not happen in time.
public struct Timeout: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

/// The one way the tests wait for something: polls `condition` every `interval` until it holds,
/// for `seconds` at most, then throws a `Timeout` naming `what`. It sleeps asynchronously
/// between polls: blocking would starve the other tests of the cooperative pool.
public func eventually(
    _ what: String, within seconds: Double = 20, every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    if try await condition() { return }
    throw Timeout(description: "timed out after \(seconds) s waiting for: \(what)")
}

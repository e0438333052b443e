/// Why a body was refused. Everything else is decoded, with repairs noted.
public struct PayloadError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Not JSON at all (syntax, encoding, trailing data, not an object).
        case invalidJSON = "invalid_payload"
        /// JSON, but without `repository.repo_name` nor `namespace` + `name`.
        case missingRepository = "missing_repository"
        /// A field longer than Docker Hub allows or a number out of range.
        case fieldOutOfRange = "field_out_of_range"
        /// A well-formed delivery for a repository outside `--allow-repo`.
        case repositoryNotAllowed = "repository_not_allowed"
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}
